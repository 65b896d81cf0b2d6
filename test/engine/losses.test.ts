// Gram matrix and loss values against numbers worked out by hand on tiny arrays.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import {
  blendGrams,
  computeTargets,
  contentLoss,
  disposeTargets,
  gramMatrix,
  lossParts,
  styleLayerLoss,
  totalVariation,
} from '../../src/engine/losses.js';
import { createVgg } from '../../src/engine/vgg.js';
import { loadVggWeights } from '../../src/engine/weights.js';
import { CHECK_WEIGHTS, syntheticImage } from './support/webgpu-checks.js';
import { MODEL_DIR } from '../helpers/shared.js';

beforeAll(async () => {
  await initBackend();
});

describe('losses', () => {
  // Features [1, H=1, W=2, N=2]: positions p0 = (1, 2), p1 = (3, 4).
  const features = () => tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);

  it('Gram matrix is F^T F with F as positions x channels', async () => {
    // [[1*1 + 3*3, 1*2 + 3*4], [2*1 + 4*3, 2*2 + 4*4]]
    expect(Array.from(await gramMatrix(features()).data())).toEqual([10, 14, 14, 20]);
    expect(Array.from(await gramMatrix(features(), 'stock').data())).toEqual([10, 14, 14, 20]);
  });

  it('content loss is 1/2 sum (F - P)^2', async () => {
    const p = tf.tensor4d([0, 2, 3, 1], [1, 1, 2, 2]);
    expect((await contentLoss(features(), p).data())[0]).toBeCloseTo(0.5 * (1 + 0 + 0 + 9), 6);
  });

  it('style layer loss is sum (G - A)^2 / (4 N^2 M^2)', async () => {
    const g = tf.tensor2d([10, 14, 14, 20], [2, 2]);
    const a = tf.tensor2d([9, 14, 12, 20], [2, 2]);
    // (1 + 0 + 4 + 0) / (4 * 2^2 * 2^2) with N = 2 channels and M = 2 positions
    expect((await styleLayerLoss(g, a, 2).data())[0]).toBeCloseTo(5 / 64, 7);
  });

  it('total variation sums squared right and lower neighbour differences', async () => {
    // 2x2 one-channel image [[1, 2], [4, 8]]: right (1, 16), down (9, 36)
    const img = tf.tensor4d([1, 2, 4, 8], [1, 2, 2, 1]);
    expect((await totalVariation(img).data())[0]).toBeCloseTo(62, 5);
  });

  it('total variation has the gradient autodiff gives the plain formula, on odd shapes and one-pixel-wide images', async () => {
    const plain = (x: tf.Tensor4D) => {
      const [, h, w, c] = x.shape;
      const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [1, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [1, h, w - 1, c]));
      const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [1, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [1, h - 1, w, c]));
      return tf.add(tf.sum(tf.square(dx)), tf.sum(tf.square(dy))) as tf.Scalar;
    };
    for (const shape of [
      [1, 5, 7, 3],
      [1, 1, 6, 3],
      [1, 4, 1, 2],
    ] as [number, number, number, number][]) {
      const x = tf.randomUniform(shape, 0, 255, 'float32', 7) as tf.Tensor4D;
      const [ours, reference] = [
        tf.grad((v: tf.Tensor) => tf.mul(totalVariation(v as tf.Tensor4D), 0.3))(x),
        tf.grad((v: tf.Tensor) => tf.mul(plain(v as tf.Tensor4D), 0.3))(x),
      ];
      const [a, b] = [await ours.data(), await reference.data()];
      expect(Array.from(a).every((v, i) => Math.abs(v - b[i]!) <= 1e-4 * (1 + Math.abs(b[i]!)))).toBe(true);
      expect((await totalVariation(x).data())[0]).toBeCloseTo((await plain(x).data())[0]!, 0);
      tf.dispose([x, ours, reference]);
    }
  });

  it('blends Gram targets by normalised weight, rescaled to the target positions', async () => {
    const g1 = tf.tensor2d([4, 0, 0, 4], [2, 2]);
    const g2 = tf.tensor2d([0, 8, 8, 0], [2, 2]);
    const blended = blendGrams(
      [
        { gram: g1, positions: 4, weight: 3 },
        { gram: g2, positions: 8, weight: 1 },
      ],
      4,
    );
    // 0.75 * g1 * 4/4 + 0.25 * g2 * 4/8
    expect(Array.from(await blended.data())).toEqual([3, 1, 1, 3]);
    expect(() => blendGrams([{ gram: g1, positions: 4, weight: 0 }], 4)).toThrow(RangeError);
  });

  it('leaves the total variation out of the loss when its weight is 0, and reports it as 0', async () => {
    const vgg = createVgg(await loadVggWeights(MODEL_DIR));
    const images = { width: 16, height: 16, content: syntheticImage(16, 1), styles: [{ image: syntheticImage(16, 2), weight: 1 }] };
    const x = tf.tensor4d(Float32Array.from(syntheticImage(16, 3).data), [1, 16, 16, 3]);
    const withTv = computeTargets(vgg, images, CHECK_WEIGHTS);
    const withoutTv = computeTargets(vgg, images, { ...CHECK_WEIGHTS, tvWeight: 0 });
    const [a, b] = [withTv, withoutTv].map((t) => Array.from(lossParts(vgg, t, x).dataSync()));
    expect(a![2]).toBeCloseTo((await totalVariation(x).data())[0]!, -1);
    expect(a![2]).toBeGreaterThan(0);
    expect(b![2]).toBe(0);
    expect(b!.slice(0, 2)).toEqual(a!.slice(0, 2));
    [withTv, withoutTv].forEach(disposeTargets);
  });
});

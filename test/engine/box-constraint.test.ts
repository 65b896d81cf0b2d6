// The box constraint: pixels stay within 0..255 at every optimizer step, and the loss reported at the end is the
// delivered picture's. Real VGG-19 at 32-64 px.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { prepareInputs } from '../../src/engine/inputs.js';
import { computeTargets, disposeTargets, imageTensor, lossParts, weightedTotal } from '../../src/engine/losses.js';
import { createAdam, createLbfgs, objectiveFromLoss, type Objective } from '../../src/engine/optimizers.js';
import { stylize } from '../../src/engine/stylize.js';
import type { StylizeProgress } from '../../src/engine/types.js';
import { resolveOptions } from '../../src/engine/validate.js';
import { createVgg, type Vgg } from '../../src/engine/vgg.js';
import { loadVggWeights } from '../../src/engine/weights.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
const tuebingen = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
const starry = readFileSync(join(STYLES_DIR, 'starry_night.jpg'));
let vgg: Vgg;

beforeAll(async () => {
  // The final loss is recomputed below with tfjs's own network, so the run uses it too (onnxruntime agrees to ~2e-4).
  await initBackend('wasm');
  vgg = createVgg(await loadVggWeights(MODEL_DIR), 'custom');
});

async function range(x: tf.Tensor): Promise<[number, number]> {
  const [lo, hi] = await Promise.all([tf.min(x).data(), tf.max(x).data()]);
  return [lo[0]!, hi[0]!];
}

describe('bounds in the optimizers', () => {
  it('L-BFGS and Adam on a quadratic whose minimum lies outside the box end at the projected minimum', async () => {
    const c = tf.tensor1d([-50, 100, 300, 255, -1]);
    const objective = objectiveFromLoss((x) => tf.sum(tf.square(tf.sub(x, c))) as tf.Scalar);
    // Adam with a fixed step length keeps moving by about its learning rate around the minimum.
    for (const [make, tolerance] of [
      [(x: tf.Variable) => createLbfgs(x, objective, { bounds: { lower: 0, upper: 255 } }), 0.01],
      [(x: tf.Variable) => createAdam(x, objective, { learningRate: 20, bounds: { lower: 0, upper: 255 } }), 20],
    ] as const) {
      const x = tf.variable(tf.tensor1d([10, 10, 10, 10, 10]));
      const opt = make(x);
      for (let i = 0; i < 60; i++) {
        opt.advance();
        const [lo, hi] = await range(x);
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThanOrEqual(255);
      }
      const end = Array.from(await x.data());
      [0, 100, 255, 255, 0].forEach((want, i) => expect(Math.abs(end[i]! - want)).toBeLessThanOrEqual(tolerance));
      // The coordinates whose minimum lies outside sit exactly on the bound.
      expect([end[0], end[2], end[4]]).toEqual([0, 255, 0]);
      opt.dispose();
      x.dispose();
    }
    expect(() => createLbfgs(tf.variable(tf.zeros([1])), objective, { bounds: { lower: 1, upper: 1 } })).toThrow(/bounds/);
    c.dispose();
  });

  it('on the Gatys loss at 32 px, no pixel leaves 0..255 at any step; without bounds some do', async () => {
    const options = resolveOptions({ size: 32, seed: 1, styleWeight: 1e5 });
    const inputs = await prepareInputs({ content: tuebingen, styles: [{ image: starry }] }, options);
    const targets = computeTargets(vgg, inputs, options);
    const valueAndGrad = tf.valueAndGrad((x: tf.Tensor) => weightedTotal(lossParts(vgg, targets, x as tf.Tensor4D), options));
    // The scale stylize() uses: the first gradient's largest entry.
    const start = imageTensor(inputs.content!);
    const scale = await tf.tidy(() => tf.div(1, tf.max(tf.abs(valueAndGrad(start).grad)))).data();
    const objective: Objective = (x) =>
      tf.tidy(() => {
        const { value, grad } = valueAndGrad(x);
        return { loss: tf.mul(value, scale[0]!) as tf.Scalar, grad: tf.mul(grad, scale[0]!) };
      });
    const outside: number[] = [];
    for (const bounds of [{ lower: 0, upper: 255 }, undefined]) {
      const x = tf.variable(start.clone());
      const opt = createLbfgs(x, objective, { historySize: 20, bounds });
      let worst = 0;
      for (let i = 0; i < 15; i++) {
        opt.advance();
        const [lo, hi] = await range(x);
        worst = Math.max(worst, -lo, hi - 255);
      }
      outside.push(worst);
      opt.dispose();
      x.dispose();
    }
    expect(outside[0]).toBeLessThanOrEqual(0);
    expect(outside[1]).toBeGreaterThan(1);
    start.dispose();
    disposeTargets(targets);
  }, 120_000);
});

describe('stylize with the box constraint', () => {
  it('reports as final the loss of the delivered 8-bit picture, and it does not rise at the end', async () => {
    const events: StylizeProgress[] = [];
    const options = { size: 48, iterations: 12, seed: 5, styleWeight: 1e5, scales: 1, progressEvery: 1, previewSize: 0 };
    const result = await stylize({ content: tuebingen, styles: [{ image: starry }], options }, { onProgress: (p) => events.push(p) });
    // Recompute the loss of the PNG as delivered, from scratch.
    const resolved = resolveOptions(options);
    const inputs = await prepareInputs({ content: tuebingen, styles: [{ image: starry }] }, resolved);
    const targets = computeTargets(vgg, inputs, resolved);
    const { data, info } = await sharp(result.png).raw().toBuffer({ resolveWithObject: true });
    const parts = tf.tidy(() => lossParts(vgg, targets, tf.tensor4d(Float32Array.from(data), [1, info.height, info.width, 3])));
    const [content, style] = Array.from(await parts.data());
    parts.dispose();
    disposeTargets(targets);
    expect(result.losses.final.content).toBeCloseTo(content!, -Math.floor(Math.log10(content!)) + 4);
    expect(Math.abs(result.losses.final.style - style!) / style!).toBeLessThan(1e-4);
    // The last event carries the final losses; the one before is the loss at the start of the last step.
    expect(events.at(-1)!.losses).toEqual(result.losses.final);
    expect(result.losses.final.total).toBeLessThanOrEqual(events.at(-2)!.losses.total);
  }, 120_000);
});

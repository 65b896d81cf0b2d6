// The two custom gradients against float64 finite differences and against tfjs's stock autodiff.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { backwardKernel, convReluCustom, convReluStock, gramCustom, gramStock, prepareConv } from '../../src/engine/gradients.js';
import { contentLoss, styleLayerLoss } from '../../src/engine/losses.js';
import { seededRandom } from '../../src/engine/random.js';
import { conv64, pool64, styleLoss64, type Conv64 } from './support/reference64.js';
import { relativeL2 } from './support/webgpu-checks.js';

beforeAll(async () => {
  await initBackend();
});

/** A tiny array of numbers in [-scale, scale) from a seed. */
function randomArray(n: number, seed: number, scale = 1): Float64Array {
  const r = seededRandom(seed);
  return Float64Array.from({ length: n }, () => (2 * r() - 1) * scale);
}

// ---- The float64 reference (src/engine/reference64.ts) of a tiny network: conv, pool, conv, Gram and content losses.
describe('custom gradients', () => {
  const H = 6;
  const W = 7; // odd width: the pooling drops a column, as VGG does on odd sizes
  const k1: Conv64 = { w: randomArray(9 * 2 * 4, 1, 0.5), b: randomArray(4, 2, 0.1), cin: 2, cout: 4 };
  const k2: Conv64 = { w: randomArray(9 * 4 * 5, 3, 0.5), b: randomArray(5, 4, 0.1), cin: 4, cout: 5 };
  const x0 = randomArray(H * W * 2, 5, 1);
  const target = randomArray(3 * 3 * 5, 6, 0.5).map(Math.abs);
  const gramTarget1 = randomArray(16, 7, 2).map(Math.abs);
  const gramTarget2 = randomArray(25, 8, 2).map(Math.abs);

  function loss64(xv: Float64Array): number {
    const a1 = conv64({ h: H, w: W, c: 2, v: xv }, k1);
    const a2 = conv64(pool64(a1), k2);
    let content = 0;
    for (let i = 0; i < a2.v.length; i++) content += (a2.v[i]! - target[i]!) ** 2;
    return 0.5 * content + 10 * styleLoss64(a1, gramTarget1) + 10 * styleLoss64(a2, gramTarget2);
  }

  function lossTf(mode: 'custom' | 'stock') {
    const conv1 = prepareConv(tf.tensor4d(Float32Array.from(k1.w), [3, 3, 2, 4]), tf.tensor1d(Float32Array.from(k1.b)), mode);
    const conv2 = prepareConv(tf.tensor4d(Float32Array.from(k2.w), [3, 3, 4, 5]), tf.tensor1d(Float32Array.from(k2.b)), mode);
    const convRelu = mode === 'custom' ? convReluCustom : convReluStock;
    const gram = mode === 'custom' ? gramCustom : gramStock;
    const p = tf.tensor4d(Float32Array.from(target), [1, 3, 3, 5]);
    const t1 = tf.tensor2d(Float32Array.from(gramTarget1), [4, 4]);
    const t2 = tf.tensor2d(Float32Array.from(gramTarget2), [5, 5]);
    return (x: tf.Tensor) => {
      const a1 = convRelu(x as tf.Tensor4D, conv1);
      const a2 = convRelu(tf.avgPool(a1, 2, 2, 'valid'), conv2);
      const s1 = styleLayerLoss(gram(tf.reshape(a1, [H * W, 4])), t1, H * W);
      const s2 = styleLayerLoss(gram(tf.reshape(a2, [9, 5])), t2, 9);
      return tf.addN([contentLoss(a2, p), tf.mul(10, s1), tf.mul(10, s2)]) as tf.Scalar;
    };
  }

  it('the float64 reference and the tfjs loss agree on the value', async () => {
    const x = tf.tensor4d(Float32Array.from(x0), [1, H, W, 2]);
    const value = (await lossTf('custom')(x).data())[0]!;
    expect(value).toBeCloseTo(loss64(x0), 3);
  });

  it('the image gradient through both custom gradients matches central finite differences', async () => {
    const h = 1e-5;
    const fd = x0.map((_, i) => {
      const plus = Float64Array.from(x0);
      const minus = Float64Array.from(x0);
      plus[i] = x0[i]! + h;
      minus[i] = x0[i]! - h;
      return (loss64(plus) - loss64(minus)) / (2 * h);
    });
    const x = tf.tensor4d(Float32Array.from(x0), [1, H, W, 2]);
    const custom = await tf.grad(lossTf('custom'))(x).data();
    const stock = await tf.grad(lossTf('stock'))(x).data();
    // Every input pixel matters here (no dead ReLU path hides a wrong gradient). Measured error: 2e-7.
    expect(fd.filter((v) => Math.abs(v) > 1e-6).length).toBe(fd.length);
    expect(relativeL2(custom, fd)).toBeLessThan(1e-4);
    expect(relativeL2(stock, fd)).toBeLessThan(1e-4);
    // A wrong kernel orientation (not rotated) must be caught by this test.
    expect(
      relativeL2(
        custom,
        fd.map((v) => -v),
      ),
    ).toBeGreaterThan(1);
  });

  it('the conv gradient equals the stock gradient at VGG-like widths and odd sizes', async () => {
    const kernel = tf.randomNormal([3, 3, 16, 24], 0, 0.1, 'float32', 11) as tf.Tensor4D;
    const bias = tf.randomNormal([24], 0, 0.1, 'float32', 12) as tf.Tensor1D;
    const x = tf.randomNormal([1, 9, 13, 16], 0, 1, 'float32', 13) as tf.Tensor4D;
    const weight = tf.randomNormal([1, 9, 13, 24], 0, 1, 'float32', 14);
    const custom = prepareConv(kernel, bias, 'custom');
    const stock = prepareConv(kernel, bias, 'stock');
    const gCustom = await tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(convReluCustom(v as tf.Tensor4D, custom), weight)))(x)
      .data();
    const gStock = await tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(convReluStock(v as tf.Tensor4D, stock), weight)))(x)
      .data();
    expect(relativeL2(gCustom, gStock)).toBeLessThan(1e-5);
    const yCustom = await convReluCustom(x, custom).data();
    const yStock = await convReluStock(x, stock).data();
    expect(relativeL2(yCustom, yStock)).toBeLessThan(1e-6);
  });

  it('the backward kernel is the kernel rotated 180 degrees with in/out swapped', async () => {
    const k = tf.tensor4d(
      Array.from({ length: 3 * 3 * 2 * 1 }, (_, i) => i),
      [3, 3, 2, 1],
    );
    const b = backwardKernel(k);
    expect(b.shape).toEqual([3, 3, 1, 2]);
    const kv = (await k.array()) as number[][][][];
    const bv = (await b.array()) as number[][][][];
    expect(bv[0]![0]![0]![1]).toBe(kv[2]![2]![1]![0]);
    expect(bv[1]![2]![0]![0]).toBe(kv[1]![0]![0]![0]);
  });

  it('the Gram gradient equals the stock gradient, also for a non-symmetric upstream gradient', async () => {
    const f = tf.randomNormal([50, 7], 0, 1, 'float32', 21) as tf.Tensor2D;
    const up = tf.randomNormal([7, 7], 0, 1, 'float32', 22);
    expect(relativeL2(await gramCustom(f).data(), await gramStock(f).data())).toBeLessThan(1e-6);
    const gCustom = await tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(gramCustom(v as tf.Tensor2D), up)))(f)
      .data();
    const gStock = await tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(gramStock(v as tf.Tensor2D), up)))(f)
      .data();
    expect(relativeL2(gCustom, gStock)).toBeLessThan(1e-5);
  });
});

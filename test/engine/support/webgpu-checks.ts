// Correctness checks for a backend (webgpu above all) against wasm and against float64 finite differences.
// Used by test/engine/webgpu.test.ts (on lavapipe where it exists) and by bench/gpu/gpu-bench.ts (on the GPU).
// Nothing here imports sharp: the GPU bundle must run with only Dawn beside it.
import * as tf from '@tensorflow/tfjs';
import { convReluCustom, gramCustom, prepareConv } from '../../../src/engine/gradients.js';
import {
  computeTargets,
  contentLoss,
  disposeTargets,
  lossParts,
  styleLayerLoss,
  weightedTotal,
  type LossWeights,
} from '../../../src/engine/losses.js';
import { seededRandom } from '../../../src/engine/random.js';
import { conv64, pool64, styleLoss64, type Conv64 } from './reference64.js';
import type { Vgg } from '../../../src/engine/vgg.js';
import type { RgbImage } from '../../../src/images/index.js';

/** The engine's default loss weights (validate.ts DEFAULT_OPTIONS), without importing the option parser. */
export const CHECK_WEIGHTS: LossWeights = { contentWeight: 1, styleWeight: 1e4, tvWeight: 1e-3, layerWeights: [0.2, 0.2, 0.2, 0.2, 0.2] };

/** A smooth seeded picture (sums of random sinusoids plus a little noise), the same on every machine. */
export function syntheticImage(size: number, seed: number): RgbImage {
  const r = seededRandom(seed);
  const waves = Array.from({ length: 12 }, () => ({
    fx: r() * 0.3,
    fy: r() * 0.3,
    phase: r() * 6.283,
    amp: 20 + r() * 30,
    c: Math.floor(r() * 3),
  }));
  const data = new Uint8Array(size * size * 3);
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++)
      for (let c = 0; c < 3; c++) {
        let v = 127.5 + (r() - 0.5) * 16;
        for (const w of waves) if (w.c === c) v += w.amp * Math.sin(w.fx * i + w.fy * j + w.phase);
        data[(i * size + j) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
  return { width: size, height: size, data };
}

export interface ObjectiveSample {
  /** content, style, tv (unweighted), then the weighted total. */
  parts: [number, number, number, number];
  grad: Float32Array;
}

/**
 * Iteration 0 of a Gatys run on the ACTIVE backend: targets from synthetic content and style pictures,
 * the image starting from a third synthetic picture; returns the loss parts and the image gradient.
 */
export async function iterationZero(vgg: Vgg, size: number): Promise<ObjectiveSample> {
  const targets = computeTargets(
    vgg,
    { width: size, height: size, content: syntheticImage(size, 1), styles: [{ image: syntheticImage(size, 2), weight: 1 }] },
    CHECK_WEIGHTS,
  );
  const start = syntheticImage(size, 3);
  const x = tf.tensor4d(Float32Array.from(start.data), [1, size, size, 3]);
  try {
    let parts: tf.Tensor1D | null = null;
    const { value, grad } = tf.tidy(() =>
      tf.valueAndGrad((img: tf.Tensor) => {
        const p = lossParts(vgg, targets, img as tf.Tensor4D);
        parts = tf.keep(p.clone());
        return weightedTotal(p, CHECK_WEIGHTS);
      })(x),
    );
    const [c, s, t] = Array.from(await parts!.data());
    const total = (await value.data())[0]!;
    const g = (await grad.data()) as Float32Array;
    (parts as tf.Tensor | null)?.dispose();
    value.dispose();
    grad.dispose();
    return { parts: [c!, s!, t!, total], grad: g };
  } finally {
    x.dispose();
    disposeTargets(targets);
  }
}

export function relativeDifference(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

/** ||a - b|| / ||b||. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return norm === 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
}

// ---- A tiny network in float64 (plain JS) and on the active backend, for finite differences of the image gradient.
// conv3x3 SAME + bias + ReLU (3 -> 4), 2x2 average pool, conv (4 -> 5) + ReLU; loss = content (after the second conv)
// + Gram style loss at both conv outputs. The same functions the engine uses (convReluCustom, gramCustom) on the backend.

export interface TinyNetCheck {
  /** Relative L2 error of the backend's image gradient against float64 central differences. */
  relativeError: number;
  /** The backend's loss against the float64 loss. */
  lossRelativeDifference: number;
  pixels: number;
}

/** The image gradient of a tiny conv/pool/Gram network on the ACTIVE backend against float64 finite differences. */
export async function tinyNetGradientCheck(side = 6): Promise<TinyNetCheck> {
  const r = seededRandom(11);
  const rand = (n: number, scale: number) => Float64Array.from({ length: n }, () => (2 * r() - 1) * scale);
  const k1: Conv64 = { w: rand(9 * 3 * 4, 0.5), b: rand(4, 0.1), cin: 3, cout: 4 };
  const k2: Conv64 = { w: rand(9 * 4 * 5, 0.5), b: rand(5, 0.1), cin: 4, cout: 5 };
  const image = rand(side * side * 3, 1);
  const contentTarget = rand((side / 2) * (side / 2) * 5, 0.5).map(Math.abs);
  const gram1 = rand(16, 2);
  const gram2 = rand(25, 1);

  const loss64 = (v: Float64Array): number => {
    const a = conv64({ h: side, w: side, c: 3, v }, k1);
    const b = conv64(pool64(a), k2);
    let content = 0;
    for (let i = 0; i < b.v.length; i++) content += (b.v[i]! - contentTarget[i]!) ** 2;
    return 0.5 * content + styleLoss64(a, gram1) + styleLoss64(b, gram2);
  };
  const fd = new Float64Array(image.length);
  const h = 1e-6;
  for (let i = 0; i < image.length; i++) {
    const plus = image.slice();
    const minus = image.slice();
    plus[i] = plus[i]! + h;
    minus[i] = minus[i]! - h;
    fd[i] = (loss64(plus) - loss64(minus)) / (2 * h);
  }

  const f32 = (a: Float64Array) => Float32Array.from(a);
  const c1 = prepareConv(tf.tensor4d(f32(k1.w), [3, 3, 3, 4]), tf.tensor1d(f32(k1.b)), 'custom');
  const c2 = prepareConv(tf.tensor4d(f32(k2.w), [3, 3, 4, 5]), tf.tensor1d(f32(k2.b)), 'custom');
  const held = [c1.kernel, c1.bias, c1.backKernel!, c2.kernel, c2.bias, c2.backKernel!];
  try {
    const lossOf = (x: tf.Tensor) => {
      const a = convReluCustom(x as tf.Tensor4D, c1);
      const b = convReluCustom(tf.avgPool(a, 2, 2, 'valid'), c2);
      const gA = gramCustom(tf.reshape(a, [side * side, 4]));
      const gB = gramCustom(tf.reshape(b, [(side / 2) * (side / 2), 5]));
      const style = tf.add(
        styleLayerLoss(gA, tf.tensor2d(f32(gram1), [4, 4]), side * side),
        styleLayerLoss(gB, tf.tensor2d(f32(gram2), [5, 5]), (side / 2) ** 2),
      );
      return tf.add(contentLoss(b, tf.tensor4d(f32(contentTarget), b.shape)), style) as tf.Scalar;
    };
    const x = tf.tensor4d(f32(image), [1, side, side, 3]);
    const { value, grad } = tf.tidy(() => tf.valueAndGrad(lossOf)(x));
    const g = await grad.data();
    const v = (await value.data())[0]!;
    [x, value, grad].forEach((t) => t.dispose());
    return { relativeError: relativeL2(g, fd), lossRelativeDifference: relativeDifference(v, loss64(image)), pixels: image.length };
  } finally {
    held.forEach((t) => t.dispose());
  }
}

/** Why webgpu cannot run here (no Dawn, no Vulkan loader, no adapter), or null when an adapter answers. */
export async function webgpuUnavailableReason(): Promise<string | null> {
  try {
    const dawn = (await import('webgpu' as string)) as { create: (flags: string[]) => { requestAdapter: () => Promise<unknown> } };
    const adapter = await dawn.create([]).requestAdapter();
    return adapter ? null : 'no WebGPU adapter on this machine';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

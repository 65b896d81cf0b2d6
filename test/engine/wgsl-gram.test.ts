// Our WGSL Gram kernels (split-K G = F^T F, and dF = F (dG + dG^T)) against tf.matMul on the same webgpu backend
// and against wasm, for every offered tile configuration and shapes that are not multiples of the tiles or chunks.
// Runs wherever Dawn finds an adapter (lavapipe on a CPU machine); skips with the reason printed where there is none.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { gramCustom } from '../../src/engine/gradients.js';
import { seededRandom } from '../../src/engine/random.js';
import { relativeL2, webgpuUnavailableReason } from './support/webgpu-checks.js';
import {
  DEFAULT_GRAM_BACKWARD_CONFIG,
  DEFAULT_GRAM_FORWARD_CONFIG,
  GRAM_BACKWARD_CONFIGS,
  GRAM_FORWARD_CONFIGS,
  gramBackwardWgsl,
  gramSplit,
  gramWgsl,
  registerGramKernels,
  type GramForwardConfig,
} from '../../src/engine/wgsl/gram.js';

const unavailable = await webgpuUnavailableReason();
if (unavailable) console.warn(`webgpu Gram kernel tests skipped: ${unavailable}`);

/** [M, N]: positions not a multiple of any tile, chunk or kStep (7*13, 33*17); N = 3 (conv1_1), 8, 20, 64, 72. */
const SHAPES: [number, number][] = [
  [91, 3],
  [91, 8],
  [561, 20],
  [561, 64],
  [91, 72],
];

interface Case {
  m: number;
  n: number;
  f: Float32Array;
  dG: Float32Array;
}

function values(count: number, seed: number): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: count }, () => 2 * r() - 1);
}

const CASES: Case[] = SHAPES.map(([m, n], i) => ({ m, n, f: values(m * n, 10 + i), dG: values(n * n, 50 + i) }));

/** The same cases on wasm: G and dF (dG is not symmetric, so dG + dG^T matters). */
async function wasmReference(): Promise<{ gram: Float32Array; grad: Float32Array }[]> {
  await initBackend('wasm');
  const out: { gram: Float32Array; grad: Float32Array }[] = [];
  for (const c of CASES) {
    const [gram, grad] = tf.tidy(() => {
      const f = tf.tensor2d(c.f, [c.m, c.n]);
      const dG = tf.tensor2d(c.dG, [c.n, c.n]);
      return [tf.matMul(f, f, true, false), tf.matMul(f, tf.add(dG, tf.transpose(dG)))];
    });
    out.push({ gram: (await gram.data()) as Float32Array, grad: (await grad.data()) as Float32Array });
    tf.dispose([gram, grad]);
  }
  return out;
}

describe('the Gram split, on any machine', () => {
  it('cuts M into chunks (multiples of kStep) that cover it and give a few hundred workgroups at 512 px', () => {
    const layers: [number, number][] = [
      [262144, 64],
      [65536, 128],
      [16384, 256],
      [4096, 512],
      [1024, 512],
      [561, 20],
    ];
    for (const config of GRAM_FORWARD_CONFIGS) {
      for (const [m, n] of layers) {
        const s = gramSplit(m, n, config);
        expect(s.chunk % config.kStep).toBe(0);
        expect(s.chunk).toBeGreaterThanOrEqual(config.minChunk);
        expect(s.chunk * s.chunks).toBeGreaterThanOrEqual(m);
        expect(s.chunk * (s.chunks - 1)).toBeLessThan(m);
        expect(s.chunks).toBeLessThan(65536);
      }
      // relu1_1 at 512 px: stock tfjs has 4 workgroups; here at least targetWorkgroups / 2.
      const relu11 = gramSplit(262144, 64, config);
      expect(relu11.tilePairs * relu11.chunks).toBeGreaterThanOrEqual(config.targetWorkgroups / 2);
    }
    // 64 channels: two 32-wide tiles make 3 upper-triangle pairs; one 64-wide tile (the default) makes 1.
    expect(gramSplit(262144, 64, GRAM_FORWARD_CONFIGS[0]!).tilePairs).toBe(3);
    expect(gramSplit(262144, 64, DEFAULT_GRAM_FORWARD_CONFIG).tilePairs).toBe(1);
  });
});

describe.skipIf(unavailable !== null)('WGSL Gram kernels on webgpu', () => {
  it('G = F^T F: every config, one chunk and many ragged chunks, equals tf.matMul on webgpu and on wasm', async () => {
    const wasm = await wasmReference();
    await initBackend('webgpu');
    await registerGramKernels();
    await registerGramKernels(); // idempotent
    for (const [ci, c] of CASES.entries()) {
      const f = tf.tensor2d(c.f, [c.m, c.n]);
      const stock = tf.matMul(f, f, true, false);
      const stockValues = await stock.data();
      // Many chunks: the shortest chunk allowed (one kStep), so the last one is ragged; and the default split.
      const splits = (config: GramForwardConfig): GramForwardConfig[] => [
        config,
        { ...config, minChunk: config.kStep, targetWorkgroups: 4096 },
      ];
      for (const config of GRAM_FORWARD_CONFIGS.flatMap(splits)) {
        const label = `M=${c.m} N=${c.n} ${JSON.stringify(config)} (${gramSplit(c.m, c.n, config).chunks} chunks)`;
        const g = gramWgsl(f, config);
        expect(g.shape, label).toEqual([c.n, c.n]);
        const got = await g.data();
        expect(relativeL2(got, stockValues), label).toBeLessThan(1e-5);
        expect(relativeL2(got, wasm[ci]!.gram), label).toBeLessThan(1e-5);
        g.dispose();
      }
      tf.dispose([f, stock]);
    }
    expect(gramSplit(561, 64, { ...DEFAULT_GRAM_FORWARD_CONFIG, minChunk: 16, targetWorkgroups: 4096 }).chunks).toBeGreaterThan(10);
  });

  it('dF = F (dG + dG^T) for a non-symmetric dG: every config equals tf.matMul on webgpu and on wasm', async () => {
    const wasm = await wasmReference();
    await initBackend('webgpu');
    await registerGramKernels();
    for (const [ci, c] of CASES.entries()) {
      const f = tf.tensor2d(c.f, [c.m, c.n]);
      const dG = tf.tensor2d(c.dG, [c.n, c.n]);
      const stock = tf.tidy(() => tf.matMul(f, tf.add(dG, tf.transpose(dG))));
      const stockValues = await stock.data();
      for (const config of GRAM_BACKWARD_CONFIGS) {
        const label = `M=${c.m} N=${c.n} ${JSON.stringify(config)}`;
        const df = gramBackwardWgsl(f, dG, config);
        expect(df.shape, label).toEqual([c.m, c.n]);
        const got = await df.data();
        expect(relativeL2(got, stockValues), label).toBeLessThan(1e-5);
        expect(relativeL2(got, wasm[ci]!.grad), label).toBeLessThan(1e-5);
        // The symmetrisation matters: F dG alone is far from the answer.
        const plain = tf.tidy(() => tf.matMul(f, dG));
        expect(relativeL2(got, await plain.data()), label).toBeGreaterThan(0.1);
        tf.dispose([df, plain]);
      }
      tf.dispose([f, dG, stock]);
    }
  });

  it('dF over more than 32768 row tiles (the 2-D row dispatch that 2048 px needs) matches tf.matMul', async () => {
    await initBackend('webgpu');
    await registerGramKernels();
    // A tiny tile keeps M (and lavapipe's time) small while still needing a second dispatch layer.
    const config = { tileM: 4, tileN: 4, microM: 1, microN: 1, kStep: 4 };
    const m = 32768 * config.tileM + 5;
    const f = tf.tensor2d(values(m * 3, 7), [m, 3]);
    const dG = tf.tensor2d(values(9, 8), [3, 3]);
    const stock = tf.tidy(() => tf.matMul(f, tf.add(dG, tf.transpose(dG))));
    const df = gramBackwardWgsl(f, dG, config);
    const got = await df.data();
    expect(relativeL2(got, await stock.data())).toBeLessThan(1e-5);
    // The last rows (in the second dispatch layer) are not zero.
    expect(got.subarray(got.length - 15).some((v) => v !== 0)).toBe(true);
    tf.dispose([f, dG, stock, df]);
  });

  it('as a customGrad, gives the value and gradient of the engine gramCustom', async () => {
    await initBackend('webgpu');
    await registerGramKernels();
    const gramOp = tf.customGrad((...args) => {
      const [f, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      save([f]);
      return { value: gramWgsl(f), gradFunc: (dG, saved) => gramBackwardWgsl(saved[0] as tf.Tensor2D, dG as tf.Tensor2D) };
    });
    const c = CASES[3]!;
    const f = tf.tensor2d(c.f, [c.m, c.n]);
    const weights = tf.tensor2d(c.dG, [c.n, c.n]);
    const loss = (op: (x: tf.Tensor2D) => tf.Tensor) => (x: tf.Tensor) => tf.sum(tf.mul(op(x as tf.Tensor2D), weights)) as tf.Scalar;
    const ours = tf.valueAndGrad(loss((x) => gramOp(x) as tf.Tensor))(f);
    const engine = tf.valueAndGrad(loss(gramCustom))(f);
    const [v1, v2] = [(await ours.value.data())[0]!, (await engine.value.data())[0]!];
    expect(Math.abs(v1 - v2) / Math.abs(v2)).toBeLessThan(1e-5);
    expect(relativeL2(await ours.grad.data(), await engine.grad.data())).toBeLessThan(1e-5);
    tf.dispose([f, weights, ours.value, ours.grad, engine.value, engine.grad]);
  });

  it('refuses a dG of the wrong shape and an unusable config with a clear message', async () => {
    await initBackend('webgpu');
    await registerGramKernels();
    const f = tf.zeros([10, 4]) as tf.Tensor2D;
    const dG = tf.zeros([3, 3]) as tf.Tensor2D;
    expect(() => gramBackwardWgsl(f, dG)).toThrow(/must be \[4, 4\]/);
    expect(() => gramWgsl(f, { ...DEFAULT_GRAM_FORWARD_CONFIG, micro: 3 })).toThrow(/unusable Gram forward config/);
    expect(() => gramBackwardWgsl(f, tf.zeros([4, 4]) as tf.Tensor2D, { ...DEFAULT_GRAM_BACKWARD_CONFIG, tileM: 30 })).toThrow(/unusable/);
    tf.dispose([f, dG]);
  });
});

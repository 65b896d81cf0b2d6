// L-BFGS's direction from the matrix form of the history (lbfgs-history.ts) against the textbook two-loop recursion
// in float64, and the whole optimizer against a float64 copy of torch.optim.LBFGS (no line search). On webgpu
// (lavapipe here, skipped where no adapter exists) the WGSL substitutions must agree with the tf-op ones, and the
// number of kernels per iteration must not grow with the history.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { CurvatureHistory, firstLoop, secondLoop } from '../../src/engine/lbfgs-history.js';
import { createLbfgs, objectiveFromLoss } from '../../src/engine/optimizers.js';
import { seededRandom } from '../../src/engine/random.js';
import { relativeL2, webgpuUnavailableReason } from './support/webgpu-checks.js';
import { rowDotsWgsl } from '../../src/engine/wgsl/lbfgs-kernels.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

interface Pair {
  s: number[];
  y: number[];
  rho: number;
}

/** -H g by the two-loop recursion, in float64, as torch writes it. */
function twoLoop(pairs: Pair[], g: number[], gamma: number): number[] {
  const q = g.map((v) => -v);
  const alpha: number[] = [];
  for (let i = pairs.length - 1; i >= 0; i--) {
    alpha[i] = pairs[i]!.rho * dot(pairs[i]!.s, q);
    q.forEach((_, j) => (q[j]! -= alpha[i]! * pairs[i]!.y[j]!));
  }
  const r = q.map((v) => v * gamma);
  pairs.forEach((p, i) => {
    const beta = p.rho * dot(p.y, r);
    r.forEach((_, j) => (r[j]! += p.s[j]! * (alpha[i]! - beta)));
  });
  return r;
}

/** Pairs from a random symmetric positive definite matrix (y = A s), one of them rejected (rho 0, zeros). */
function randomPairs(n: number, count: number, seed: number): { pairs: Pair[]; g: number[] } {
  const r = seededRandom(seed);
  const b = Array.from({ length: n }, () => Array.from({ length: n }, () => r() - 0.5));
  const a = b.map((row, i) => b.map((other, j) => dot(row, other) + (i === j ? 0.5 : 0)));
  const pairs: Pair[] = [];
  for (let k = 0; k < count; k++) {
    if (k === 2) {
      pairs.push({ s: new Array(n).fill(0), y: new Array(n).fill(0), rho: 0 });
      continue;
    }
    const s = Array.from({ length: n }, () => r() - 0.5);
    const y = a.map((row) => dot(row, s));
    pairs.push({ s, y, rho: 1 / dot(y, s) });
  }
  return { pairs, g: Array.from({ length: n }, () => r() * 2 - 1) };
}

async function directionOf(pairs: Pair[], capacity: number, g: number[], gamma: number): Promise<Float32Array> {
  const history = new CurvatureHistory(capacity);
  for (const p of pairs) tf.tidy(() => history.push(tf.tensor1d(p.s), tf.tensor1d(p.y), tf.scalar(p.rho)));
  const d = tf.tidy(() => history.direction(tf.tensor1d(g), tf.scalar(gamma)));
  const out = (await d.data()) as Float32Array;
  d.dispose();
  history.dispose();
  return out;
}

/** torch.optim.LBFGS, line_search_fn=None, lr 1, in float64, for f(x) = 1/2 x'Ax - b'x; returns the iterates. */
function torchLbfgsOnQuadratic(a: number[][], b: number[], x0: number[], iterations: number, historySize: number): number[][] {
  const grad = (x: number[]) => a.map((row, i) => dot(row, x) - b[i]!);
  let x = [...x0];
  const pairs: Pair[] = [];
  let gamma = 1;
  let prevG: number[] | null = null;
  let prevS: number[] | null = null;
  const iterates: number[][] = [];
  for (let it = 1; it <= iterations; it++) {
    const g = grad(x);
    if (prevG && prevS) {
      const y = g.map((v, i) => v - prevG![i]!);
      const ys = dot(y, prevS);
      if (ys > 1e-10) {
        if (pairs.length === historySize) pairs.shift();
        pairs.push({ s: prevS, y, rho: 1 / ys });
        gamma = ys / dot(y, y);
      }
    }
    const d = twoLoop(pairs, g, gamma);
    const t = it === 1 ? Math.min(1, 1 / g.reduce((s, v) => s + Math.abs(v), 0)) : 1;
    prevS = d.map((v) => v * t);
    x = x.map((v, i) => v + prevS![i]!);
    prevG = g;
    iterates.push(x);
  }
  return iterates;
}

describe('CurvatureHistory (wasm)', () => {
  it('gives the two-loop direction of float64, with a rejected pair in the history', async () => {
    await initBackend('wasm');
    const { pairs, g } = randomPairs(24, 7, 11);
    const d = await directionOf(pairs, 10, g, 0.7);
    expect(relativeL2(d, twoLoop(pairs, g, 0.7))).toBeLessThan(1e-5);
  });

  it('keeps only the newest pairs once full', async () => {
    await initBackend('wasm');
    const { pairs, g } = randomPairs(16, 9, 12);
    const d = await directionOf(pairs, 4, g, 1.3);
    expect(relativeL2(d, twoLoop(pairs.slice(-4), g, 1.3))).toBeLessThan(1e-5);
    // And it is not the direction of all nine (the test would pass vacuously if the history were ignored).
    expect(relativeL2(d, twoLoop(pairs, g, 1.3))).toBeGreaterThan(1e-3);
  });

  it('keeps one pair right with a history of 1 (a two-iteration run), where a slot is the whole matrix', async () => {
    await initBackend('wasm');
    const { pairs, g } = randomPairs(16, 4, 13);
    const d = await directionOf(pairs, 1, g, 0.8);
    expect(relativeL2(d, twoLoop(pairs.slice(-1), g, 0.8))).toBeLessThan(1e-5);
  });

  it('is steepest descent scaled by gamma while empty', async () => {
    await initBackend('wasm');
    const d = await directionOf([], 3, [1, -2, 0.5], 2);
    expect(Array.from(d)).toEqual([-2, 4, -1]);
  });

  it('makes createLbfgs follow torch.optim.LBFGS on a quadratic, through wrap-around of a history of 3', async () => {
    await initBackend('wasm');
    const n = 12;
    const r = seededRandom(5);
    const m = Array.from({ length: n }, () => Array.from({ length: n }, () => r() - 0.5));
    const a = m.map((row, i) => m.map((other, j) => dot(row, other) / n + (i === j ? 0.3 : 0)));
    const b = Array.from({ length: n }, () => r() - 0.5);
    const x0 = Array.from({ length: n }, () => r() * 4 - 2);
    const expected = torchLbfgsOnQuadratic(a, b, x0, 12, 3);
    const aT = tf.tensor2d(a);
    const bT = tf.tensor1d(b);
    const x = tf.variable(tf.tensor1d(x0));
    const opt = createLbfgs(
      x,
      objectiveFromLoss(
        (v) => tf.sub(tf.mul(0.5, tf.sum(tf.mul(v, tf.matMul(aT, v.reshape([n, 1])).reshape([n])))), tf.sum(tf.mul(bT, v))) as tf.Scalar,
      ),
      { historySize: 3 },
    );
    const errors: number[] = [];
    for (const want of expected) {
      opt.advance();
      errors.push(relativeL2(await x.data(), want));
    }
    errors.forEach((e) => expect(e).toBeLessThan(1e-4));
    opt.dispose();
    tf.dispose([aT, bT, x]);
  });
});

const unavailable = await webgpuUnavailableReason();
if (unavailable) console.warn(`webgpu L-BFGS tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('CurvatureHistory on webgpu', () => {
  it('solves both substitutions in WGSL as the tf ops do, for histories shorter and longer than the 64 threads, with the ring turned', async () => {
    for (const [k, oldest] of [
      [1, 0],
      [5, 0],
      [5, 3],
      [70, 0],
      [70, 41],
    ] as const) {
      const r = seededRandom(k);
      const values = (count: number) => Array.from({ length: count }, () => r() - 0.5);
      const inputs = { sq: values(k), yr: values(k), rho: values(k), sy: values(k * k), alpha: values(k) };
      const run = async () => {
        const [sq, yr, rho, alpha] = [inputs.sq, inputs.yr, inputs.rho, inputs.alpha].map((v) => tf.tensor1d(v));
        const sy = tf.tensor2d(inputs.sy, [k, k]);
        const first = firstLoop(sq!, rho!, sy, oldest);
        const second = secondLoop(yr!, rho!, sy, alpha!, oldest);
        const out = [await first.data(), await second.data()];
        tf.dispose([sq!, yr!, rho!, alpha!, sy, first, second]);
        return out;
      };
      await initBackend('wasm');
      const reference = await run();
      await initBackend('webgpu');
      const gpu = await run();
      expect(relativeL2(gpu[0]!, reference[0]!)).toBeLessThan(1e-5);
      expect(relativeL2(gpu[1]!, reference[1]!)).toBeLessThan(1e-5);
    }
  });

  it('gives the float64 two-loop direction on webgpu too', async () => {
    await initBackend('webgpu');
    const { pairs, g } = randomPairs(24, 7, 13);
    const d = await directionOf(pairs, 5, g, 0.9);
    expect(relativeL2(d, twoLoop(pairs.slice(-5), g, 0.9))).toBeLessThan(1e-5);
  });

  it('runs as many kernels per iteration with 40 stored pairs as with 3', async () => {
    await initBackend('webgpu');
    const kernelsPerIteration = async (historySize: number) => {
      const x = tf.variable(tf.tensor1d([3, -1, 2, 0.5]));
      const opt = createLbfgs(
        x,
        objectiveFromLoss((v) => tf.sum(tf.mul(tf.square(v), tf.tensor1d([1, 2, 3, 4]))) as tf.Scalar),
        { historySize, learningRate: 0.01 },
      );
      for (let i = 0; i <= historySize; i++) opt.advance();
      const profile = await tf.profile(() => opt.advance());
      opt.dispose();
      x.dispose();
      return profile.kernels.length;
    };
    const short = await kernelsPerIteration(3);
    expect(await kernelsPerIteration(40)).toBe(short);
    expect(short).toBeLessThan(120);
  });

  it('multiplies a [k, n] matrix by a vector in chunks of n (ragged last chunk) as tf.matMul does on wasm', async () => {
    const [k, n] = [7, 3 * 4096 + 123];
    const r = seededRandom(11);
    const m = Float32Array.from({ length: k * n }, () => r() - 0.5);
    const v = Float32Array.from({ length: n }, () => r() - 0.5);
    await initBackend('wasm');
    const reference = await tf.tidy(() => tf.matMul(tf.tensor2d(m, [k, n]), tf.tensor2d(v, [n, 1]))).data();
    await initBackend('webgpu');
    const out = tf.tidy(() => rowDotsWgsl(tf.tensor2d(m, [k, n]), tf.tensor1d(v)));
    expect(relativeL2(await out.data(), reference)).toBeLessThan(1e-5);
    out.dispose();
  });

  it('compiles no new GPU program once the history has its first pair, so a run pays for compilation once', async () => {
    await initBackend('webgpu');
    const pipelines = () => Object.keys((tf.backend() as unknown as { pipelineCache: object }).pipelineCache).length;
    const x = tf.variable(tf.tensor1d([3, -1, 2, 0.5]));
    const opt = createLbfgs(
      x,
      objectiveFromLoss((v) => tf.sum(tf.mul(tf.square(v), tf.tensor1d([1, 2, 3, 4]))) as tf.Scalar),
      { historySize: 4, learningRate: 0.01 },
    );
    for (let i = 0; i < 3; i++) opt.advance();
    const before = pipelines();
    for (let i = 0; i < 8; i++) opt.advance(); // fills the history and wraps around it
    expect(pipelines()).toBe(before);
    opt.dispose();
    x.dispose();
  });
});

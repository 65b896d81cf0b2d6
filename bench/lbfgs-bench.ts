// L-BFGS's search direction with a full history: the engine's matrix form (src/engine/lbfgs-history.ts) against
// the textbook two-loop recursion over a list of pairs (written out below as the reference), on the active backend,
// in the same process. Reports kernels per direction and milliseconds, split into the CPU time to issue the ops
// and the time until the result is ready. On a GPU the issue time is what the CPU spends per iteration.
import * as tf from '@tensorflow/tfjs';
import { CurvatureHistory } from '../src/engine/lbfgs-history.js';
import { relativeL2 } from '../test/engine/support/webgpu-checks.js';

export interface LbfgsBenchRow {
  method: 'two-loop' | 'matrix form';
  kernels: number;
  issueMs: number;
  totalMs: number;
}

export interface LbfgsBenchReport {
  backend: string;
  length: number;
  pairs: number;
  rows: LbfgsBenchRow[];
  /** Relative L2 difference of the two directions (they must agree to float32 rounding). */
  difference: number;
}

interface Pair {
  s: tf.Tensor1D;
  y: tf.Tensor1D;
  rho: tf.Scalar;
}

/** The recursion as torch writes it: ~9 ops per stored pair. */
function twoLoopDirection(pairs: Pair[], g: tf.Tensor1D, gamma: tf.Scalar): tf.Tensor1D {
  return tf.tidy(() => {
    let q: tf.Tensor1D = tf.neg(g);
    const alphas: tf.Scalar[] = [];
    for (let i = pairs.length - 1; i >= 0; i--) {
      alphas[i] = tf.mul(tf.dot(pairs[i]!.s, q), pairs[i]!.rho);
      q = tf.sub(q, tf.mul(pairs[i]!.y, alphas[i]!));
    }
    let r: tf.Tensor1D = tf.mul(q, gamma);
    pairs.forEach((p, i) => {
      r = tf.add(r, tf.mul(p.s, tf.sub(alphas[i]!, tf.mul(tf.dot(p.y, r), p.rho))));
    });
    return r;
  });
}

async function timeDirection(direction: () => tf.Tensor1D, reps: number): Promise<{ kernels: number; issueMs: number; totalMs: number }> {
  const warm = direction(); // shader compilation on webgpu
  await warm.data();
  warm.dispose();
  const profile = await tf.profile(() => direction());
  tf.dispose(profile.result as tf.Tensor);
  let issueMs = 0;
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const t1 = performance.now();
    const d = direction();
    issueMs += performance.now() - t1;
    await d.data();
    d.dispose();
  }
  return { kernels: profile.kernels.length, issueMs: issueMs / reps, totalMs: (performance.now() - t0) / reps };
}

/** Random pairs with y.s > 0 (y = s scaled per entry by a positive diagonal, plus a little noise). */
export async function runLbfgsBench(opts: { length?: number; pairs?: number; reps?: number } = {}): Promise<LbfgsBenchReport> {
  const { length = 3 * 256 * 256, pairs: count = 100, reps = 3 } = opts;
  const diagonal = tf.randomUniform([length], 0.5, 2, 'float32', 1);
  const pairs: Pair[] = [];
  const history = new CurvatureHistory(count);
  for (let i = 0; i < count; i++) {
    const pair = tf.tidy(() => {
      const s = tf.randomNormal([length], 0, 1, 'float32', 100 + i) as tf.Tensor1D;
      const y = tf.add(tf.mul(s, diagonal), tf.randomNormal([length], 0, 0.01, 'float32', 1000 + i)) as tf.Tensor1D;
      return { s, y, rho: tf.div(1, tf.dot(y, s)) as tf.Scalar };
    });
    history.push(pair.s, pair.y, pair.rho);
    pairs.push(pair);
  }
  const g = tf.randomNormal([length], 0, 1, 'float32', 7) as tf.Tensor1D;
  const gamma = tf.scalar(0.8);
  try {
    const reference = await timeDirection(() => twoLoopDirection(pairs, g, gamma), reps);
    const matrix = await timeDirection(() => history.direction(g, gamma), reps);
    const a = twoLoopDirection(pairs, g, gamma);
    const b = history.direction(g, gamma);
    const difference = relativeL2(await b.data(), await a.data());
    tf.dispose([a, b]);
    return {
      backend: tf.getBackend(),
      length,
      pairs: count,
      rows: [
        { method: 'two-loop', ...reference },
        { method: 'matrix form', ...matrix },
      ],
      difference,
    };
  } finally {
    history.dispose();
    tf.dispose([diagonal, g, gamma, ...pairs.flatMap((p) => [p.s, p.y, p.rho])]);
  }
}

export function formatLbfgsBench(report: LbfgsBenchReport): string {
  const [reference, matrix] = report.rows;
  return [
    `L-BFGS direction on "${report.backend}": ${report.pairs} stored pairs of ${report.length} values`,
    '| method | kernels | ms to issue | ms until ready |',
    '|---|---|---|---|',
    ...report.rows.map((r) => `| ${r.method} | ${r.kernels} | ${r.issueMs.toFixed(1)} | ${r.totalMs.toFixed(1)} |`),
    `matrix form: ${(reference!.kernels / matrix!.kernels).toFixed(0)}x fewer kernels, ${(reference!.issueMs / matrix!.issueMs).toFixed(1)}x less time to issue, ` +
      `${(reference!.totalMs / matrix!.totalMs).toFixed(1)}x faster until ready; directions differ by ${report.difference.toExponential(1)} (relative L2)`,
  ].join('\n');
}

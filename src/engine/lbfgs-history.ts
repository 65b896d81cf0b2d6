// L-BFGS's curvature history and its search direction -H g in a handful of dispatches.
//
// The textbook two-loop recursion walks the stored pairs one at a time: about 9 tensor ops per pair, so ~900 ops per
// iteration with torch's history of 100. On a GPU each op costs CPU time to issue (0.17 ms per op through tfjs
// webgpu on this project's CPU machine), which alone would exceed the whole GPU iteration. Here the same recursion is
// rewritten over the history as two matrices S and Y ([k, n], oldest pair first) and the small matrix
// SY[i][j] = s_i . y_j, kept up to date as pairs arrive. With q0 = -g:
//
//   first loop    al_i = rho_i (s_i . q0 - sum_{j>i} SY[i][j] al_j)         i = k-1 .. 0   (a small back substitution)
//                 q = q0 - Y^T al
//   scaling       r0 = gamma q
//   second loop   c_i = al_i - rho_i (y_i . r0 + sum_{j<i} SY[j][i] c_j)    i = 0 .. k-1   (a small forward substitution)
//                 d = r0 + S^T c
//
// which is the two-loop recursion exactly (expand q and r after each pair), in exact arithmetic; in float32 it agrees
// to rounding (test/engine/lbfgs-history.test.ts checks it against a float64 two-loop). The image-sized work is four
// matrix-vector products (two more in push()); the two substitutions are over k <= historySize numbers. On webgpu
// each of these is one dispatch of our own (wgsl/lbfgs-kernels.ts) and nothing is read back. Elsewhere the
// substitutions read the k numbers back and run in JavaScript: free on wasm and cpu; on tfjs-node-gpu one wait for
// the GPU per iteration, which costs only the overlap of issuing the next ops (tfjs-node runs ops as they come).
import * as tf from '@tensorflow/tfjs';
import { combineRowsWgsl, lbfgsSolveActive, MAX_WGSL_HISTORY, solveFirstLoopWgsl, solveSecondLoopWgsl } from './wgsl/lbfgs-kernels.js';

export class CurvatureHistory {
  /** [k, n]: the steps s_i, oldest first (null while empty). */
  private s: tf.Tensor2D | null = null;
  /** [k, n]: the gradient changes y_i. */
  private y: tf.Tensor2D | null = null;
  /** [k]: 1 / (y_i . s_i), or 0 for a rejected pair (which makes it a no-op). */
  private rho: tf.Tensor1D | null = null;
  /** [k, k]: s_i . y_j. */
  private sy: tf.Tensor2D | null = null;

  constructor(private readonly capacity: number) {
    // The WGSL substitutions keep the history's numbers in workgroup memory; 1024 image-sized pairs would not fit
    // any GPU's memory anyway (torch's default is 100).
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_WGSL_HISTORY) {
      throw new RangeError(`historySize must be a whole number from 1 to ${MAX_WGSL_HISTORY}`);
    }
  }

  get size(): number {
    return this.rho?.shape[0] ?? 0;
  }

  /** Adds a pair (copying it: the caller still owns s, y and rho), dropping the oldest when full. */
  push(s: tf.Tensor1D, y: tf.Tensor1D, rho: tf.Scalar): void {
    const drop = this.size === this.capacity ? 1 : 0;
    const n = s.shape[0];
    // One matrix at a time, each old one disposed as soon as its successor exists, to keep the peak at one extra copy.
    const nextS = appendRow(this.s, s, drop, n);
    const nextY = appendRow(this.y, y, drop, n);
    const nextRho = tf.tidy(() => tf.concat([this.rho ? this.rho.slice(drop) : tf.zeros([0]), rho.reshape([1])]) as tf.Tensor1D);
    const k = nextRho.shape[0];
    const nextSy = tf.tidy(() => {
      // The new last column s_i . y_new and the new last row s_new . y_j (both include s_new . y_new).
      // No transposed operands: wasm's BatchMatMul is several times slower with one.
      const column = tf.matMul(nextS, y.reshape([n, 1])) as tf.Tensor2D; // [k, 1]
      const row = tf.matMul(nextY, s.reshape([n, 1])).reshape([1, k]) as tf.Tensor2D;
      if (k === 1) return column;
      const kept = this.sy!.slice([drop, drop], [k - 1, k - 1]);
      const top = tf.concat([kept, column.slice([0, 0], [k - 1, 1])], 1);
      return tf.concat([top, row], 0) as tf.Tensor2D;
    });
    this.dispose();
    // Kept: push() may be called inside someone's tf.tidy, which must not take the history with it.
    this.s = tf.keep(nextS);
    this.y = tf.keep(nextY);
    this.rho = tf.keep(nextRho);
    this.sy = tf.keep(nextSy);
  }

  /** -H g by the two-loop recursion over the stored pairs, with initial Hessian gamma I. A new tensor. */
  direction(g: tf.Tensor1D, gamma: tf.Scalar): tf.Tensor1D {
    const { s, y, rho, sy } = this;
    if (!s || !y || !rho || !sy) return tf.tidy(() => tf.mul(tf.neg(g), gamma) as tf.Tensor1D);
    const n = g.shape[0];
    return tf.tidy(() => {
      const q0 = tf.neg(g);
      const sq = tf.matMul(s, q0.reshape([n, 1])).reshape([-1]) as tf.Tensor1D;
      const alpha = firstLoop(sq, rho, sy);
      const q = combineRows(q0, tf.scalar(1), y, tf.neg(alpha));
      const yr = tf.mul(tf.matMul(y, q.reshape([n, 1])).reshape([-1]), gamma) as tf.Tensor1D; // Y r0 with r0 = gamma q
      const c = secondLoop(yr, rho, sy, alpha);
      return combineRows(q, gamma, s, c);
    });
  }

  dispose(): void {
    for (const t of [this.s, this.y, this.rho, this.sy]) t?.dispose();
    this.s = this.y = this.rho = this.sy = null;
  }
}

function appendRow(matrix: tf.Tensor2D | null, row: tf.Tensor1D, drop: number, n: number): tf.Tensor2D {
  return tf.tidy(() => {
    const r = row.reshape([1, n]);
    // A real copy, not a reshaped view: wasm's matMul caches its right operand by data id, not by shape, so the same
    // data used as an [n, 1] operand (in push) and as a [1, n] one (in direction) gives wrong products.
    if (!matrix) return tf.add(r, 0) as tf.Tensor2D;
    const kept = drop ? matrix.slice([drop, 0], [matrix.shape[0] - drop, n]) : matrix;
    return tf.concat([kept, r], 0) as tf.Tensor2D;
  });
}

/** a x + sum_i w_i M_i (the rows of M [k, n] weighted by w [k]). */
function combineRows(x: tf.Tensor1D, a: tf.Scalar, m: tf.Tensor2D, w: tf.Tensor1D): tf.Tensor1D {
  if (lbfgsSolveActive()) return combineRowsWgsl(x, a, m, w);
  return tf.add(tf.mul(x, a), tf.matMul(w.reshape([1, -1]), m).reshape([-1])) as tf.Tensor1D;
}

/** al_i = rho_i (sq_i - sum_{j>i} SY[i][j] al_j), for i from the newest pair down. */
export function firstLoop(sq: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D): tf.Tensor1D {
  if (lbfgsSolveActive()) return solveFirstLoopWgsl(sq, rho, sy);
  const [v, r, m] = [sq.dataSync(), rho.dataSync(), sy.dataSync()];
  const k = v.length;
  const alpha = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    let dot = 0;
    for (let j = i + 1; j < k; j++) dot += m[i * k + j]! * alpha[j]!;
    alpha[i] = r[i]! * (v[i]! - dot);
  }
  return tf.tensor1d(Float32Array.from(alpha));
}

/** c_i = al_i - rho_i (yr_i + sum_{j<i} SY[j][i] c_j), for i from the oldest pair up. */
export function secondLoop(yr: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D, alpha: tf.Tensor1D): tf.Tensor1D {
  if (lbfgsSolveActive()) return solveSecondLoopWgsl(yr, rho, sy, alpha);
  const [v, r, m, a] = [yr.dataSync(), rho.dataSync(), sy.dataSync(), alpha.dataSync()];
  const k = v.length;
  const c = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let dot = 0;
    for (let j = 0; j < i; j++) dot += m[j * k + i]! * c[j]!;
    c[i] = a[i]! - r[i]! * (v[i]! + dot);
  }
  return tf.tensor1d(Float32Array.from(c));
}

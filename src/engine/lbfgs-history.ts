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
//
// The matrices have their full size from the first pair on and are used as a ring: a new pair overwrites the
// oldest slot. Every iteration therefore runs ops of the same shapes, which matters on webgpu, where a new shape can
// mean a new shader to compile (a history that grew by concatenation compiled new ones in each of its first 100
// iterations). Slots not filled yet hold s = y = 0 and rho = 0, which makes them no-ops in both loops, exactly
// like a rejected pair.
import * as tf from '@tensorflow/tfjs';
import { constant } from './constants.js';
import {
  combineRowsWgsl,
  lbfgsSolveActive,
  MAX_WGSL_HISTORY,
  replaceRowAndColumnWgsl,
  replaceRowWgsl,
  rowDotsWgsl,
  solveFirstLoopWgsl,
  solveSecondLoopWgsl,
} from './wgsl/lbfgs-kernels.js';

export class CurvatureHistory {
  /** [capacity, n]: the steps s, one per slot (null until the first pair). */
  private s: tf.Tensor2D | null = null;
  /** [capacity, n]: the gradient changes y. */
  private y: tf.Tensor2D | null = null;
  /** [capacity]: 1 / (y . s), or 0 for a rejected pair or an empty slot (which makes it a no-op). */
  private rho: tf.Tensor1D | null = null;
  /** [capacity, capacity]: SY[a][b] = s_a . y_b over slots. */
  private sy: tf.Tensor2D | null = null;
  /** The slot of the oldest pair; pairs follow it in age order, wrapping around. */
  private oldest = 0;
  private count = 0;

  constructor(private readonly capacity: number) {
    // The WGSL substitutions keep the history's numbers in workgroup memory; 1024 image-sized pairs would not fit
    // any GPU's memory anyway (torch's default is 100).
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_WGSL_HISTORY) {
      throw new RangeError(`historySize must be a whole number from 1 to ${MAX_WGSL_HISTORY}`);
    }
  }

  get size(): number {
    return this.count;
  }

  /** Adds a pair (copying it: the caller still owns s, y and rho), overwriting the oldest when full. */
  push(s: tf.Tensor1D, y: tf.Tensor1D, rho: tf.Scalar): void {
    const n = s.shape[0];
    if (!this.s) this.allocate(n);
    const slot = (this.oldest + this.count) % this.capacity;
    if (this.count === this.capacity) this.oldest = (this.oldest + 1) % this.capacity;
    else this.count += 1;
    // One matrix at a time, each old one disposed as soon as its successor exists, to keep the peak at one extra copy.
    this.s = replaced(
      this.s!,
      tf.tidy<tf.Tensor2D>(() => replaceRow(this.s!, slot, s)),
    );
    this.y = replaced(
      this.y!,
      tf.tidy<tf.Tensor2D>(() => replaceRow(this.y!, slot, y)),
    );
    this.rho = replaced(
      this.rho!,
      tf.tidy(() => replaceRow(this.rho!.reshape([-1, 1]), slot, rho.reshape([1])).reshape([-1]) as tf.Tensor1D),
    );
    this.sy = replaced(
      this.sy!,
      tf.tidy<tf.Tensor2D>(() => {
        // The new row s_new . y_b and the new column s_a . y_new (both include s_new . y_new).
        const row = rowDots(this.y!, s);
        const column = rowDots(this.s!, y);
        return replaceRowAndColumn(this.sy!, slot, row, column);
      }),
    );
  }

  /** -H g by the two-loop recursion over the stored pairs, with initial Hessian gamma I. A new tensor. */
  direction(g: tf.Tensor1D, gamma: tf.Scalar): tf.Tensor1D {
    const { s, y, rho, sy, oldest } = this;
    if (!s || !y || !rho || !sy) return tf.tidy(() => tf.mul(tf.neg(g), gamma) as tf.Tensor1D);
    return tf.tidy(() => {
      const q0 = tf.neg(g);
      const sq = rowDots(s, q0);
      const alpha = firstLoop(sq, rho, sy, oldest);
      const q = combineRows(q0, constant(1), y, tf.neg(alpha));
      const yr = tf.mul(rowDots(y, q), gamma) as tf.Tensor1D; // Y r0 with r0 = gamma q
      const c = secondLoop(yr, rho, sy, alpha, oldest);
      return combineRows(q, gamma, s, c);
    });
  }

  dispose(): void {
    for (const t of [this.s, this.y, this.rho, this.sy]) t?.dispose();
    this.s = this.y = this.rho = this.sy = null;
    this.oldest = this.count = 0;
  }

  private allocate(n: number): void {
    // Kept: push() may be called inside someone's tf.tidy, which must not take the history with it. tf.fill, not
    // tf.zeros: zeros are made on the CPU and uploaded (and 100 pairs at 2048 px are more than a Node Buffer holds).
    this.s = tf.keep(tf.fill([this.capacity, n], 0) as tf.Tensor2D);
    this.y = tf.keep(tf.fill([this.capacity, n], 0) as tf.Tensor2D);
    this.rho = tf.keep(tf.fill([this.capacity], 0) as tf.Tensor1D);
    this.sy = tf.keep(tf.fill([this.capacity, this.capacity], 0) as tf.Tensor2D);
  }
}

/** Disposes the old tensor and keeps its successor (see allocate). */
function replaced<T extends tf.Tensor>(old: T, next: T): T {
  old.dispose();
  return tf.keep(next);
}

/** M [r, c] with row `slot` replaced by v [c]: a new tensor that shares no data with M or v. */
function replaceRow(m: tf.Tensor2D, slot: number, v: tf.Tensor1D): tf.Tensor2D {
  if (lbfgsSolveActive()) return replaceRowWgsl(m, slot, v);
  const [rows, columns] = m.shape;
  // The result must never share data with v: wasm's matMul caches its right operand by data id, not by shape, and
  // the same data used as an [n, 1] operand and as a [1, n] one gives wrong products. concat copies its parts, but
  // returns a lone part as a view (a history of one pair), which is therefore copied here.
  const parts = [m.slice([0, 0], [slot, columns]), v.reshape([1, columns]), m.slice([slot + 1, 0], [rows - slot - 1, columns])];
  const nonEmpty = parts.filter((p) => p.shape[0] > 0);
  return (nonEmpty.length === 1 ? tf.add(nonEmpty[0]!, constant(0)) : tf.concat(nonEmpty, 0)) as tf.Tensor2D;
}

/** M [k, k] with row `slot` replaced by r and column `slot` by c: a new tensor. */
function replaceRowAndColumn(m: tf.Tensor2D, slot: number, r: tf.Tensor1D, c: tf.Tensor1D): tf.Tensor2D {
  if (lbfgsSolveActive()) return replaceRowAndColumnWgsl(m, slot, r, c);
  const k = m.shape[0];
  const values = m.dataSync().slice();
  const [row, column] = [r.dataSync(), c.dataSync()];
  for (let j = 0; j < k; j++) values[slot * k + j] = row[j]!;
  for (let i = 0; i < k; i++) if (i !== slot) values[i * k + slot] = column[i]!;
  return tf.tensor2d(values, [k, k]);
}

/** M v for M [k, n], v [n]. */
function rowDots(m: tf.Tensor2D, v: tf.Tensor1D): tf.Tensor1D {
  if (lbfgsSolveActive()) return rowDotsWgsl(m, v);
  // No transposed operand: wasm's BatchMatMul is several times slower with one.
  return tf.matMul(m, v.reshape([-1, 1])).reshape([-1]) as tf.Tensor1D;
}

/** a x + sum_i w_i M_i (the rows of M [k, n] weighted by w [k]). */
function combineRows(x: tf.Tensor1D, a: tf.Scalar, m: tf.Tensor2D, w: tf.Tensor1D): tf.Tensor1D {
  if (lbfgsSolveActive()) return combineRowsWgsl(x, a, m, w);
  return tf.add(tf.mul(x, a), tf.matMul(w.reshape([1, -1]), m).reshape([-1])) as tf.Tensor1D;
}

/**
 * al_i = rho_i (sq_i - sum_{j newer than i} SY[i][j] al_j), for i from the newest pair down. Everything is over
 * slots; the pair of age a (0 = oldest) is in slot (oldest + a) % k.
 */
export function firstLoop(sq: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D, oldest = 0): tf.Tensor1D {
  if (lbfgsSolveActive()) return solveFirstLoopWgsl(sq, rho, sy, oldest);
  const [v, r, m] = [sq.dataSync(), rho.dataSync(), sy.dataSync()];
  const k = v.length;
  const slot = (age: number) => (oldest + age) % k;
  const alpha = new Float64Array(k);
  for (let a = k - 1; a >= 0; a--) {
    const i = slot(a);
    let dot = 0;
    for (let b = a + 1; b < k; b++) dot += m[i * k + slot(b)]! * alpha[slot(b)]!;
    alpha[i] = r[i]! * (v[i]! - dot);
  }
  return tf.tensor1d(Float32Array.from(alpha));
}

/** c_i = al_i - rho_i (yr_i + sum_{j older than i} SY[j][i] c_j), for i from the oldest pair up (slots as above). */
export function secondLoop(yr: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D, alpha: tf.Tensor1D, oldest = 0): tf.Tensor1D {
  if (lbfgsSolveActive()) return solveSecondLoopWgsl(yr, rho, sy, alpha, oldest);
  const [v, r, m, al] = [yr.dataSync(), rho.dataSync(), sy.dataSync(), alpha.dataSync()];
  const k = v.length;
  const slot = (age: number) => (oldest + age) % k;
  const c = new Float64Array(k);
  for (let a = 0; a < k; a++) {
    const i = slot(a);
    let dot = 0;
    for (let b = 0; b < a; b++) dot += m[slot(b) * k + i]! * c[slot(b)]!;
    c[i] = al[i]! - r[i]! * (v[i]! + dot);
  }
  return tf.tensor1d(Float32Array.from(c));
}

// Optimizers over a tf.Variable: L-BFGS (torch.optim.LBFGS without line search) and Adam.
// The maths stays on the backend: on webgpu advance() reads nothing back, so the CPU can queue the next iterations
// while the GPU works (elsewhere L-BFGS reads back a few numbers per iteration: lbfgs-history.ts); step() does the
// same and then reads the loss.
import * as tf from '@tensorflow/tfjs';
import { constant } from './constants.js';
import { CurvatureHistory } from './lbfgs-history.js';

/** Loss and gradient at x. Both are NEW tensors; the optimizer disposes them. */
export type Objective = (x: tf.Tensor) => { loss: tf.Scalar; grad: tf.Tensor };

export interface Minimizer {
  /** One iteration (one objective evaluation); updates the variable in place; resolves to the loss at its start. */
  step(): Promise<number>;
  /** The same iteration without reading the loss back (on webgpu: without reading anything back). */
  advance(): void;
  dispose(): void;
}

export interface LbfgsOptions {
  /** Curvature pairs kept (torch default 100). */
  historySize?: number;
  /** Step length t (torch lr, default 1). */
  learningRate?: number;
  /** The variable stops moving once max |g| is at most this (torch tolerance_grad, default 1e-7). */
  gradientTolerance?: number;
  /** Keep every value of the variable within [lower, upper] at every iteration (see createLbfgs). Default: none. */
  bounds?: Bounds;
  /**
   * The most any value may move in one iteration (a trust region on the step, in the variable's units); a longer step
   * is shortened along its direction. Default: none (torch's behaviour).
   */
  maxStep?: number;
}

/** A box constraint on every value of the variable, e.g. pixels within 0..255. */
export interface Bounds {
  lower: number;
  upper: number;
}

export interface AdamOptions {
  learningRate: number;
  /** Projects the variable back into [lower, upper] after every step. Default: none. */
  bounds?: Bounds;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** An Objective from a scalar function, with the gradient by tf.valueAndGrad. */
export function objectiveFromLoss(lossOf: (x: tf.Tensor) => tf.Scalar): Objective {
  const valueAndGrad = tf.valueAndGrad(lossOf);
  return (x) => {
    const { value, grad } = valueAndGrad(x);
    return { loss: value, grad };
  };
}

/**
 * L-BFGS as torch.optim.LBFGS computes it with line_search_fn=None: two-loop recursion over the last historySize
 * curvature pairs, pairs with y.s <= 1e-10 skipped, initial Hessian scale y.s / y.y, first step scaled by
 * min(1, 1/sum|g|), fixed step length lr afterwards. Torch evaluates the objective at the end of each iteration for
 * the next one; here each step() evaluates at its start instead, which is the same sequence of evaluations.
 *
 * Every decision is taken on the backend (tf.where) so that no value is read back: a rejected pair is kept with
 * rho = 0 (and s = y = 0), which the recursion skips exactly as torch does. The one difference: such a pair takes
 * a history slot, so once the history is full it pushes out an old pair one iteration early.
 *
 * With `bounds`, the box constraint is kept at every iteration as projected quasi-Newton methods keep it (the
 * projection step of L-BFGS-B, Byrd, Lu, Nocedal and Zhu 1995, without its Cauchy point and subspace minimisation):
 * values sitting on a bound whose gradient points out of the box are held fixed (their gradient is left out of the
 * search direction), the step is projected back into the box, and the curvature pair stores the step actually taken
 * (s = x_new - x_old), so the secant condition holds for the clipped step. The loss of the last iterate is then the
 * loss of a picture that needs no clipping.
 */
export function createLbfgs(x: tf.Variable, f: Objective, opts: LbfgsOptions = {}): Minimizer {
  const historySize = opts.historySize ?? 100;
  const learningRate = opts.learningRate ?? 1;
  const gradientTolerance = opts.gradientTolerance ?? 1e-7;
  const bounds = opts.bounds;
  const maxStep = opts.maxStep;
  if (!(learningRate > 0)) throw new RangeError('learningRate must be > 0');
  if (maxStep !== undefined && !(maxStep > 0)) throw new RangeError('maxStep must be > 0');
  if (bounds && !(bounds.lower < bounds.upper)) throw new RangeError('bounds.lower must be below bounds.upper');
  if (bounds) projectInto(x, bounds);

  const history = new CurvatureHistory(historySize);
  let hessianScale: tf.Scalar = tf.scalar(1); // H_diag
  let previousGrad: tf.Tensor1D | null = null;
  let previousStep: tf.Tensor1D | null = null; // s = t * d of the last iteration
  let iteration = 0;
  let disposed = false;

  /** One iteration; returns the loss at its start (the caller disposes it). */
  function iterate(): tf.Scalar {
    if (disposed) throw new Error('this L-BFGS optimizer has been disposed');
    const { loss, grad } = f(x);
    iteration += 1;
    const g = tf.tidy(() => grad.reshape([-1]) as tf.Tensor1D);
    grad.dispose();

    if (previousGrad && previousStep) {
      const s = previousStep;
      const pair = tf.tidy(() => {
        const y = tf.sub(g, previousGrad!);
        const ys = tf.dot(y, s) as tf.Scalar;
        const accepted = tf.greater(ys, constant(1e-10));
        const zeros = tf.zerosLike(s);
        const wide = tf.broadcastTo(accepted, s.shape);
        return {
          s: tf.where(wide, s, zeros) as tf.Tensor1D,
          y: tf.where(wide, y, zeros) as tf.Tensor1D,
          rho: tf.where(accepted, tf.div(constant(1), ys), constant(0)) as tf.Scalar,
          scale: tf.where(accepted, tf.div(ys, tf.dot(y, y)), hessianScale) as tf.Scalar,
        };
      });
      s.dispose();
      previousStep = null;
      history.push(pair.s, pair.y, pair.rho);
      tf.dispose([pair.s, pair.y, pair.rho]);
      hessianScale.dispose();
      hessianScale = pair.scale;
    }

    // The gradient of the values free to move: on a bound with the gradient pointing outwards, a value stays put.
    const free = bounds ? freeGradient(x, g, bounds) : g;
    const d = history.direction(free, hessianScale);
    const proposed = tf.tidy(() => {
      const absG = tf.abs(free);
      // Torch scales the first step by min(1, 1/sum|g|); at a stationary point (or a NaN gradient) it stays put.
      const length =
        iteration === 1
          ? tf.mul(tf.minimum(constant(1), tf.div(constant(1), tf.sum(absG))), constant(learningRate))
          : constant(learningRate);
      const moving = tf.greater(tf.max(absG), constant(gradientTolerance));
      const step = tf.where(tf.broadcastTo(moving, d.shape), tf.mul(d, length), tf.zerosLike(d)) as tf.Tensor1D;
      if (maxStep === undefined) return step;
      // A curvature pair made of float32 noise can ask for a step of thousands: shorten it, keeping its direction.
      const longest = tf.max(tf.abs(step));
      return tf.mul(step, tf.minimum(constant(1), tf.div(constant(maxStep), tf.maximum(longest, constant(1e-30))))) as tf.Tensor1D;
    });
    d.dispose();
    if (free !== g) free.dispose();
    let step = proposed;
    if (bounds) {
      // Project the new point into the box; the step kept for the curvature pair is the one actually taken.
      step = tf.tidy(() => {
        const flat = x.reshape([-1]);
        return tf.sub(tf.clipByValue(tf.add(flat, proposed), bounds.lower, bounds.upper), flat) as tf.Tensor1D;
      });
      proposed.dispose();
    }
    // Inside tidy: assign() does not dispose the tensor it is given.
    tf.tidy(() => x.assign(tf.add(x, step.reshape(x.shape))));
    previousStep?.dispose();
    previousStep = step;
    previousGrad?.dispose();
    previousGrad = g;
    return loss;
  }

  return minimizerOf(iterate, () => {
    if (disposed) return;
    disposed = true;
    history.dispose();
    hessianScale.dispose();
    previousGrad?.dispose();
    previousStep?.dispose();
  });
}

/** Clips the variable into the box in place. */
function projectInto(x: tf.Variable, bounds: Bounds): void {
  tf.tidy(() => x.assign(tf.clipByValue(x, bounds.lower, bounds.upper)));
}

/**
 * The gradient with the values that a descent step would push out of the box set to 0: those on the lower bound
 * with g > 0 and those on the upper bound with g < 0 (the projected gradient of L-BFGS-B). A new tensor, flat as g.
 */
function freeGradient(x: tf.Variable, g: tf.Tensor1D, bounds: Bounds): tf.Tensor1D {
  return tf.tidy(() => {
    const flat = x.reshape([-1]);
    const pinnedLow = tf.logicalAnd(tf.lessEqual(flat, constant(bounds.lower)), tf.greater(g, constant(0)));
    const pinnedHigh = tf.logicalAnd(tf.greaterEqual(flat, constant(bounds.upper)), tf.less(g, constant(0)));
    return tf.where(tf.logicalOr(pinnedLow, pinnedHigh), tf.zerosLike(g), g) as tf.Tensor1D;
  });
}

/** A Minimizer from one iteration that returns the loss at its start: step() reads that loss, advance() does not. */
function minimizerOf(iterate: () => tf.Scalar, dispose: () => void): Minimizer {
  return {
    async step() {
      const loss = iterate();
      try {
        return (await loss.data())[0]!;
      } finally {
        loss.dispose();
      }
    },
    advance() {
      iterate().dispose();
    },
    dispose,
  };
}

/** Adam (Kingma and Ba 2015) with bias correction. */
export function createAdam(x: tf.Variable, f: Objective, opts: AdamOptions): Minimizer {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8, bounds } = opts;
  if (!(learningRate > 0)) throw new RangeError('learningRate must be > 0');
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new RangeError('betas must be in [0, 1)');
  if (bounds && !(bounds.lower < bounds.upper)) throw new RangeError('bounds.lower must be below bounds.upper');
  if (bounds) projectInto(x, bounds);
  let m: tf.Tensor = tf.zerosLike(x);
  let v: tf.Tensor = tf.zerosLike(x);
  let t = 0;
  let disposed = false;

  /** One iteration; returns the loss at its start (the caller disposes it). */
  function iterate(): tf.Scalar {
    if (disposed) throw new Error('this Adam optimizer has been disposed');
    const { loss, grad } = f(x);
    try {
      t += 1;
      const correction1 = 1 - beta1 ** t;
      const correction2 = 1 - beta2 ** t;
      const [nextM, nextV] = tf.tidy(() => {
        const g = grad.reshape(x.shape);
        return [
          tf.add(tf.mul(m, constant(beta1)), tf.mul(g, constant(1 - beta1))),
          tf.add(tf.mul(v, constant(beta2)), tf.mul(tf.square(g), constant(1 - beta2))),
        ];
      });
      m.dispose();
      v.dispose();
      m = nextM!;
      v = nextV!;
      tf.tidy(() => {
        // The bias corrections change every step, so they stay plain numbers (the constant cache would only grow).
        const mHat = tf.div(m, correction1);
        const vHat = tf.div(v, correction2);
        const next = tf.sub(x, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), constant(epsilon))), constant(learningRate)));
        x.assign(bounds ? tf.clipByValue(next, bounds.lower, bounds.upper) : next);
      });
      return loss;
    } catch (err) {
      loss.dispose();
      throw err;
    } finally {
      grad.dispose();
    }
  }

  return minimizerOf(iterate, () => {
    if (disposed) return;
    disposed = true;
    m.dispose();
    v.dispose();
  });
}

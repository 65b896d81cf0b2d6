// Optimizers over a tf.Variable: L-BFGS (torch.optim.LBFGS without line search) and Adam.
// All vector maths stays on the backend; only the few scalars the algorithm branches on are read back.
import * as tf from '@tensorflow/tfjs';

/** Loss and gradient at x. Both are NEW tensors; the optimizer disposes them. */
export type Objective = (x: tf.Tensor) => { loss: tf.Scalar; grad: tf.Tensor };

export interface Minimizer {
  /** One iteration (one objective evaluation); updates the variable in place; resolves to the loss at its start. */
  step(): Promise<number>;
  dispose(): void;
}

export interface LbfgsOptions {
  /** Curvature pairs kept (torch default 100). */
  historySize?: number;
  /** Step length t (torch lr, default 1). */
  learningRate?: number;
  /** The variable stops moving once max |g| is at most this (torch tolerance_grad, default 1e-7). */
  gradientTolerance?: number;
}

export interface AdamOptions {
  learningRate: number;
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

interface CurvaturePair {
  s: tf.Tensor1D;
  y: tf.Tensor1D;
  /** 1 / (y . s), kept on the backend. */
  rho: tf.Scalar;
}

/**
 * L-BFGS as torch.optim.LBFGS computes it with line_search_fn=None: two-loop recursion over the last historySize
 * curvature pairs, pairs with y.s <= 1e-10 skipped, initial Hessian scale y.s / y.y, first step scaled by
 * min(1, 1/sum|g|), fixed step length lr afterwards. Torch evaluates the objective at the end of each iteration for
 * the next one; here each step() evaluates at its start instead, which is the same sequence of evaluations.
 */
export function createLbfgs(x: tf.Variable, f: Objective, opts: LbfgsOptions = {}): Minimizer {
  const historySize = opts.historySize ?? 100;
  const learningRate = opts.learningRate ?? 1;
  const gradientTolerance = opts.gradientTolerance ?? 1e-7;
  if (!Number.isInteger(historySize) || historySize < 1) throw new RangeError('historySize must be a whole number >= 1');
  if (!(learningRate > 0)) throw new RangeError('learningRate must be > 0');

  const history: CurvaturePair[] = [];
  let hessianScale: tf.Scalar | null = null; // H_diag
  let previousGrad: tf.Tensor1D | null = null;
  let previousStep: tf.Tensor1D | null = null; // s = t * d of the last iteration
  let iteration = 0;
  let disposed = false;

  const replace = <T extends tf.Tensor>(old: T | null, next: T): T => {
    old?.dispose();
    return next;
  };

  return {
    async step() {
      if (disposed) throw new Error('this L-BFGS optimizer has been disposed');
      const { loss, grad } = f(x);
      iteration += 1;
      const g = tf.tidy(() => grad.reshape([-1]) as tf.Tensor1D);
      grad.dispose();
      try {
        // Everything this iteration branches on, read back in one transfer.
        const y: tf.Tensor1D | null = previousGrad && previousStep ? (tf.sub(g, previousGrad) as tf.Tensor1D) : null;
        const scalars = tf.tidy(() =>
          tf.stack([
            loss,
            tf.max(tf.abs(g)),
            tf.sum(tf.abs(g)),
            y && previousStep ? tf.dot(y, previousStep) : tf.scalar(0),
          ]),
        );
        const [lossValue, maxAbsGrad, sumAbsGrad, ys] = Array.from(await scalars.data());
        scalars.dispose();

        if (y && previousStep) {
          if (ys! > 1e-10) {
            if (history.length === historySize) disposePair(history.shift()!);
            const s = previousStep;
            previousStep = null;
            history.push({ s, y, rho: tf.scalar(1 / ys!) });
            hessianScale = replace(hessianScale, tf.tidy(() => tf.div(ys!, tf.dot(y, y)) as tf.Scalar));
          } else {
            y.dispose();
          }
        }

        if (!(maxAbsGrad! > gradientTolerance)) {
          // At a stationary point (or the gradient is NaN): stay put, as torch does.
          previousStep = replace(previousStep, tf.zerosLike(g));
        } else {
          const stepLength = iteration === 1 ? Math.min(1, 1 / sumAbsGrad!) * learningRate : learningRate;
          const step = tf.tidy(() => tf.mul(direction(g), stepLength) as tf.Tensor1D);
          // Inside tidy: assign() does not dispose the tensor it is given.
          tf.tidy(() => x.assign(tf.add(x, step.reshape(x.shape))));
          previousStep = replace(previousStep, step);
        }
        previousGrad = replace(previousGrad, tf.keep(g));
        return lossValue!;
      } finally {
        loss.dispose();
        if (previousGrad !== g) g.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      history.splice(0).forEach(disposePair);
      hessianScale?.dispose();
      previousGrad?.dispose();
      previousStep?.dispose();
    },
  };

  /** Two-loop recursion: -H g with the stored curvature pairs (steepest descent when there are none). */
  function direction(g: tf.Tensor1D): tf.Tensor1D {
    let q: tf.Tensor1D = tf.neg(g);
    if (history.length === 0 || hessianScale === null) return q;
    const alphas: tf.Scalar[] = new Array(history.length);
    for (let i = history.length - 1; i >= 0; i--) {
      const { s, y, rho } = history[i]!;
      alphas[i] = tf.mul(tf.dot(s, q), rho);
      q = tf.sub(q, tf.mul(y, alphas[i]!));
    }
    let r: tf.Tensor1D = tf.mul(q, hessianScale);
    for (let i = 0; i < history.length; i++) {
      const { s, y, rho } = history[i]!;
      const beta = tf.mul(tf.dot(y, r), rho);
      r = tf.add(r, tf.mul(s, tf.sub(alphas[i]!, beta)));
    }
    return r;
  }
}

function disposePair(pair: CurvaturePair): void {
  pair.s.dispose();
  pair.y.dispose();
  pair.rho.dispose();
}

/** Adam (Kingma and Ba 2015) with bias correction. */
export function createAdam(x: tf.Variable, f: Objective, opts: AdamOptions): Minimizer {
  const { learningRate, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = opts;
  if (!(learningRate > 0)) throw new RangeError('learningRate must be > 0');
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) throw new RangeError('betas must be in [0, 1)');
  let m: tf.Tensor = tf.zerosLike(x);
  let v: tf.Tensor = tf.zerosLike(x);
  let t = 0;
  let disposed = false;

  return {
    async step() {
      if (disposed) throw new Error('this Adam optimizer has been disposed');
      const { loss, grad } = f(x);
      try {
        t += 1;
        const correction1 = 1 - beta1 ** t;
        const correction2 = 1 - beta2 ** t;
        const [nextM, nextV] = tf.tidy(() => {
          const g = grad.reshape(x.shape);
          return [tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)), tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2))];
        });
        m.dispose();
        v.dispose();
        m = nextM!;
        v = nextV!;
        tf.tidy(() => {
          const mHat = tf.div(m, correction1);
          const vHat = tf.div(v, correction2);
          x.assign(tf.sub(x, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), learningRate)));
        });
        return (await loss.data())[0]!;
      } finally {
        loss.dispose();
        grad.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      m.dispose();
      v.dispose();
    },
  };
}

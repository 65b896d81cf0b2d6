import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { createAdam, createLbfgs, objectiveFromLoss, type Minimizer } from '../../src/engine/optimizers.js';
import { constantCount } from '../../src/engine/constants.js';

/** Tensors alive, not counting the engine's cached constants (made once, kept on purpose). */
const liveTensors = () => tf.memory().numTensors - constantCount();

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

// f(x) = 1/2 sum a_i (x_i - c_i)^2: minimum f = 0 at x = c.
const A = [1, 2, 5, 10, 0.5];
const C = [3, -1, 0.5, 2, -4];
function quadratic(): { objective: ReturnType<typeof objectiveFromLoss>; dispose: () => void } {
  const a = tf.tensor1d(A);
  const c = tf.tensor1d(C);
  const objective = objectiveFromLoss((x) => tf.mul(0.5, tf.sum(tf.mul(a, tf.square(tf.sub(x, c))))) as tf.Scalar);
  return { objective, dispose: () => tf.dispose([a, c]) };
}

const rosenbrock = objectiveFromLoss((x) => {
  const [x0, x1] = tf.split(x, 2) as [tf.Tensor, tf.Tensor];
  return tf.sum(tf.add(tf.square(tf.sub(1, x0)), tf.mul(100, tf.square(tf.sub(x1, tf.square(x0)))))) as tf.Scalar;
});

async function run(opt: Minimizer, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push(await opt.step());
  return losses;
}

describe('L-BFGS', () => {
  it('takes the torch first step: x - min(1, 1/sum|g|) * lr * g, and reports the loss at its start', async () => {
    const q = quadratic();
    const x = tf.variable(tf.zeros([5]));
    const opt = createLbfgs(x, q.objective, { learningRate: 0.5 });
    const loss = await opt.step();
    const expectedLoss = 0.5 * A.reduce((sum, a, i) => sum + a * C[i]! ** 2, 0);
    expect(loss).toBeCloseTo(expectedLoss, 4);
    const grad = A.map((a, i) => -a * C[i]!);
    const scale = Math.min(1, 1 / grad.reduce((s, g) => s + Math.abs(g), 0)) * 0.5;
    const got = Array.from(x.dataSync());
    got.forEach((value, i) => expect(value).toBeCloseTo(-scale * grad[i]!, 6));
    opt.dispose();
    x.dispose();
    q.dispose();
  });

  it('finds the minimum of a quadratic', async () => {
    const q = quadratic();
    const x = tf.variable(tf.zeros([5]));
    const opt = createLbfgs(x, q.objective);
    const losses = await run(opt, 25);
    const got = Array.from(x.dataSync());
    got.forEach((value, i) => expect(value).toBeCloseTo(C[i]!, 3));
    expect(losses.at(-1)!).toBeLessThan(1e-6);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 1e-8);
    opt.dispose();
    x.dispose();
    q.dispose();
  });

  it('walks the Rosenbrock valley from (-1.2, 1) to (1, 1)', async () => {
    const x = tf.variable(tf.tensor1d([-1.2, 1]));
    const opt = createLbfgs(x, rosenbrock);
    const losses = await run(opt, 300);
    const [x0, x1] = Array.from(x.dataSync());
    expect(losses[0]).toBeCloseTo(24.2, 3);
    expect(Math.abs(x0! - 1)).toBeLessThan(1e-2);
    expect(Math.abs(x1! - 1)).toBeLessThan(2e-2);
    opt.dispose();
    x.dispose();
  });

  it('stays put at a stationary point', async () => {
    const q = quadratic();
    const x = tf.variable(tf.tensor1d(C));
    const opt = createLbfgs(x, q.objective);
    expect(await opt.step()).toBe(0);
    expect(await opt.step()).toBe(0);
    expect(Array.from(x.dataSync())).toEqual(C);
    opt.dispose();
    x.dispose();
    q.dispose();
  });

  it('works on a variable of any shape (an image-like 4-D tensor)', async () => {
    const target = tf.randomUniform([1, 4, 3, 3], 0, 255, 'float32', 7);
    const x = tf.variable(tf.zeros([1, 4, 3, 3]));
    const opt = createLbfgs(
      x,
      objectiveFromLoss((v) => tf.sum(tf.square(tf.sub(v, target))) as tf.Scalar),
    );
    await run(opt, 10);
    expect(tf.max(tf.abs(tf.sub(x, target))).dataSync()[0]).toBeLessThan(1e-2);
    opt.dispose();
    tf.dispose([x, target]);
  });

  it('maxStep shortens every step to at most that much per value, keeping its direction, and still converges', async () => {
    const target = tf.tensor1d([200, -150, 90, 5]);
    const x = tf.variable(tf.zeros([4]));
    const opt = createLbfgs(
      x,
      objectiveFromLoss((v) => tf.sum(tf.square(tf.sub(v, target))) as tf.Scalar),
      { maxStep: 10 },
    );
    let before = Array.from(x.dataSync());
    for (let i = 0; i < 60; i++) {
      opt.advance();
      const now = Array.from(x.dataSync());
      expect(Math.max(...now.map((v, j) => Math.abs(v - before[j]!)))).toBeLessThanOrEqual(10 + 1e-3);
      before = now;
    }
    expect(tf.max(tf.abs(tf.sub(x, target))).dataSync()[0]).toBeLessThan(1e-2);
    expect(() =>
      createLbfgs(
        x,
        objectiveFromLoss((v) => tf.sum(v) as tf.Scalar),
        { maxStep: 0 },
      ),
    ).toThrow(RangeError);
    opt.dispose();
    tf.dispose([x, target]);
  });

  it('leaks no tensors: the count is flat once the history is full, and back to start after dispose', async () => {
    const q = quadratic();
    const before = liveTensors();
    const x = tf.tidy(() => tf.variable(tf.randomNormal([5], 0, 1, 'float32', 3)));
    const opt = createLbfgs(
      x,
      objectiveFromLoss((v) => tf.sum(tf.pow(tf.sub(v, 1), 4)) as tf.Scalar),
      { historySize: 3 },
    );
    await run(opt, 8);
    const settled = liveTensors();
    await run(opt, 20);
    expect(liveTensors()).toBe(settled);
    opt.dispose();
    x.dispose();
    expect(liveTensors()).toBe(before);
    q.dispose();
  });

  it('refuses bad options and use after dispose', async () => {
    const x = tf.variable(tf.zeros([2]));
    expect(() => createLbfgs(x, rosenbrock, { historySize: 0 })).toThrow(RangeError);
    expect(() => createLbfgs(x, rosenbrock, { historySize: 1025 })).toThrow(/from 1 to 1024/);
    expect(() => createLbfgs(x, rosenbrock, { learningRate: -1 })).toThrow(RangeError);
    const opt = createLbfgs(x, rosenbrock);
    opt.dispose();
    await expect(opt.step()).rejects.toThrow(/disposed/);
    x.dispose();
  });
});

describe('Adam', () => {
  it('matches the textbook first step: x - lr * sign(g)', async () => {
    const q = quadratic();
    const x = tf.variable(tf.zeros([5]));
    const opt = createAdam(x, q.objective, { learningRate: 0.1 });
    await opt.step();
    const got = Array.from(x.dataSync());
    got.forEach((value, i) => expect(value).toBeCloseTo(0.1 * Math.sign(C[i]!), 5));
    opt.dispose();
    x.dispose();
    q.dispose();
  });

  it('finds the minimum of a quadratic', async () => {
    const q = quadratic();
    const x = tf.variable(tf.zeros([5]));
    const opt = createAdam(x, q.objective, { learningRate: 0.1 });
    const losses = await run(opt, 600);
    Array.from(x.dataSync()).forEach((value, i) => expect(value).toBeCloseTo(C[i]!, 2));
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 1e-4);
    opt.dispose();
    x.dispose();
    q.dispose();
  });

  it('gets close to (1, 1) on Rosenbrock', async () => {
    const x = tf.variable(tf.tensor1d([-1.2, 1]));
    const opt = createAdam(x, rosenbrock, { learningRate: 0.02 });
    const losses = await run(opt, 3000);
    const [x0, x1] = Array.from(x.dataSync());
    expect(losses.at(-1)!).toBeLessThan(1e-2);
    expect(Math.abs(x0! - 1)).toBeLessThan(0.1);
    expect(Math.abs(x1! - 1)).toBeLessThan(0.2);
    opt.dispose();
    x.dispose();
  });

  it('leaks no tensors', async () => {
    const q = quadratic();
    const before = liveTensors();
    const x = tf.tidy(() => tf.variable(tf.zeros([5])));
    const opt = createAdam(x, q.objective, { learningRate: 0.1 });
    await run(opt, 2);
    const settled = liveTensors();
    await run(opt, 20);
    expect(liveTensors()).toBe(settled);
    opt.dispose();
    x.dispose();
    expect(liveTensors()).toBe(before);
    q.dispose();
  });
});

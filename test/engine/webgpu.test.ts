// The engine on the webgpu backend against wasm, with the real VGG-19 weights, and its image gradient against
// float64 finite differences. Runs wherever Dawn finds an adapter (a GPU, or Mesa 25 lavapipe on a CPU machine);
// skips with the reason printed where there is none (CI).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, isSoftwareAdapter } from '../../src/engine/backend.js';
import { createLbfgs, objectiveFromLoss } from '../../src/engine/optimizers.js';
import { createVgg } from '../../src/engine/vgg.js';
import { loadVggWeights } from '../../src/engine/weights.js';
import { setWgslKernels, wgslKernelsActive } from '../../src/engine/webgpu-kernels.js';
import { iterationZero, relativeDifference, relativeL2, tinyNetGradientCheck, webgpuUnavailableReason } from './support/webgpu-checks.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stylize } from '../../src/engine/stylize.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

const unavailable = await webgpuUnavailableReason();
if (unavailable) console.warn(`webgpu tests skipped: ${unavailable}`);

describe('the GPU path, checked on any backend', () => {
  it('tells a software adapter (lavapipe) from a GPU, so auto-selection never prefers lavapipe to wasm', () => {
    expect(isSoftwareAdapter({ vendor: 'mesa', architecture: 'software', description: 'llvmpipe: Mesa 25.0.7' })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'google', description: 'SwiftShader Device', isFallbackAdapter: true })).toBe(true);
    expect(isSoftwareAdapter({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3' })).toBe(false);
    expect(isSoftwareAdapter(undefined)).toBe(false);
  });

  it('L-BFGS advance() (the loss not read back) moves the variable exactly as step() does', async () => {
    await initBackend('wasm');
    const rosenbrock = objectiveFromLoss((x) => {
      const [x0, x1] = tf.split(x, 2) as [tf.Tensor, tf.Tensor];
      return tf.sum(tf.add(tf.square(tf.sub(1, x0)), tf.mul(100, tf.square(tf.sub(x1, tf.square(x0)))))) as tf.Scalar;
    });
    const a = tf.variable(tf.tensor1d([-1.2, 1]));
    const b = tf.variable(tf.tensor1d([-1.2, 1]));
    const stepped = createLbfgs(a, rosenbrock, { historySize: 5 });
    const advanced = createLbfgs(b, rosenbrock, { historySize: 5 });
    for (let i = 0; i < 40; i++) {
      await stepped.step();
      advanced.advance();
    }
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    await advanced.step();
    // It went down the valley (the loss at the start is 24.2).
    expect(await stepped.step()).toBeLessThan(5);
    [stepped, advanced].forEach((o) => o.dispose());
    [a, b].forEach((v) => v.dispose());
  });

  it('L-BFGS skips a pair with y.s <= 1e-10 on the backend, as torch does (a linear loss: steepest descent)', async () => {
    await initBackend('wasm');
    const c = tf.tensor1d([0.5, -2, 1]);
    const x = tf.variable(tf.zeros([3]));
    const opt = createLbfgs(
      x,
      objectiveFromLoss((v) => tf.sum(tf.mul(c, v)) as tf.Scalar),
      { learningRate: 0.1 },
    );
    for (let i = 0; i < 3; i++) opt.advance();
    // First step min(1, 1/sum|g|) * lr * -g = (1/3.5) * 0.1 * -c; then y = 0, so every pair is skipped: -lr * g twice.
    const expected = [0.5, -2, 1].map((ci) => -ci * (0.1 / 3.5 + 0.2));
    Array.from(await x.data()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    opt.dispose();
    x.dispose();
    c.dispose();
  });
});

describe.skipIf(unavailable !== null)('webgpu backend', () => {
  it("gives the iteration-0 losses and image gradient of wasm at 64 px with the real weights, with tfjs's own kernels", async () => {
    await initBackend('wasm');
    const wasm = await iterationZero(createVgg(await loadVggWeights(MODEL_DIR)), 64);
    await initBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(wgslKernelsActive()).toBe(true); // the default
    await setWgslKernels(false);
    const gpu = await iterationZero(createVgg(await loadVggWeights(MODEL_DIR)), 64);
    await setWgslKernels(true);
    for (let i = 0; i < 4; i++) {
      expect(wasm.parts[i]).toBeGreaterThan(0);
      expect(relativeDifference(gpu.parts[i]!, wasm.parts[i]!)).toBeLessThan(1e-3);
    }
    expect(relativeL2(gpu.grad, wasm.grad)).toBeLessThan(1e-3);
  });

  it('runs stylize() on webgpu end to end, with nothing read back synchronously (tfjs cannot in Node)', async () => {
    process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
    await initBackend('webgpu');
    const request = {
      content: readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')),
      styles: [{ image: readFileSync(join(STYLES_DIR, 'starry_night.jpg')) }],
      options: { size: 32, iterations: 6, seed: 2, previewSize: 0 },
    };
    const result = await stylize(request);
    expect(result.backend).toBe('webgpu');
    expect(result.losses.final.total).toBeLessThan(result.losses.initial.total / 2);
  });

  it('with our WGSL kernels (3x3 conv with the ReLU mask, Gram) the engine gives the losses and gradient of wasm', async () => {
    await initBackend('wasm');
    const wasm = await iterationZero(createVgg(await loadVggWeights(MODEL_DIR)), 32);
    await initBackend('webgpu');
    await setWgslKernels(true);
    expect(wgslKernelsActive()).toBe(true);
    const gpu = await iterationZero(createVgg(await loadVggWeights(MODEL_DIR)), 32);
    expect(relativeDifference(gpu.parts[3], wasm.parts[3])).toBeLessThan(1e-3);
    expect(relativeL2(gpu.grad, wasm.grad)).toBeLessThan(1e-3);
  });

  it('computes the image gradient of a tiny conv/pool/Gram net as float64 finite differences do, with our kernels', async () => {
    await initBackend('webgpu');
    await setWgslKernels(true);
    const check = await tinyNetGradientCheck();
    expect(check.lossRelativeDifference).toBeLessThan(1e-5);
    expect(check.relativeError).toBeLessThan(1e-4);
  });
});

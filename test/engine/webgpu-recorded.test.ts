// The recorded iteration (src/engine/webgpu/) against the engine's TensorFlow.js path on the same webgpu device, with
// the real VGG-19 weights: iteration-0 losses and image gradient, then L-BFGS iterations with a history short enough
// to wrap its ring, the box constraint and the objective scale, as stylize() runs them. Runs wherever Dawn finds an
// adapter (a GPU, or Mesa 25 lavapipe on a CPU machine); skips with the reason printed where there is none.
import * as tf from '@tensorflow/tfjs';
import { activeWebgpuDevice } from '../../src/engine/webgpu/device.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { computeTargets, disposeTargets, lossParts, weightedTotal, type GatysTargets, type LossWeights } from '../../src/engine/losses.js';
import { createLbfgs, type Objective } from '../../src/engine/optimizers.js';
import { createVgg, type Vgg } from '../../src/engine/vgg.js';
import { loadVggWeights } from '../../src/engine/weights.js';
import {
  CHECK_WEIGHTS,
  iterationZero,
  relativeDifference,
  relativeL2,
  syntheticImage,
  webgpuUnavailableReason,
} from './support/webgpu-checks.js';
import { buildObjective, deviceVgg, objectiveTargetsOf, type TensorCoreOptions } from '../../src/engine/webgpu/recorded-objective.js';
import { RecordedIteration, TENSOR_CORE_GRADIENT_SCALE, tensorCoresFor } from '../../src/engine/webgpu/recorded-iteration.js';
import { readFloats, validated, writeFloats } from '../../src/engine/webgpu/pass-list.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stylize } from '../../src/engine/stylize.js';

// One llvmpipe thread per test process: on a busy 2-core machine more threads make single dispatches erratic.
process.env.LP_NUM_THREADS ??= '1';
const unavailable = await webgpuUnavailableReason();
if (unavailable) console.warn(`recorded-iteration tests skipped: ${unavailable}`);

const SIZE = 32;
/** The weights iterationZero (webgpu-checks.ts) uses, so that its tfjs evaluation is this test's reference. */
const WEIGHTS: LossWeights = CHECK_WEIGHTS;

describe.skipIf(unavailable !== null)('the recorded iteration on webgpu', () => {
  let vgg: Vgg;
  let device: GPUDevice;
  let targets: GatysTargets;

  beforeAll(async () => {
    await initBackend('webgpu');
    vgg = createVgg(await loadVggWeights(MODEL_DIR));
    device = activeWebgpuDevice(tf.backend());
    targets = computeTargets(
      vgg,
      { width: SIZE, height: SIZE, content: syntheticImage(SIZE, 1), styles: [{ image: syntheticImage(SIZE, 2), weight: 1 }] },
      WEIGHTS,
    );
  }, 120_000);
  afterAll(() => disposeTargets(targets));

  it('runs on a device made with the optional features the adapter has (shader-f16 and subgroups on lavapipe and NVIDIA)', async () => {
    const { create } = (await import('webgpu' as string)) as { create: (flags: string[]) => GPU };
    const adapter = (await create([]).requestAdapter())!;
    for (const feature of ['shader-f16', 'subgroups']) {
      expect(device.features.has(feature), feature).toBe(adapter.features.has(feature));
    }
    expect(device.limits.maxStorageBufferBindingSize).toBe(adapter.limits.maxStorageBufferBindingSize);
  });

  const plainTargets = () => objectiveTargetsOf(targets);

  /** One evaluation of the recorded objective at `start`: the losses and the image gradient. */
  const evaluateObjective = async (start: Float32Array, tensorCores: TensorCoreOptions | null) => {
    const [weights, plain] = [await deviceVgg(device, vgg), await plainTargets()];
    const built = await validated(device, () =>
      buildObjective(device, weights, { height: SIZE, width: SIZE, channels: 3, ...WEIGHTS }, plain, tensorCores),
    );
    try {
      writeFloats(device, built.image, start);
      const encoder = device.createCommandEncoder();
      built.passes.encode(encoder);
      device.queue.submit([encoder.finish()]);
      return { losses: await readFloats(device, built.losses, 4), gradient: await readFloats(device, built.gradient, start.length) };
    } finally {
      built.passes.destroy();
    }
  };

  it('computes the same losses and image gradient as the tfjs path at iteration 0', async () => {
    // iterationZero: the same synthetic content, style and starting pictures (seeds 1, 2, 3) and loss weights.
    const expected = await iterationZero(vgg, SIZE);
    const { losses, gradient } = await evaluateObjective(Float32Array.from(syntheticImage(SIZE, 3).data), null);
    expected.parts.forEach((v, i) => expect(relativeDifference(losses[i]!, v), `loss part ${i}`).toBeLessThan(1e-5));
    expect(relativeL2(gradient, expected.grad)).toBeLessThan(1e-5);
    expect(expected.parts[2]).toBeGreaterThan(0); // the TV term is on, so its kernel is checked too
  }, 300_000);

  it('runs L-BFGS as the tfjs path does: the same losses iteration after iteration, through a wrapped history', async () => {
    const iterations = 9;
    const historySize = 3;
    const bounds = { lower: 0, upper: 255 };
    const start = Float32Array.from(syntheticImage(SIZE, 3).data);

    // The tfjs path, with stylize()'s objective scale (1 / the first gradient's largest entry).
    const x = tf.variable(tf.tensor4d(start, [1, SIZE, SIZE, 3]));
    const expected: number[] = [];
    let parts: tf.Tensor1D | null = null;
    let scale: tf.Scalar | null = null;
    const valueAndGrad = tf.valueAndGrad((img: tf.Tensor) => {
      const p = lossParts(vgg, targets, img as tf.Tensor4D);
      parts?.dispose();
      parts = tf.keep(p.clone());
      return weightedTotal(p, WEIGHTS);
    });
    const objective: Objective = (image) => {
      const { value, grad } = tf.tidy(() => valueAndGrad(image));
      if (!scale) scale = tf.keep(tf.div(1, tf.max(tf.abs(grad))) as tf.Scalar);
      const scaled = tf.tidy(() => ({ loss: tf.mul(value, scale!) as tf.Scalar, grad: tf.mul(grad, scale!) }));
      tf.dispose([value, grad]);
      return scaled;
    };
    const lbfgs = createLbfgs(x, objective, { historySize, learningRate: 1, bounds });
    for (let i = 0; i < iterations; i++) {
      lbfgs.advance();
      expected.push((await parts!.data())[1]! * WEIGHTS.styleWeight + (await parts!.data())[0]!);
    }
    const expectedPicture = (await x.data()) as Float32Array;
    lbfgs.dispose();
    tf.dispose([x, parts!, scale!]);

    const recorded = await RecordedIteration.create(
      device,
      vgg,
      { height: SIZE, width: SIZE, channels: 3, ...WEIGHTS },
      await plainTargets(),
      { historySize, learningRate: 1, gradientTolerance: 1e-7, bounds },
      start,
    );
    try {
      const got: number[] = [];
      for (let i = 0; i < iterations; i++) {
        recorded.advance();
        const l = await recorded.losses();
        got.push(l.style * WEIGHTS.styleWeight + l.content);
      }
      const picture = await recorded.picture();
      console.log('tfjs', expected.map((v) => v.toExponential(4)).join(' '), '\nrecorded', got.map((v) => v.toExponential(4)).join(' '));
      expect(got[iterations - 1]).toBeLessThan(got[0]! * 0.8); // it does optimise
      got.forEach((v, i) => expect(relativeDifference(v, expected[i]!), `iteration ${i + 1}`).toBeLessThan(1e-3));
      expect(relativeL2(picture, expectedPicture)).toBeLessThan(1e-3);
      expect(Math.min(...picture)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...picture)).toBeLessThanOrEqual(255);
      expect(Number.isFinite(await recorded.finiteSum())).toBe(true);
      expect(recorded.dispatches).toBeGreaterThan(50);
    } finally {
      recorded.destroy();
    }
  }, 300_000);

  it('is what stylize() runs on webgpu: the same picture and losses as the tfjs path, progress and previews included', async () => {
    process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
    const request = {
      content: readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')),
      styles: [{ image: readFileSync(join(STYLES_DIR, 'starry_night.jpg')) }],
      // Two scales (24 then 48 px) and a grey picture: the upsampled start and the one-channel objective.
      options: { size: 48, iterations: 10, seed: 2, previewSize: 32, progressEvery: 3, scales: 2, preserveColors: 'luminance' as const },
    };
    const runOnce = async (recorded: boolean) => {
      const events: { iteration: number; total: number; preview: boolean }[] = [];
      process.env.STYLEBOT_RECORDED = recorded ? '1' : '0';
      try {
        const result = await stylize(request, {
          onProgress: (e) => events.push({ iteration: e.iteration, total: e.losses.total, preview: !!e.preview }),
          minScaleSide: 16,
        });
        return { result, events };
      } finally {
        delete process.env.STYLEBOT_RECORDED;
      }
    };
    const created = vi.spyOn(RecordedIteration, 'create');
    const viaTfjs = await runOnce(false);
    expect(created).not.toHaveBeenCalled();
    const viaRecorded = await runOnce(true);
    expect(created).toHaveBeenCalledTimes(2); // once per scale
    created.mockRestore();
    expect(viaRecorded.result.scales.length).toBe(2);
    expect(viaRecorded.events.map((e) => e.iteration)).toEqual(viaTfjs.events.map((e) => e.iteration));
    expect(viaRecorded.events.every((e) => e.preview)).toBe(true);
    for (const key of ['initial', 'final'] as const) {
      expect(relativeDifference(viaRecorded.result.losses[key].total, viaTfjs.result.losses[key].total), key).toBeLessThan(1e-3);
    }
    expect(viaRecorded.result.losses.final.total).toBeLessThan(viaRecorded.result.losses.initial.total / 2);
  }, 300_000);

  it('with the tensor-core kernels (emulated here: f16 operands, f32 sums), stays within f16 rounding of the fp32 objective', async () => {
    expect(tensorCoresFor(device, {}).options).toBeNull(); // not asked for
    const onLavapipe = tensorCoresFor(device, { STYLEBOT_TENSOR_CORES: '1' });
    if (!device.features.has('chromium-experimental-subgroup-matrix'))
      expect(onLavapipe.reason).toMatch(/subgroup-matrix' feature is missing/);
    if (!device.features.has('shader-f16') || !device.features.has('subgroups')) return;

    const start = Float32Array.from(syntheticImage(SIZE, 3).data);
    const evaluate = (tensorCores: TensorCoreOptions | null) => evaluateObjective(start, tensorCores);
    const fp32 = await evaluate(null);
    const subgroupSize = (device as unknown as { adapterInfo?: { subgroupMaxSize?: number } }).adapterInfo?.subgroupMaxSize ?? 8;
    const matrices = await evaluate({
      shape: { M: 8, N: 8, K: 8 },
      subgroupSize,
      emulate: true,
      gradientScale: TENSOR_CORE_GRADIENT_SCALE,
    });
    fp32.losses.forEach((v, i) => expect(relativeDifference(matrices.losses[i]!, v), `loss part ${i}`).toBeLessThan(1e-3));
    // Rounding the operands to f16 moves the losses by ~5e-5 and the image gradient by ~8e-3 (13 layers of it).
    expect(relativeL2(matrices.gradient, fp32.gradient)).toBeLessThan(2e-2);
    expect(relativeL2(matrices.gradient, fp32.gradient)).toBeGreaterThan(0); // the f16 kernels did run
    // Without the gradient scale the backward pass overflows f16.
    const unscaled = await evaluate({ shape: { M: 8, N: 8, K: 8 }, subgroupSize, emulate: true });
    expect(unscaled.gradient.some((v) => !Number.isFinite(v))).toBe(true);
  }, 300_000);
});

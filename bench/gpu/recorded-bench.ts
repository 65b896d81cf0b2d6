/// <reference types="@webgpu/types" />
// The recorded iteration (src/engine/webgpu/recorded-iteration.ts) in the device call: its iteration-0 losses and
// image gradient against the tfjs path and wasm, and its speed per size (ms per L-BFGS iteration with many
// iterations issued and one wait, CPU ms to issue one, GPU programs per iteration), beside gpu-bench.ts's tfjs rows.
import * as tf from '@tensorflow/tfjs';
import { computeTargets, disposeTargets, STYLE_LAYERS, type GatysTargets, type LossWeights } from '../../src/engine/losses.js';
import { estimateRunBytes, largestTensorBytes } from '../../src/engine/memory.js';
import { relativeDifference, relativeL2, syntheticImage, type ObjectiveSample } from '../../test/engine/support/webgpu-checks.js';
import { RecordedIteration, tensorCoresFor } from '../../src/engine/webgpu/recorded-iteration.js';
import { historyGroupCount } from '../../src/engine/webgpu/recorded-lbfgs.js';
import {
  buildObjective,
  deviceVgg,
  objectiveTargetsOf,
  type ObjectiveShape,
  type ObjectiveTargets,
} from '../../src/engine/webgpu/recorded-objective.js';
import { readFloats, validated, writeFloats } from '../../src/engine/webgpu/pass-list.js';
import type { Vgg } from '../../src/engine/vgg.js';
import { gpuMemoryUsedMiB } from './gpu-memory-used.js';
import { activeWebgpuDevice } from '../../src/engine/webgpu/device.js';

/** The box stylize() keeps the picture in (pixel values). */
const PIXEL_BOX = { lower: 0, upper: 255 };

/** The raw GPUDevice under tfjs's webgpu backend: the recorded iteration shares it (and the targets' buffers' device). */
export function webgpuDevice(): GPUDevice {
  return activeWebgpuDevice(tf.backend());
}

/** The synthetic targets gpu-bench.ts uses at every size (content seed 1, style seed 2), computed on tfjs. */
function syntheticTargets(vgg: Vgg, size: number, weights: LossWeights): GatysTargets {
  return computeTargets(
    vgg,
    { width: size, height: size, content: syntheticImage(size, 1), styles: [{ image: syntheticImage(size, 2), weight: 1 }] },
    weights,
  );
}

/** Gram matrix side per style layer (VGG-19's channels at relu1_1 .. relu5_1). */
const GRAM_SIDE: Record<string, number> = { relu1_1: 64, relu2_1: 128, relu3_1: 256, relu4_1: 512, relu5_1: 512 };

/**
 * Zero targets of the right shapes, for a size whose feature maps exceed one binding: tfjs would compute the real
 * ones with invalid bind groups (a flood of validation errors, garbage numbers), and the recorded objective's own
 * refusal (a RangeError naming the buffer) is what the memory step records.
 */
function zeroTargets(size: number, weights: LossWeights): ObjectiveTargets {
  return {
    content: new Float32Array(Math.floor(size / 8) ** 2 * 512),
    styles: STYLE_LAYERS.map((layer, i) => ({
      layer,
      gram: new Float32Array(GRAM_SIDE[layer]! ** 2),
      weight: weights.layerWeights[i]!,
    })).filter((s) => s.weight > 0),
  };
}

const shapeOf = (size: number, w: LossWeights): ObjectiveShape => ({
  height: size,
  width: size,
  channels: 3,
  contentWeight: w.contentWeight,
  styleWeight: w.styleWeight,
  tvWeight: w.tvWeight,
});

export interface SampleComparison {
  /** Relative difference per loss: content, style, tv, total. */
  losses: Record<'content' | 'style' | 'tv' | 'total', number>;
  /** ||g_recorded - g_other|| / ||g_other|| of the image gradients. */
  gradientRelativeL2: number;
}

export interface RecordedCheck {
  size: number;
  /** The recorded objective's content, style, tv and weighted total at iteration 0. */
  parts: number[];
  vsTfjs?: SampleComparison;
  vsWasm?: SampleComparison;
}

function compare(parts: ArrayLike<number>, grad: Float32Array, other: ObjectiveSample): SampleComparison {
  const names = ['content', 'style', 'tv', 'total'] as const;
  return {
    losses: Object.fromEntries(names.map((n, i) => [n, relativeDifference(parts[i]!, other.parts[i]!)])) as SampleComparison['losses'],
    gradientRelativeL2: relativeL2(grad, other.grad),
  };
}

/**
 * Iteration 0 of the recorded objective at `size` px with iterationZero()'s pictures and weights (webgpu-checks.ts),
 * against that function's samples on the tfjs webgpu path and on wasm (either may be null: not compared).
 */
export async function recordedIterationZero(
  vgg: Vgg,
  size: number,
  weights: LossWeights,
  tfjsSample: ObjectiveSample | null,
  wasmSample: ObjectiveSample | null,
): Promise<RecordedCheck> {
  const device = webgpuDevice();
  const targets = syntheticTargets(vgg, size, weights);
  try {
    const [network, plain] = [await deviceVgg(device, vgg), await objectiveTargetsOf(targets)];
    // With STYLEBOT_TENSOR_CORES=1 on a GPU that has them, the check is of the tensor-core kernels.
    const o = await validated(device, () => buildObjective(device, network, shapeOf(size, weights), plain, tensorCoresFor(device).options));
    try {
      writeFloats(device, o.image, Float32Array.from(syntheticImage(size, 3).data));
      const encoder = device.createCommandEncoder();
      o.passes.encode(encoder);
      device.queue.submit([encoder.finish()]);
      const parts = Array.from(await readFloats(device, o.losses, 4));
      const grad = await readFloats(device, o.gradient, size * size * 3);
      return {
        size,
        parts,
        vsTfjs: tfjsSample ? compare(parts, grad, tfjsSample) : undefined,
        vsWasm: wasmSample ? compare(parts, grad, wasmSample) : undefined,
      };
    } finally {
      o.passes.destroy();
    }
  } finally {
    disposeTargets(targets);
  }
}

export interface RecordedRow {
  size: number;
  path: 'recorded';
  /** Objective alone (forward + image gradient), its losses read back after each evaluation. */
  msPerGradStep: number | null;
  /** Whole L-BFGS iterations: `reps` issued, one wait at the end. */
  msPerLbfgsIteration: number | null;
  /** Mean CPU ms advance() took in the timed loop (encode + submit of one command buffer). */
  issueMsPerLbfgsIteration?: number;
  /** RecordedIteration.meanIssueMs: the same over every advance() of the run, warm-up included. */
  meanIssueMs?: number;
  /** GPU programs per iteration (RecordedIteration.dispatches). */
  dispatchesPerLbfgsIteration?: number;
  historySize: number;
  /** [rows, n] buffers S and Y are split into by the device's binding limit (recorded-lbfgs.ts). */
  historyGroups: number;
  /** Weighted total at the first and the last timed iteration: the run optimises (last < first) and stays finite. */
  lossFirst?: number;
  lossLast?: number;
  finite?: boolean;
  /** Milliseconds create() took (pipelines, bind groups, buffers; the weights' upload the first time). */
  buildMs?: number;
  /** nvidia-smi's memory.used after the run's iterations minus before its build, MiB (null without nvidia-smi). */
  gpuMemoryMiB?: number | null;
  /** memory.ts estimateRunBytes for the same run, MiB (made for the tfjs path: what to compare against). */
  estimatedRunMB: number;
  /** Which conv and Gram kernels ran and why (recorded-iteration.ts tensorCoresFor). */
  kernels: string;
  error?: string;
}

/**
 * Times the recorded iteration at `size` px (square synthetic pictures, stylize()'s box and step rule, the given
 * loss weights and history). A failure (a binding too large, WebGPU rejecting a kernel) comes back as `error`.
 */
export async function timeRecorded(vgg: Vgg, size: number, reps: number, historySize: number, weights: LossWeights): Promise<RecordedRow> {
  const device = webgpuDevice();
  const values = size * size * 3;
  const row: RecordedRow = {
    size,
    path: 'recorded',
    msPerGradStep: null,
    msPerLbfgsIteration: null,
    historySize,
    historyGroups: historyGroupCount(device, values, historySize),
    estimatedRunMB: estimateRunBytes({ width: size, height: size, channels: 3, optimizer: 'lbfgs', historySize }) / 2 ** 20,
    kernels: ((t) => (t.options ? `tensor cores: ${t.reason}` : `fp32 (${t.reason})`))(tensorCoresFor(device)),
  };
  const tooLarge = largestTensorBytes(size, size) > device.limits.maxStorageBufferBindingSize;
  const targets = tooLarge ? null : syntheticTargets(vgg, size, weights);
  let recorded: RecordedIteration | null = null;
  try {
    const plain = targets ? await objectiveTargetsOf(targets) : zeroTargets(size, weights);
    const dvgg = await deviceVgg(device, vgg);
    // The objective alone, read back each time, like gpu-bench.ts's forward+gradient column.
    const objective = await validated(device, () =>
      buildObjective(device, dvgg, shapeOf(size, weights), plain, tensorCoresFor(device).options),
    );
    try {
      writeFloats(device, objective.image, Float32Array.from(syntheticImage(size, 3).data));
      const evaluate = async () => {
        const encoder = device.createCommandEncoder();
        objective.passes.encode(encoder);
        device.queue.submit([encoder.finish()]);
        await readFloats(device, objective.losses, 4);
      };
      await evaluate();
      const t0 = performance.now();
      for (let i = 0; i < reps; i++) await evaluate();
      row.msPerGradStep = (performance.now() - t0) / reps;
    } finally {
      objective.passes.destroy();
    }

    await device.queue.onSubmittedWorkDone();
    const usedBefore = gpuMemoryUsedMiB();
    const built = performance.now();
    recorded = await RecordedIteration.create(
      device,
      vgg,
      shapeOf(size, weights),
      plain,
      { historySize, learningRate: 1, gradientTolerance: 1e-7, bounds: PIXEL_BOX },
      Float32Array.from(syntheticImage(size, 3).data),
    );
    row.buildMs = performance.now() - built;
    row.dispatchesPerLbfgsIteration = recorded.dispatches;
    recorded.advance();
    recorded.advance(); // warm-up, the first pair included
    await recorded.settle();
    row.lossFirst = (await recorded.losses()).total;
    let issueMs = 0;
    const t1 = performance.now();
    for (let i = 0; i < reps; i++) {
      const t2 = performance.now();
      recorded.advance();
      issueMs += performance.now() - t2;
    }
    await recorded.settle();
    row.msPerLbfgsIteration = (performance.now() - t1) / reps;
    row.issueMsPerLbfgsIteration = issueMs / reps;
    row.meanIssueMs = recorded.meanIssueMs;
    row.lossLast = (await recorded.losses()).total;
    row.finite = Number.isFinite(await recorded.finiteSum());
    const usedAfter = gpuMemoryUsedMiB();
    row.gpuMemoryMiB = usedBefore !== null && usedAfter !== null ? usedAfter - usedBefore : null;
  } catch (err) {
    row.error = err instanceof Error ? err.message : String(err);
  } finally {
    recorded?.destroy();
    if (targets) disposeTargets(targets);
  }
  return row;
}

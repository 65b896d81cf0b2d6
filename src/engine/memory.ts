// How much backend memory a run needs, and whether it fits, so that stylize() refuses a size that would not
// fit with a clear message instead of crashing the worker (or the GPU) halfway.
//
// Model (bytes, float32 tensors):
//   weights     the 16 conv kernels + biases, and the rotated backward kernels of custom mode (measured: 153 MiB)
//   step        STEP_BYTES + STEP_FACTOR x the feature maps of one forward pass to relu5_1: every conv output is
//               kept for the backward pass, plus its ReLU mask, and the backward pass holds gradients of the same
//               shapes while it runs
//   optimizer   L-BFGS: 2 x historySize image-sized vectors (s and y) plus 4 (gradient, previous gradient, step,
//               direction); Adam: 3 (m, v, the update). Adding a pair to the history copies its matrices, which
//               briefly holds 4 x historySize vectors, but only between steps, when no feature map is alive: that
//               (4800 x size^2 bytes at history 100) stays below the step's own peak (9300 x size^2) at every size
//   targets     the content target (relu4_2) and the Gram matrices (small)
// STEP_FACTOR is calibrated by bench/gpu/memory-calibrate.ts: tf.profile's peakBytes of one forward + image
// gradient step on wasm, minus what was held before, against activationBytes(). Measured on wasm (MiB):
//   size 32: peak 34.3, activations 1.26;  64: 60.4, 5.05;  128: 164.8, 20.19  ->  peak = 25.6 + 6.89 x activations
// exactly at all three sizes (bench/gpu/README.md). Both are rounded up for headroom.
import { UserError } from '../errors.js';
import * as tf from '@tensorflow/tfjs';
import { totalmem } from 'node:os';
import { activeOnnxProvider } from './backend.js';
import { nvidiaGpuMemoryMb } from './gpu-memory.js';
import { VGG_CONV_LAYERS } from './weights.js';

/** Peak bytes of one forward + image-gradient step per byte of forward feature maps (see the header). */
export const STEP_FACTOR = 7.2;
/** The part of a step's peak that does not grow with the picture. */
export const STEP_BYTES = 32 * 2 ** 20;
/** Bytes held by the VGG-19 weights in custom mode (kernels, biases and backward kernels of all 16 layers). */
export const WEIGHT_BYTES = 160 * 2 ** 20;
/** The wasm backend's heap cannot grow past 4 GiB (32-bit addresses); keep some room for the allocator. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30 - 256 * 2 ** 20;

const CHANNELS: Record<string, number> = { '1': 64, '2': 128, '3': 256, '4': 512, '5': 512 };

/** Bytes of the feature maps of one forward pass from conv1_1 to conv5_1 (conv outputs and pooled maps). */
export function activationBytes(width: number, height: number): number {
  let total = width * height * 3; // the preprocessed image
  let h = height;
  let w = width;
  let block = '1';
  for (const layer of VGG_CONV_LAYERS) {
    const b = layer[4]!;
    if (b !== block) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
      block = b;
      total += h * w * CHANNELS[String(Number(b) - 1)]!; // the pooled map
    }
    total += h * w * CHANNELS[b]!;
    if (layer === 'conv5_1') break;
  }
  return total * 4;
}

/** Bytes of the largest single tensor of a step (conv1_x output): WebGPU caps the size of one buffer. */
export function largestTensorBytes(width: number, height: number): number {
  return width * height * 64 * 4;
}

export interface RunShape {
  width: number;
  height: number;
  /** 3 for colour, 1 when only luminance is optimised. */
  channels: number;
  optimizer: 'lbfgs' | 'adam';
  /** L-BFGS curvature pairs kept (stylize uses 100). */
  historySize?: number;
}

/**
 * The L-BFGS history to keep: `wanted` pairs, but no more than the run makes (one per iteration after the first)
 * and no more than one buffer can hold, since s and y are each one [history, pixels] matrix (on webgpu one buffer
 * holds 2 GiB or so: 42 pairs of a 2048 x 2048 colour picture).
 */
export function lbfgsHistorySize(wanted: number, iterations: number, imageValues: number, budget: MemoryBudget): number {
  const rowsPerBuffer = budget.maxTensorBytes === null ? Infinity : Math.floor(budget.maxTensorBytes / (4 * imageValues));
  return Math.max(1, Math.min(wanted, iterations - 1, rowsPerBuffer));
}

/**
 * Estimated peak backend bytes for a whole run. With `optimizerOnly` (onnxruntime: the network runs in ORT's own
 * memory, the optimizer on the wasm heap), only the optimizer's vectors and a few image-sized tensors.
 */
export function estimateRunBytes(run: RunShape, optimizerOnly = false): number {
  const image = run.width * run.height * run.channels * 4;
  const optimizer = run.optimizer === 'lbfgs' ? (2 * (run.historySize ?? 100) + 4) * image : 3 * image;
  if (optimizerOnly) return STEP_BYTES + optimizer + 8 * image;
  const grams = (64 ** 2 + 128 ** 2 + 256 ** 2 + 512 ** 2 * 2) * 4 * 3; // targets, current and gradient
  const contentTarget = Math.floor(run.width / 8) * Math.floor(run.height / 8) * 512 * 4;
  return WEIGHT_BYTES + STEP_BYTES + STEP_FACTOR * activationBytes(run.width, run.height) + optimizer + grams + contentTarget;
}

export interface MemoryBudget {
  /** Bytes the backend can hold in all (null = unknown, not checked). */
  totalBytes: number | null;
  /** Bytes one tensor may take (null = unlimited). */
  maxTensorBytes: number | null;
  /** Where the numbers come from, for the message. */
  source: string;
  /** The budget holds only the optimizer (onnxruntime: the network's memory is ORT's, checked against nativeBytes). */
  optimizerOnly?: boolean;
  /** onnxruntime: the machine's memory, which ORT's feature maps and gradients must fit. */
  nativeBytes?: number;
}

/** Peak bytes of the network's part of a run (weights and one forward + gradient step), wherever it runs. */
export function estimateNetworkBytes(width: number, height: number): number {
  return WEIGHT_BYTES + STEP_BYTES + STEP_FACTOR * activationBytes(width, height);
}

/**
 * The memory a backend offers: wasm its 4 GiB heap; webgpu the adapter's largest storage buffer per tensor and,
 * in all, STYLEBOT_GPU_MEMORY_MB when set, else what nvidia-smi reported (detectedGpuMb; WebGPU does not tell how
 * much memory the GPU has). Native backends manage their own memory: no limit is applied.
 */
export function memoryBudget(
  backend: string,
  adapterLimits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number },
  env: NodeJS.ProcessEnv = process.env,
  detectedGpuMb: number | null = null,
): MemoryBudget {
  if (backend === 'wasm') return { totalBytes: WASM_HEAP_BYTES, maxTensorBytes: null, source: 'the 4 GB wasm heap' };
  if (backend.startsWith('onnxruntime')) {
    return {
      totalBytes: WASM_HEAP_BYTES,
      maxTensorBytes: null,
      source: "the 4 GB wasm heap that holds the optimizer's vectors",
      optimizerOnly: true,
      nativeBytes: totalmem(),
    };
  }
  if (backend === 'webgpu') {
    const mb = Number(env.STYLEBOT_GPU_MEMORY_MB);
    const configured = env.STYLEBOT_GPU_MEMORY_MB && Number.isFinite(mb) && mb > 0;
    const totalBytes = configured ? mb * 2 ** 20 : detectedGpuMb ? detectedGpuMb * 2 ** 20 : null;
    const caps = [adapterLimits?.maxStorageBufferBindingSize, adapterLimits?.maxBufferSize].filter(
      (n): n is number => typeof n === 'number' && n > 0,
    );
    return {
      totalBytes,
      maxTensorBytes: caps.length > 0 ? Math.min(...caps) : null,
      source: configured
        ? `STYLEBOT_GPU_MEMORY_MB=${env.STYLEBOT_GPU_MEMORY_MB}`
        : totalBytes
          ? `the GPU's ${detectedGpuMb} MiB as nvidia-smi reports them`
          : 'the WebGPU adapter limits',
    };
  }
  return { totalBytes: null, maxTensorBytes: null, source: backend };
}

export function fits(run: RunShape, budget: MemoryBudget): boolean {
  if (budget.totalBytes !== null && estimateRunBytes(run, budget.optimizerOnly) > budget.totalBytes) return false;
  if (budget.nativeBytes !== undefined && estimateNetworkBytes(run.width, run.height) > budget.nativeBytes) return false;
  if (budget.maxTensorBytes !== null && largestTensorBytes(run.width, run.height) > budget.maxTensorBytes) return false;
  return true;
}

/** The largest longest side (same aspect ratio) that fits, or 0 when nothing does. */
export function largestFittingSide(run: RunShape, budget: MemoryBudget): number {
  const longest = Math.max(run.width, run.height);
  const at = (side: number): RunShape => ({
    ...run,
    width: Math.max(1, Math.round((run.width * side) / longest)),
    height: Math.max(1, Math.round((run.height * side) / longest)),
  });
  let lo = 0;
  let hi = longest;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(at(mid), budget)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/** Throws UserError('too_large') naming the largest size that fits when the run would not fit the backend's memory. */
export function checkRunFits(run: RunShape, backend: string, budget: MemoryBudget): void {
  if (fits(run, budget)) return;
  const largest = largestFittingSide(run, budget);
  const need = estimateRunBytes(run, budget.optimizerOnly);
  const network = estimateNetworkBytes(run.width, run.height);
  const what =
    budget.nativeBytes !== undefined && network > budget.nativeBytes
      ? `needs about ${gb(network)} for the network on the ${backend} backend, more than this machine's ${gb(budget.nativeBytes)}`
      : budget.totalBytes !== null && need > budget.totalBytes
        ? `needs about ${gb(need)} of memory on the ${backend} backend, more than ${gb(budget.totalBytes)} (${budget.source})`
        : `has a ${gb(largestTensorBytes(run.width, run.height))} feature map, larger than one ${backend} buffer may be (${gb(budget.maxTensorBytes!)}, ${budget.source})`;
  throw new UserError(
    'too_large',
    `A ${run.width}x${run.height} picture ${what}. ` +
      (largest >= 16 ? `The largest size that fits is ${largest} px: ask for size ${largest} or less.` : 'No size fits.'),
  );
}

/**
 * Without our kernels, tfjs's webgpu transpose (in the Gram matrix) runs one workgroup row per 16 pixels, and WebGPU
 * allows 65535 per dimension: 1024 x 1024 fails at the first iteration (seen on the H100).
 */
export const STOCK_WEBGPU_MAX_PIXELS = 16 * 65535;

/** Throws a RangeError for a picture tfjs's own webgpu kernels (STYLEBOT_WGSL=0) cannot run. */
export function checkStockWebgpuSize(width: number, height: number): void {
  if (width * height <= STOCK_WEBGPU_MAX_PIXELS) return;
  throw new RangeError(
    `A ${width}x${height} picture is too large for tfjs's own webgpu kernels (STYLEBOT_WGSL=0): at most ` +
      `${STOCK_WEBGPU_MAX_PIXELS} pixels. Unset STYLEBOT_WGSL or ask for a smaller size.`,
  );
}

/** The memory budget of the active tfjs backend (on webgpu, the limits of the device it created). */
export function activeMemoryBudget(env: NodeJS.ProcessEnv = process.env): MemoryBudget {
  if (activeOnnxProvider()) return memoryBudget('onnxruntime', undefined, env);
  const backend = tf.getBackend();
  if (backend !== 'webgpu') return memoryBudget(backend, undefined, env);
  const device = (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number; maxBufferSize?: number } } })
    .device;
  return memoryBudget(backend, device?.limits, env, env.STYLEBOT_GPU_MEMORY_MB ? null : nvidiaGpuMemoryMb());
}

/// <reference types="@webgpu/types" />
// L-BFGS's update as a fixed list of dispatches (lbfgs-kernels.ts) over buffers made once per picture size: the new
// curvature pair, the compact two-loop direction over the ring of pairs, and the projected step, with the state on
// the GPU. Same sequence of numbers as optimizers.ts createLbfgs on the tfjs path, up to float32 summation order.
import {
  acceptPairKernel,
  addRowsKernel,
  curvatureKernel,
  DOT_CHUNK,
  endIterationKernel,
  firstLoopKernel,
  freeGradientKernel,
  gradientStatsKernel,
  objectiveScaleKernel,
  rowDotsKernel,
  rowDotsTotalKernel,
  scaledCopyKernel,
  secondLoopKernel,
  stepLengthKernel,
  storePairKernel,
  takeStepKernel,
  updateSyKernel,
  type KernelCall,
} from './lbfgs-kernels.js';
import { PassList, writeFloats } from './pass-list.js';
import { partialCount, STATE_FLOATS } from './wgsl-common.js';
import type { Bounds } from '../optimizers.js';

export interface RecordedLbfgsOptions {
  /** Curvature pairs kept (torch's default 100). */
  historySize: number;
  learningRate: number;
  gradientTolerance: number;
  bounds: Bounds | null;
}

export interface RecordedLbfgs {
  passes: PassList;
  /** The State struct (wgsl-common.ts): read for finiteSum and the iteration count. */
  state: GPUBuffer;
}

/** Rows of an [rows, n] float32 history group that fit one binding of the device. */
function rowsPerGroup(device: GPUDevice, n: number, capacity: number): number {
  const rows = Math.floor(device.limits.maxStorageBufferBindingSize / (4 * n));
  if (rows < 1) throw new RangeError(`one picture of ${n} values exceeds this GPU's largest binding`);
  return Math.min(rows, capacity);
}

/** How many buffers S (and Y) are split into for `capacity` pairs of n values; 0 when one pair exceeds a binding. */
export function historyGroupCount(device: GPUDevice, n: number, capacity: number): number {
  try {
    return Math.ceil(capacity / rowsPerGroup(device, n, capacity));
  } catch (err) {
    if (err instanceof RangeError) return 0;
    throw err;
  }
}

/**
 * The update for a picture of n values held in `x`, given the raw gradient `gRaw` and `losses` of the objective
 * evaluated at x (recorded-objective.ts), run after the objective's passes in the same command buffer.
 */
export function buildLbfgs(
  device: GPUDevice,
  n: number,
  x: GPUBuffer,
  gRaw: GPUBuffer,
  losses: GPUBuffer,
  opts: RecordedLbfgsOptions,
): RecordedLbfgs {
  const k = opts.historySize;
  if (!Number.isInteger(k) || k < 1 || k > 1024) throw new RangeError('historySize must be a whole number from 1 to 1024');
  const passes = new PassList(device);
  try {
    return layOutLbfgs(passes, n, x, gRaw, losses, opts);
  } catch (err) {
    passes.destroy(); // a refusal halfway must not keep the buffers made so far
    throw err;
  }
}

function layOutLbfgs(
  passes: PassList,
  n: number,
  x: GPUBuffer,
  gRaw: GPUBuffer,
  losses: GPUBuffer,
  opts: RecordedLbfgsOptions,
): RecordedLbfgs {
  const device = passes.device;
  const k = opts.historySize;
  const add = (call: KernelCall, buffers: GPUBuffer[]) =>
    passes.add(call.kernel, [...buffers, passes.uniform(call.kernel.label, call.params)]);

  const state = passes.storage('lbfgs state', STATE_FLOATS);
  const initial = new DataView(new ArrayBuffer(STATE_FLOATS * 4));
  initial.setFloat32(8 * 4, 1, true); // gamma = 1 (H_diag before the first pair)
  initial.setFloat32(9 * 4, 1, true); // objectiveScale, set on the first iteration
  writeFloats(device, state, new Float32Array(initial.buffer));

  const g = passes.storage('lbfgs g', n);
  const y = passes.storage('lbfgs y', n);
  const gPrev = passes.storage('lbfgs previous g', n);
  const sPrev = passes.storage('lbfgs previous step', n);
  const q = passes.storage('lbfgs q', n);
  const d = passes.storage('lbfgs direction', n);
  const partials = passes.storage('lbfgs partials', 2 * partialCount(n));
  const dotPartials = passes.storage('lbfgs row-dot partials', k * Math.ceil(n / DOT_CHUNK));
  const rho = passes.storage('lbfgs rho', k);
  const sy = passes.storage('lbfgs SY', k * k);
  const dotsA = passes.storage('lbfgs row dots A', k);
  const dotsB = passes.storage('lbfgs row dots B', k);
  const alpha = passes.storage('lbfgs alpha', k);
  const c = passes.storage('lbfgs c', k);
  const perGroup = rowsPerGroup(device, n, k);
  const groups: { first: number; rows: number; S: GPUBuffer; Y: GPUBuffer }[] = [];
  for (let first = 0; first < k; first += perGroup) {
    const rows = Math.min(perGroup, k - first);
    groups.push({ first, rows, S: passes.storage(`lbfgs S ${first}`, rows * n), Y: passes.storage(`lbfgs Y ${first}`, rows * n) });
  }
  const rowDots = (matrix: 'S' | 'Y', v: GPUBuffer, out: GPUBuffer) => {
    for (const grp of groups) add(rowDotsKernel(n, grp.first, grp.rows), [dotPartials, grp[matrix], v]);
    add(rowDotsTotalKernel(n, k), [out, dotPartials]);
  };

  // The objective scale and the finite check, then the new pair from the previous step.
  add(gradientStatsKernel(n), [partials, gRaw]);
  add(objectiveScaleKernel(n), [state, partials, losses]);
  add(curvatureKernel(n), [g, y, partials, gRaw, gPrev, sPrev, state]);
  add(acceptPairKernel(n, k), [state, rho, partials]);
  for (const grp of groups) add(storePairKernel(n, grp.first, grp.rows), [grp.S, grp.Y, sPrev, y, state]);
  rowDots('Y', sPrev, dotsA);
  rowDots('S', y, dotsB);
  add(updateSyKernel(k), [sy, dotsA, dotsB, state]);
  // The direction d = -H g over the free values.
  add(freeGradientKernel(n, opts.bounds), [q, partials, g, x]);
  add(stepLengthKernel(n, opts.learningRate, opts.gradientTolerance), [state, partials]);
  rowDots('S', q, dotsA);
  add(firstLoopKernel(k), [alpha, dotsA, rho, sy, state]);
  for (const grp of groups) add(addRowsKernel(n, grp.first, grp.rows, -1), [q, grp.Y, alpha]);
  rowDots('Y', q, dotsB);
  add(secondLoopKernel(k), [c, alpha, dotsB, rho, sy, state]);
  add(scaledCopyKernel(n), [d, q, state]);
  for (const grp of groups) add(addRowsKernel(n, grp.first, grp.rows, 1), [d, grp.S, c]);
  add(takeStepKernel(n, opts.bounds), [x, sPrev, gPrev, d, g, state]);
  add(endIterationKernel(), [state]);
  return { passes, state };
}

/// <reference types="@webgpu/types" />
// One L-BFGS iteration of the Gatys objective recorded once per picture size and replayed: the objective's forward
// and backward passes (recorded-objective.ts) and L-BFGS's update (recorded-lbfgs.ts) are encoded into ONE command
// buffer per iteration, from pipelines and bind groups made when the run starts. Issuing an iteration is then ~100
// setPipeline/setBindGroup/dispatch calls and one submit, instead of ~160 TensorFlow.js ops at ~0.15 ms of CPU each
// (bench/gpu/README.md); nothing is uploaded or read back unless the caller asks (losses, picture, finite check).
import {
  buildObjective,
  deviceVgg,
  type ObjectiveShape,
  type ObjectiveTargets,
  type RecordedObjective,
  type TensorCoreOptions,
} from './recorded-objective.js';
import { tensorCoresRequested } from './device.js';
import { subgroupMatrixSupport } from '../wgsl/subgroup-matrix.js';
import { buildLbfgs, type RecordedLbfgs, type RecordedLbfgsOptions } from './recorded-lbfgs.js';
import { PassList, readFloats, validated, writeFloats } from './pass-list.js';
import type { Vgg } from '../vgg.js';

export interface LossValues {
  content: number;
  style: number;
  tv: number;
  total: number;
}

/**
 * The loss gradients' factor on tensor cores (TensorCoreOptions.gradientScale): the image gradient's largest entry,
 * ~4e9 at 32 px with the default weights (and ~1e7 per pixel at 512 px), lands near 4000, well inside f16's 65504;
 * on lavapipe every factor from 2^-16 to 2^-28 gave the same gradient, 2^-8 and 2^-12 overflowed to NaN.
 */
export const TENSOR_CORE_GRADIENT_SCALE = 2 ** -20;

/**
 * The tensor-core options for `device` (null: the fp32 kernels) and why: STYLEBOT_TENSOR_CORES=1 asked for them and
 * the device has subgroup matrices with an f16 x f16 -> f32 shape (wgsl/subgroup-matrix.ts subgroupMatrixSupport).
 */
export function tensorCoresFor(
  device: GPUDevice,
  env: NodeJS.ProcessEnv = process.env,
): { options: TensorCoreOptions | null; reason: string } {
  if (!tensorCoresRequested(env)) return { options: null, reason: 'STYLEBOT_TENSOR_CORES is not 1' };
  const support = subgroupMatrixSupport(device as unknown as Parameters<typeof subgroupMatrixSupport>[0]);
  if (!support.shape) return { options: null, reason: support.reason };
  const { M, N, K } = support.shape;
  const options = { shape: support.shape, subgroupSize: support.subgroupMaxSize, gradientScale: TENSOR_CORE_GRADIENT_SCALE };
  return { options, reason: `subgroup matrices ${M}x${N}x${K}, subgroups of ${support.subgroupMaxSize}` };
}

export class RecordedIteration {
  private readonly all: PassList;
  private issueTotalMs = 0;
  private issued = 0;
  private destroyed = false;

  private constructor(
    readonly device: GPUDevice,
    private readonly objective: RecordedObjective,
    private readonly lbfgs: RecordedLbfgs,
    readonly values: number,
    /** The tensor-core kernels in use, or null for the fp32 ones. */
    readonly tensorCores: TensorCoreOptions | null,
  ) {
    this.all = new PassList(device);
    this.all.append(objective.passes);
    this.all.append(lbfgs.passes);
  }

  /**
   * Builds the iteration for a picture of shape.height x shape.width x shape.channels values (0..255, `start`, already
   * inside opts.bounds) on `device`, the device of the webgpu backend that computed `targets`. Throws RangeError when
   * a buffer would exceed the device's binding limit, Error when WebGPU rejects a kernel. `tensorCores` defaults to
   * tensorCoresFor(device).
   */
  static async create(
    device: GPUDevice,
    vgg: Vgg,
    shape: ObjectiveShape,
    targets: ObjectiveTargets,
    opts: RecordedLbfgsOptions,
    start: Float32Array,
    tensorCores: TensorCoreOptions | null = tensorCoresFor(device).options,
  ): Promise<RecordedIteration> {
    const n = shape.height * shape.width * shape.channels;
    if (start.length !== n) throw new RangeError(`the starting picture has ${start.length} values, expected ${n}`);
    const weights = await deviceVgg(device, vgg);
    const objective = await validated(device, () => buildObjective(device, weights, shape, targets, tensorCores));
    try {
      const lbfgs = await validated(device, () => buildLbfgs(device, n, objective.image, objective.gradient, objective.losses, opts));
      writeFloats(device, objective.image, start);
      return new RecordedIteration(device, objective, lbfgs, n, tensorCores);
    } catch (err) {
      objective.passes.destroy();
      throw err;
    }
  }

  /** GPU programs per iteration. */
  get dispatches(): number {
    return this.all.length;
  }

  /** Mean CPU milliseconds advance() took to encode and submit an iteration. */
  get meanIssueMs(): number {
    return this.issued === 0 ? 0 : this.issueTotalMs / this.issued;
  }

  /** Queues one iteration: evaluates the objective at the current picture, then moves it. Reads nothing back. */
  advance(): void {
    if (this.destroyed) throw new Error('this recorded iteration has been destroyed');
    const began = performance.now();
    const encoder = this.device.createCommandEncoder();
    this.all.encode(encoder);
    this.device.queue.submit([encoder.finish()]);
    this.issueTotalMs += performance.now() - began;
    this.issued += 1;
  }

  /** The losses at the start of the last iteration (unweighted parts and the weighted total). Waits for the GPU. */
  async losses(): Promise<LossValues> {
    const [content, style, tv, total] = await readFloats(this.device, this.objective.losses, 4);
    return { content: content!, style: style!, tv: tv!, total: total! };
  }

  /** The picture now, [h, w, channels] 0..255. Waits for the GPU. */
  picture(): Promise<Float32Array> {
    return readFloats(this.device, this.objective.image, this.values);
  }

  /** The running sum of every gradient and loss so far: finite as long as no NaN or infinity ever appeared. */
  async finiteSum(): Promise<number> {
    return (await readFloats(this.device, this.lbfgs.state, 1, 11))[0]!;
  }

  /** Waits until the GPU has finished what was queued. */
  async settle(): Promise<void> {
    await this.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.objective.passes.destroy();
    this.lbfgs.passes.destroy();
  }
}

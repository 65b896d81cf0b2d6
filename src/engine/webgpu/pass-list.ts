/// <reference types="@webgpu/types" />
// A fixed list of compute dispatches on a raw WebGPU device: each kernel's pipeline and bind group are made once,
// when the list is built, and encode() then only records them into a compute pass. This is what makes an
// iteration cheap to issue: no shader lookup, no uniform upload and no buffer creation per dispatch, as there is
// through TensorFlow.js's op-by-op dispatch (about 0.15 ms of CPU per GPU program; bench/gpu/README.md).
import type { ComputeKernel } from './kernel.js';

const STORAGE = 0x80; // GPUBufferUsage.STORAGE (the constants are not globals outside a browser)
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const UNIFORM = 0x40;
const MAP_READ = 0x01;

/** WebGPU's guaranteed limit is 65535 workgroups per dimension; we stay at half of it. */
export const MAX_GROUPS_PER_DIM = 32768;

/** A 2-D grid of `groups` workgroups: x up to MAX_GROUPS_PER_DIM, y as many rows as needed. */
export function grid(groups: number): [number, number, number] {
  const x = Math.max(1, Math.min(groups, MAX_GROUPS_PER_DIM));
  return [x, Math.max(1, Math.ceil(groups / x)), 1];
}

interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
}

/**
 * Pipelines by device, module source and entry point: layers of the same shape class share one, and every later
 * run (each scale, each job) finds them compiled.
 */
const pipelineCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

export class PassList {
  private readonly dispatches: Dispatch[] = [];
  private readonly owned: GPUBuffer[] = [];
  private readonly pipelines: Map<string, GPUComputePipeline>;

  constructor(readonly device: GPUDevice) {
    let cached = pipelineCache.get(device);
    if (!cached) pipelineCache.set(device, (cached = new Map()));
    this.pipelines = cached;
  }

  /** A zero-filled storage buffer of `floats` 32-bit values (at least one), owned by this list. */
  storage(label: string, floats: number): GPUBuffer {
    const size = Math.max(16, Math.ceil((floats * 4) / 16) * 16);
    const maxBinding = this.device.limits.maxStorageBufferBindingSize;
    if (size > maxBinding) {
      throw new RangeError(
        `${label} needs ${(size / 2 ** 20).toFixed(0)} MiB in one buffer; this GPU binds at most ${(maxBinding / 2 ** 20).toFixed(0)} MiB`,
      );
    }
    const buffer = this.device.createBuffer({ label, size, usage: STORAGE | COPY_SRC | COPY_DST });
    this.owned.push(buffer);
    return buffer;
  }

  /** A uniform buffer holding `data`, written once. */
  uniform(label: string, data: ArrayBuffer | ArrayBufferView): GPUBuffer {
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const size = Math.max(16, Math.ceil(bytes.byteLength / 16) * 16);
    const buffer = this.device.createBuffer({ label, size, usage: UNIFORM | COPY_DST });
    const padded = new Uint8Array(size);
    padded.set(bytes);
    this.device.queue.writeBuffer(buffer, 0, padded);
    this.owned.push(buffer);
    return buffer;
  }

  /** Appends one dispatch of `kernel` with `resources` bound in order (binding 0, 1, ...). */
  add(kernel: ComputeKernel, resources: readonly GPUBuffer[]): void {
    if (resources.length !== kernel.bindings.length) {
      throw new Error(`${kernel.label}: ${kernel.bindings.length} bindings declared, ${resources.length} buffers given`);
    }
    const [x, y, z] = kernel.workgroups;
    if (x === 0 || y === 0 || z === 0) return; // nothing to do at this size
    const entryPoint = kernel.entryPoint ?? 'main';
    const key = `${entryPoint}\n${kernel.code}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const module = this.device.createShaderModule({ label: kernel.label, code: kernel.code });
      pipeline = this.device.createComputePipeline({ label: kernel.label, layout: 'auto', compute: { module, entryPoint } });
      this.pipelines.set(key, pipeline);
    }
    const bindGroup = this.device.createBindGroup({
      label: kernel.label,
      layout: pipeline.getBindGroupLayout(0),
      entries: resources.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    this.dispatches.push({ label: kernel.label, pipeline, bindGroup, workgroups: kernel.workgroups });
  }

  /** Appends every dispatch of `other` after this list's own (the other list keeps its buffers). */
  append(other: PassList): void {
    this.dispatches.push(...other.dispatches);
  }

  get length(): number {
    return this.dispatches.length;
  }

  /** Records every dispatch, in order, into one compute pass of `encoder`. */
  encode(encoder: GPUCommandEncoder): void {
    const pass = encoder.beginComputePass();
    let current: GPUComputePipeline | null = null;
    for (const d of this.dispatches) {
      if (d.pipeline !== current) {
        pass.setPipeline(d.pipeline);
        current = d.pipeline;
      }
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
    }
    pass.end();
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    this.owned.length = 0;
    this.dispatches.length = 0;
  }
}

/** Reads `floats` values of a storage buffer back (waits for the GPU). */
export async function readFloats(device: GPUDevice, buffer: GPUBuffer, floats: number, offsetFloats = 0): Promise<Float32Array> {
  const size = Math.ceil((floats * 4) / 4) * 4;
  const staging = device.createBuffer({ size: Math.max(4, size), usage: MAP_READ | COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, offsetFloats * 4, staging, 0, size);
    device.queue.submit([encoder.finish()]);
    await staging.mapAsync(1 /* GPUMapMode.READ */);
    return new Float32Array(staging.getMappedRange().slice(0));
  } finally {
    staging.destroy();
  }
}

/** Writes float values into a storage buffer (queued before the next submit). */
export function writeFloats(device: GPUDevice, buffer: GPUBuffer, values: Float32Array, offsetFloats = 0): void {
  device.queue.writeBuffer(buffer, offsetFloats * 4, values.buffer, values.byteOffset, values.byteLength);
}

/**
 * Runs `build` (which creates pipelines and bind groups) inside a validation error scope and throws Dawn's first
 * message, if any, instead of letting an invalid pipeline fail silently at every later submit.
 */
export async function validated<T>(device: GPUDevice, build: () => T): Promise<T> {
  device.pushErrorScope('validation');
  let result: T;
  try {
    result = build();
  } finally {
    const error = await device.popErrorScope();
    // An invalid pipeline must not be found in the cache by a later build.
    if (error) pipelineCache.delete(device);
    if (error) throw new Error(`WebGPU rejected a recorded kernel: ${error.message}`);
  }
  return result;
}

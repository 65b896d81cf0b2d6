/// <reference types="@webgpu/types" />
// Running ComputeKernels (kernel.ts) on a raw Dawn device from the `webgpu` package, outside TensorFlow.js:
// the device, pipelines with their compilation errors, buffers, one-off dispatches and read-backs. Used by the
// kernel tests and GPU benches; the engine's recorded iteration keeps its own pipelines and bind groups.
import type { ComputeKernel } from '../../../src/engine/webgpu/kernel.js';

// GPUBufferUsage and GPUMapMode values (WebGPU spec), so that callers need not install Dawn's globals.
const COPY_SRC = 0x4;
const COPY_DST = 0x8;
const UNIFORM = 0x40;
const STORAGE = 0x80;

export interface RawDevice {
  /** Dawn's instance: it must outlive the device (when it is garbage-collected first, Dawn crashes or hangs). */
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
}

/** Every instance made here, so that none is collected while its devices are in use. */
const instances: GPU[] = [];

export interface RawDeviceOptions {
  /** Features to request; those the adapter lacks make the call return a reason instead. */
  features?: readonly string[];
  /** Features to request where the adapter has them (see device.features for which it got). */
  optionalFeatures?: readonly string[];
  /** Dawn's instance flags, e.g. 'backend=null' (WGSL validation only: nothing runs) or 'enable-dawn-features=...'. */
  flags?: readonly string[];
  /** Request the adapter's largest maxComputeWorkgroupStorageSize instead of the default 16384 bytes. */
  maxWorkgroupStorage?: boolean;
}

/**
 * A device on Dawn's first adapter with the features asked for, or a sentence saying why there is none (no
 * `webgpu` package, no Vulkan loader, no adapter, a feature missing). allow_unsafe_apis is always enabled: Dawn
 * exposes chromium-experimental-* features only with it.
 */
export async function requestRawDevice(o: RawDeviceOptions = {}): Promise<RawDevice | string> {
  try {
    const dawn = (await import('webgpu' as string)) as { create: (flags: string[]) => GPU };
    const gpu = dawn.create(['enable-dawn-features=allow_unsafe_apis', ...(o.flags ?? [])]);
    instances.push(gpu);
    const adapter = await gpu.requestAdapter();
    if (!adapter) return 'no WebGPU adapter on this machine';
    const missing = (o.features ?? []).filter((f) => !adapter.features.has(f));
    if (missing.length) return `the adapter (${adapterName(adapter)}) lacks ${missing.join(', ')}`;
    const requiredLimits: Record<string, number> = {};
    if (o.maxWorkgroupStorage) requiredLimits.maxComputeWorkgroupStorageSize = adapter.limits.maxComputeWorkgroupStorageSize;
    const features = [...(o.features ?? []), ...(o.optionalFeatures ?? []).filter((f) => adapter.features.has(f))];
    const device = await adapter.requestDevice({ requiredFeatures: features as GPUFeatureName[], requiredLimits });
    return { gpu, adapter, device };
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export function adapterName(adapter: GPUAdapter): string {
  const info = (adapter as unknown as { info?: { vendor?: string; description?: string; architecture?: string } }).info;
  return [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ') || 'unknown adapter';
}

/** The kernel's pipeline; throws with Dawn's messages (shader compilation errors included) when it cannot be made. */
export async function compileKernel(device: GPUDevice, kernel: ComputeKernel): Promise<GPUComputePipeline> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: kernel.label, code: kernel.code });
  const pipeline = device.createComputePipeline({
    label: kernel.label,
    layout: 'auto',
    compute: { module, entryPoint: kernel.entryPoint ?? 'main' },
  });
  const error = await device.popErrorScope();
  if (error) {
    const info = await module.getCompilationInfo();
    const messages = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    throw new Error(`${kernel.label}: ${messages.length ? messages.join('; ') : error.message}`);
  }
  return pipeline;
}

/** A storage buffer holding `data`, or `bytes` zeros; readable back (COPY_SRC) and writable (COPY_DST). */
export function storageBuffer(device: GPUDevice, data: Float32Array | number): GPUBuffer {
  const bytes = typeof data === 'number' ? data : data.byteLength;
  const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 16) * 16), usage: STORAGE | COPY_SRC | COPY_DST });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** A uniform buffer with these values (e.g. the kernels' params of four u32). */
export function uniformBuffer(device: GPUDevice, data: Uint32Array): GPUBuffer {
  const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: UNIFORM | COPY_DST });
  device.queue.writeBuffer(buffer, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** Binding i of group 0 = buffers[i], in the order of kernel.bindings. */
export function bindKernel(device: GPUDevice, pipeline: GPUComputePipeline, buffers: readonly GPUBuffer[]): GPUBindGroup {
  return device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
}

/** Appends one dispatch of the kernel to a compute pass. */
export function encodeKernel(
  pass: GPUComputePassEncoder,
  kernel: ComputeKernel,
  pipeline: GPUComputePipeline,
  bindGroup: GPUBindGroup,
): void {
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...kernel.workgroups);
}

/** The first `count` f32 values of a buffer (waits for the queue): the recorded iteration's reader. */
export { readFloats } from '../../../src/engine/webgpu/pass-list.js';

/** Runs kernels one after another in one command buffer, kernels[i] bound to buffers[i], and waits for the GPU. */
export async function runKernels(
  device: GPUDevice,
  steps: readonly { kernel: ComputeKernel; pipeline: GPUComputePipeline; buffers: readonly GPUBuffer[] }[],
  repeat = 1,
): Promise<void> {
  const groups = steps.map((s) => bindKernel(device, s.pipeline, s.buffers));
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (let r = 0; r < repeat; r++) steps.forEach((s, i) => encodeKernel(pass, s.kernel, s.pipeline, groups[i]!));
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
}

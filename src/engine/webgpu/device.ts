/// <reference types="@webgpu/types" />
// The WebGPU device the engine runs on: TensorFlow.js's webgpu backend and the recorded iteration share one, made
// here rather than by tfjs so that it has the optional features our kernels can use (tfjs asks for none of them).

/**
 * Device features the engine asks for when the adapter has them: 'shader-f16' (half-precision storage and
 * arithmetic in WGSL), 'subgroups', and with STYLEBOT_TENSOR_CORES=1 'chromium-experimental-subgroup-matrix'
 * (Dawn's cooperative matrices: tensor cores on NVIDIA through VK_KHR_cooperative_matrix).
 */
export function wantedFeatures(env: NodeJS.ProcessEnv = process.env): string[] {
  const features = ['timestamp-query', 'shader-f16', 'subgroups'];
  if (tensorCoresRequested(env)) features.push('chromium-experimental-subgroup-matrix');
  return features;
}

/**
 * STYLEBOT_TENSOR_CORES=1 asks Dawn for its experimental subgroup-matrix feature. Dawn offers experimental features
 * only with its allow_unsafe_apis toggle, so this also sets that toggle for the process; off by default until the
 * kernels have been measured on a GPU that has the feature (bench/gpu/README.md).
 */
export function tensorCoresRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.STYLEBOT_TENSOR_CORES === '1';
}

/** The Dawn instance flags for Node's `webgpu` package: the user's STYLEBOT_DAWN_TOGGLES plus what the features need. */
export function dawnFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  const toggles = (env.STYLEBOT_DAWN_TOGGLES ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tensorCoresRequested(env) && !toggles.includes('allow_unsafe_apis')) toggles.push('allow_unsafe_apis');
  return toggles.length > 0 ? [`enable-dawn-features=${toggles.join(',')}`] : [];
}

/**
 * A device on `adapter` with the features of wantedFeatures() that the adapter has, and the adapter's own limits for
 * what large pictures need (tfjs asks for the same limits).
 */
export async function requestEngineDevice(adapter: GPUAdapter, env: NodeJS.ProcessEnv = process.env): Promise<GPUDevice> {
  const requiredFeatures = wantedFeatures(env).filter((f) => adapter.features.has(f)) as GPUFeatureName[];
  const l = adapter.limits;
  return adapter.requestDevice({
    requiredFeatures,
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
}

/** The device of the active tfjs webgpu backend. Throws when webgpu is not the active backend. */
export function activeWebgpuDevice(tfBackend: unknown): GPUDevice {
  const device = (tfBackend as { device?: GPUDevice } | undefined)?.device;
  if (!device || typeof device.createBuffer !== 'function') throw new Error('the active TensorFlow.js backend is not webgpu');
  return device;
}

// Which backend auto-selection will most likely take, found without loading any. The names themselves are
// src/options/backends.ts (re-exported here for the engine's own modules).
import { createRequire } from 'node:module';
import { nvidiaGpuMemoryMb } from './gpu-memory.js';
import { cudaProviderInstalled } from './onnx/session.js';

export { BACKEND_NAMES, EXPLICIT_ONLY_BACKENDS, onnxProviderOf } from '../options/backends.js';

function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * The backend auto-selection will most likely take here, found without loading any (no TensorFlow.js, no GPU
 * context): STYLEBOT_BACKEND when set; a GPU backend whose package is installed where nvidia-smi finds a GPU; else
 * onnxruntime, else wasm. For estimates made before an engine worker has started (serve's chat defaults).
 */
export function expectedBackend(env: NodeJS.ProcessEnv = process.env): string {
  const forced = env.STYLEBOT_BACKEND?.trim().toLowerCase();
  if (forced && forced !== 'auto') return forced;
  const gpu = nvidiaGpuMemoryMb() !== null;
  if (gpu && installed('@tensorflow/tfjs-node-gpu')) return 'tensorflow-gpu';
  if (gpu && cudaProviderInstalled()) return 'onnxruntime-cuda';
  if (installed('@tensorflow/tfjs-node')) return 'tensorflow';
  if (gpu && installed('webgpu')) return 'webgpu';
  return installed('onnxruntime-node') ? 'onnxruntime' : 'wasm';
}

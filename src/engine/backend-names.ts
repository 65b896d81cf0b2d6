// The engine's backends in the order they are tried, in a module of its own: the CLI checks a --backend flag
// against this list without loading TensorFlow.js (about a second) first.
import { createRequire } from 'node:module';
import { nvidiaGpuMemoryMb } from './gpu-memory.js';
import { cudaProviderInstalled } from './onnx/session.js';
import type { BackendName } from './types.js';

/**
 * Every backend name, in the order auto-selection tries them. The onnxruntime ones run the Gatys objective on ONNX
 * Runtime (CPU; CUDA 12 where its provider is installed; WebGPU) with the optimizer on wasm.
 */
export const BACKEND_NAMES: readonly BackendName[] = [
  'tensorflow-gpu',
  'onnxruntime-cuda',
  'tensorflow',
  'webgpu',
  'onnxruntime',
  'wasm',
  'cpu',
  'onnxruntime-webgpu',
];

/** Backends used only when asked for by name: ORT's WebGPU provider is there to be tried and measured. */
export const EXPLICIT_ONLY_BACKENDS: readonly BackendName[] = ['onnxruntime-webgpu'];

/** The ONNX Runtime execution provider behind a backend name, or null for the TensorFlow.js backends. */
export function onnxProviderOf(name: string): 'cpu' | 'cuda' | 'webgpu' | null {
  if (name === 'onnxruntime') return 'cpu';
  if (name === 'onnxruntime-cuda') return 'cuda';
  if (name === 'onnxruntime-webgpu') return 'webgpu';
  return null;
}

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

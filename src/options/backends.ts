// The engine's backend names in the order they are tried. They belong to the options (--backend, STYLEBOT_BACKEND)
// as much as to the engine, so they live here, below both: the CLI checks a --backend flag against this list
// without loading TensorFlow.js (about a second) first.
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

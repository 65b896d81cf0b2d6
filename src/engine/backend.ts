/// <reference types="@webgpu/types" />
// Chooses the fastest backend that loads on this machine.
// Order: tfjs-node-gpu (CUDA), ONNX Runtime with CUDA, tfjs-node (libtensorflow), WebGPU via Dawn, ONNX Runtime on
// the CPU, wasm, cpu. The onnxruntime backends run the Gatys objective (src/engine/onnx/) and keep tfjs on wasm for
// the optimizer and the image work. The native and WebGPU packages are optional dependencies, so each is imported
// dynamically and a failure just moves on to the next one — unless that backend was asked for explicitly.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES, EXPLICIT_ONLY_BACKENDS, onnxProviderOf } from './backend-names.js';
import { cudaProviderInstalled, probeProvider, type OnnxProvider } from './onnx/session.js';
import type { BackendName } from './types.js';
import { setWgslKernels, wgslRequested } from './webgpu-kernels.js';
import { registerLbfgsSolveKernels } from './wgsl/lbfgs-kernels.js';
import { dawnFlags, requestEngineDevice } from './webgpu/device.js';

export { BACKEND_NAMES };

let active: Promise<string> | null = null;
let activeRequest: string | null = null;
/** The ONNX Runtime provider of the active backend; null on a TensorFlow.js backend. */
let activeOnnx: OnnxProvider | null = null;

/** The ONNX Runtime execution provider that runs the objective, or null when TensorFlow.js runs it. */
export function activeOnnxProvider(): OnnxProvider | null {
  return activeOnnx;
}

/** Imports a module by a name that TypeScript should not try to resolve (optional dependencies). */
const importOptional = (name: string): Promise<any> => import(name);

async function tryTensorflow(gpu: boolean): Promise<boolean> {
  await importOptional(gpu ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node');
  return tf.setBackend('tensorflow');
}

/**
 * On Linux, Dawn needs the Vulkan loader; without it Dawn prints a warning on every attempt.
 * Look for the library first so a machine without a GPU falls through quietly.
 */
function vulkanLoaderPresent(): boolean {
  if (process.platform !== 'linux') return true;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib/aarch64-linux-gnu',
    '/usr/lib64',
    '/usr/lib',
    '/usr/local/lib',
    '/lib/x86_64-linux-gnu',
  ];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** A CPU rasteriser posing as a GPU (Mesa lavapipe/llvmpipe, SwiftShader): slower than wasm. */
export function isSoftwareAdapter(
  info: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean } | undefined,
): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter) return true;
  const text = `${info.architecture ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /software|llvmpipe|lavapipe|swiftshader/.test(text);
}

/** Whether the webgpu backend is registered with our device factory (tryWebgpu). */
let engineDeviceRegistered = false;

/**
 * Explicitly asked for, webgpu takes any adapter (lavapipe is useful for checking correctness);
 * chosen automatically, it takes only a real GPU, because a software adapter is slower than wasm.
 */
async function tryWebgpu(explicit: boolean): Promise<boolean> {
  if (!vulkanLoaderPresent()) throw new Error('no Vulkan loader (libvulkan.so.1) found');
  const dawn = await importOptional('webgpu');
  // STYLEBOT_DAWN_TOGGLES: Dawn toggles to switch on, comma-separated (README: disable_robustness and its cost).
  const gpu = dawn.create(dawnFlags());
  // Check for an adapter before loading the backend: without one the backend would fail later and noisily.
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter on this machine');
  if (!explicit && isSoftwareAdapter(adapter.info))
    throw new Error(`the only WebGPU adapter is a software one (${adapter.info?.description ?? 'unknown'})`);
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, dawn.globals);
  // The webgpu backend registers itself at load time only if navigator.gpu exists.
  if (!('navigator' in g) || !(g.navigator as { gpu?: unknown })?.gpu) {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  // A literal specifier, so that a bundle of the engine (bench/gpu) carries the backend with the same tfjs-core.
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // Our own device instead of the one tfjs would make: the same limits, plus the features our kernels can use.
  // Once per process: replacing the backend again would drop every tensor it holds.
  if (!engineDeviceRegistered) {
    tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', async () => {
      const chosen = await gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!chosen) throw new Error('no WebGPU adapter on this machine');
      return new WebGPUBackend(await requestEngineDevice(chosen), chosen.info);
    });
    engineDeviceRegistered = true;
  }
  if (!(await tf.setBackend('webgpu'))) return false;
  // L-BFGS's two small solves: one dispatch each instead of ~5 per stored pair (always on: see lbfgs-history.ts).
  registerLbfgsSolveKernels();
  await setWgslKernels(wgslRequested());
  return true;
}

async function tryWasm(): Promise<boolean> {
  await import('@tensorflow/tfjs-backend-wasm');
  return tf.setBackend('wasm');
}

/**
 * ONNX Runtime with this provider: the provider must be in this onnxruntime-node build (CUDA: its library installed)
 * and run a one-node graph; tfjs takes wasm for the rest.
 */
async function tryOnnx(provider: OnnxProvider): Promise<boolean> {
  if (provider === 'cuda' && !cudaProviderInstalled()) {
    throw new Error(
      'onnxruntime-node was installed without its CUDA provider (npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12)',
    );
  }
  await probeProvider(provider);
  return tryWasm();
}

async function tryBackend(name: BackendName, explicit = false): Promise<boolean> {
  switch (name) {
    case 'onnxruntime':
      return tryOnnx('cpu');
    case 'onnxruntime-cuda':
      return tryOnnx('cuda');
    case 'onnxruntime-webgpu':
      return tryOnnx('webgpu');
    case 'tensorflow-gpu':
      return tryTensorflow(true);
    case 'tensorflow':
      return tryTensorflow(false);
    case 'webgpu':
      return tryWebgpu(explicit);
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tf.setBackend('cpu');
  }
}

function parsePreference(preferred?: BackendName | 'auto'): BackendName | 'auto' {
  const raw = (preferred ?? process.env.STYLEBOT_BACKEND ?? 'auto').trim().toLowerCase();
  if (raw === '' || raw === 'auto') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(raw)) return raw as BackendName;
  throw new Error(`Unknown backend "${raw}". Choose one of: auto, ${BACKEND_NAMES.join(', ')}.`);
}

/** The name initBackend reports: the onnxruntime backend's own, else the tfjs backend's ("tensorflow" for both native ones). */
async function settle(name: BackendName): Promise<string> {
  await tf.ready();
  activeOnnx = onnxProviderOf(name);
  return activeOnnx ? name : tf.getBackend();
}

async function select(choice: BackendName | 'auto'): Promise<string> {
  if (choice !== 'auto') {
    let ok = false;
    let reason = 'it did not initialise';
    try {
      ok = await tryBackend(choice, true);
    } catch (err) {
      reason = err instanceof Error ? err.message : String(err);
    }
    if (!ok) throw new Error(`The ${choice} backend is not available here: ${reason}. Unset STYLEBOT_BACKEND to pick one automatically.`);
    return settle(choice);
  }
  for (const name of BACKEND_NAMES) {
    if (EXPLICIT_ONLY_BACKENDS.includes(name)) continue;
    try {
      if (await tryBackend(name)) return settle(name);
    } catch {
      // Not installed or no device: try the next one.
    }
  }
  throw new Error('No engine backend could be initialised.');
}

/**
 * Initialises the backend once per process (per worker thread) and returns its name: the tfjs backend's
 * (e.g. "wasm", "webgpu", "tensorflow") or "onnxruntime", "onnxruntime-cuda", "onnxruntime-webgpu". Later calls return the same backend; asking for a
 * different one after initialisation switches to it.
 */
export function initBackend(preferred?: BackendName | 'auto'): Promise<string> {
  let choice: BackendName | 'auto';
  try {
    choice = parsePreference(preferred);
  } catch (err) {
    return Promise.reject(err);
  }
  if (active && (choice === 'auto' || choice === activeRequest)) return active;
  activeRequest = choice;
  active = select(choice).catch((err) => {
    active = null;
    activeRequest = null;
    activeOnnx = null;
    throw err;
  });
  return active;
}

// Chooses the fastest TensorFlow.js backend that loads on this machine.
// Order: tfjs-node-gpu (CUDA), tfjs-node (libtensorflow), WebGPU via Dawn, wasm, cpu.
// The native and WebGPU packages are optional dependencies, so each is imported dynamically and a
// failure just moves on to the next one — unless that backend was asked for explicitly.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES } from './backend-names.js';
import type { BackendName } from './types.js';
import { setWgslKernels, wgslRequested } from './webgpu-kernels.js';
import { registerLbfgsSolveKernels } from './wgsl/lbfgs-kernels.js';

export { BACKEND_NAMES };

let active: Promise<string> | null = null;
let activeRequest: string | null = null;

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
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu',
  ];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

/** A CPU rasteriser posing as a GPU (Mesa lavapipe/llvmpipe, SwiftShader): slower than wasm. */
export function isSoftwareAdapter(info: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean } | undefined): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter) return true;
  const text = `${info.architecture ?? ''} ${info.description ?? ''}`.toLowerCase();
  return /software|llvmpipe|lavapipe|swiftshader/.test(text);
}

/**
 * Explicitly asked for, webgpu takes any adapter (lavapipe is useful for checking correctness);
 * chosen automatically, it takes only a real GPU, because a software adapter is slower than wasm.
 */
async function tryWebgpu(explicit: boolean): Promise<boolean> {
  if (!vulkanLoaderPresent()) throw new Error('no Vulkan loader (libvulkan.so.1) found');
  const dawn = await importOptional('webgpu');
  // STYLEBOT_DAWN_TOGGLES: Dawn toggles to switch on, comma-separated (README: disable_robustness and its cost).
  const toggles = process.env.STYLEBOT_DAWN_TOGGLES;
  const gpu = dawn.create(toggles ? [`enable-dawn-features=${toggles}`] : []);
  // Check for an adapter before loading the backend: without one the backend would fail later and noisily.
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter on this machine');
  if (!explicit && isSoftwareAdapter(adapter.info)) throw new Error(`the only WebGPU adapter is a software one (${adapter.info?.description ?? 'unknown'})`);
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, dawn.globals);
  // The webgpu backend registers itself at load time only if navigator.gpu exists.
  if (!('navigator' in g) || !(g.navigator as { gpu?: unknown })?.gpu) {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  }
  // A literal specifier, so that a bundle of the engine (bench/gpu) carries the backend with the same tfjs-core.
  await import('@tensorflow/tfjs-backend-webgpu');
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

async function tryBackend(name: BackendName, explicit = false): Promise<boolean> {
  switch (name) {
    case 'tensorflow-gpu': return tryTensorflow(true);
    case 'tensorflow': return tryTensorflow(false);
    case 'webgpu': return tryWebgpu(explicit);
    case 'wasm': return tryWasm();
    case 'cpu': return tf.setBackend('cpu');
  }
}

function parsePreference(preferred?: BackendName | 'auto'): BackendName | 'auto' {
  const raw = (preferred ?? process.env.STYLEBOT_BACKEND ?? 'auto').trim().toLowerCase();
  if (raw === '' || raw === 'auto') return 'auto';
  if ((BACKEND_NAMES as readonly string[]).includes(raw)) return raw as BackendName;
  throw new Error(`Unknown backend "${raw}". Choose one of: auto, ${BACKEND_NAMES.join(', ')}.`);
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
    await tf.ready();
    return tf.getBackend();
  }
  for (const name of BACKEND_NAMES) {
    try {
      if (await tryBackend(name)) {
        await tf.ready();
        return tf.getBackend();
      }
    } catch {
      // Not installed or no device: try the next one.
    }
  }
  throw new Error('No TensorFlow.js backend could be initialised.');
}

/**
 * Initialises the backend once per process (per worker thread) and returns its tfjs name
 * (e.g. "wasm", "webgpu", "tensorflow"). Later calls return the same backend; asking for a
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
    throw err;
  });
  return active;
}

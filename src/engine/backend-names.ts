// The engine's backends in the order they are tried, in a module of its own: the CLI checks a --backend flag
// against this list without loading TensorFlow.js (about a second) first.
import type { BackendName } from './types.js';

export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

// The engine's public API.
export { stylize, DEFAULT_OPTIONS } from './stylize.js';
export { resolveOptions, checkRequest, LIMITS } from './validate.js';
export { styleDistance, DISTANCE_SIZE } from './distance.js';
export { initBackend, BACKEND_NAMES } from './backend.js';
export { describeEstimate } from './estimate.js';
export { resolveModelDir, loadVggWeights } from './weights.js';
export * from './artists.js';
export type * from './types.js';

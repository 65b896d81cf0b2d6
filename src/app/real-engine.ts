// The engine module workers load by default: the real Gatys engine and its backend selection.
export { stylize } from '../engine/stylize.js';
export { initBackend } from '../engine/backend.js';
export { styleDistance } from '../engine/distance.js';

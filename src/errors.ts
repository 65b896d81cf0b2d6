// Kept so existing imports of src/errors.js work: everything lives in src/errors/.
export * from './errors/index.js';

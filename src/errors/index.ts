// Errors and outcomes: the catalogue (one row per outcome), user errors, the storage-outage classifier, and the one
// boundary where unknown errors get their error id.
export * from './catalogue.js';
export * from './user-error.js';
export * from './storage.js';
export * from './boundary.js';

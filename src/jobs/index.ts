// The job core's public face. It opens no store and loads no engine itself: src/app/compose.ts builds the service.

export { jobServiceOptionsFromEnv, BUILTIN_QUOTA, type JobServiceOptions } from './options.js';
export { StylebotJobService } from './service.js';
export { AdminError, kebabCase } from './admin.js';
export type * from './types.js';

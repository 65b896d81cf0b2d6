// The job core: createJobService() is what the chat side and the CLI use.
import { StylebotJobService } from './service.js';
import type { JobServiceOptions } from './options.js';

export { jobServiceOptionsFromEnv, BUILTIN_QUOTA, type JobServiceOptions } from './options.js';
export { StylebotJobService } from './service.js';
export { AdminError, kebabCase } from './admin.js';
export type * from './types.js';

/**
 * Opens the database in options.dataDir (migrating it) and returns the service. Register listeners with
 * onEvents() before calling start(): start() re-queues and re-runs interrupted jobs and emits their events.
 */
export function createJobService(options: JobServiceOptions): StylebotJobService {
  return new StylebotJobService(options);
}

// The job as everyone above the core sees it: a stored record without what only the core needs (where its inputs
// are, acceptance order, lease and purge bookkeeping).
import type { JobRecord } from './ports.js';
import type { Job } from './types.js';

/** The public view of a job (what listeners and commands see). */
export function publicJob(record: JobRecord): Job {
  const {
    seq: _s,
    styleFiles: _sf,
    contentFile: _cf,
    contentName: _cn,
    cancelledBy: _c,
    filesPurged: _f,
    leaseExpiresAt: _l,
    ...job
  } = record;
  return job;
}

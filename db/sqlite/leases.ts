// Leases on SQLite: a worker's hold on the jobs it paints, their progress and their outcome.
import { type JobProgress, type JobRecord, type JobResultInfo, type Leases, PREVIEW_BLOB } from '../../src/jobs/ports.js';
import type { SqliteConnection } from './connection.js';
import { getJobNow, putBlobNow } from './jobs.js';
import { queueDeliveryNow } from './outbox.js';
import { completeJob } from './sql/complete-job.js';
import { failJob } from './sql/fail-job.js';
import { heartbeat } from './sql/heartbeat.js';
import { leaseJob } from './sql/lease-job.js';
import { releaseLeases } from './sql/release-leases.js';
import { runningOfWorker } from './sql/running-of-worker.js';
import { saveProgress } from './sql/save-progress.js';

export class SqliteLeases implements Leases {
  constructor(private readonly c: SqliteConnection) {}

  leaseJob(id: string, worker: string, now: number, leaseUntil: number): Promise<JobRecord | undefined> {
    return this.c.write(
      this.c.tx(() => (this.c.sql(leaseJob).run({ id, worker, now, leaseUntil }).changes === 1 ? getJobNow(this.c, id) : undefined)),
    );
  }

  heartbeat(id: string, worker: string, leaseUntil: number): Promise<boolean> {
    return this.c.write(() => this.c.sql(heartbeat).run({ id, worker, leaseUntil }).changes === 1);
  }

  saveProgress(id: string, worker: string, progress: JobProgress, preview?: Uint8Array): Promise<boolean> {
    // One try, without waiting: a progress update is worth less than any time the event loop would spend on a lock.
    return this.c.once(
      this.c.tx(() => {
        const ok = this.c.sql(saveProgress).run({ id, worker, progress: JSON.stringify(progress) }).changes === 1;
        if (ok && preview) putBlobNow(this.c, id, PREVIEW_BLOB, preview);
        return ok;
      }),
    );
  }

  completeJob(id: string, worker: string, png: Uint8Array, info: JobResultInfo, gpuMs: number, now: number): Promise<boolean> {
    return this.c.write(
      this.c.tx(() => {
        const changes = this.c.sql(completeJob).run({ id, worker, result: JSON.stringify(info), gpuMs: Math.round(gpuMs), now }).changes;
        if (changes !== 1) return false;
        putBlobNow(this.c, id, 'result.png', png);
        queueDeliveryNow(this.c, id, 'done', now);
        return true;
      }),
    );
  }

  failJob(id: string, error: string, now: number, worker?: string): Promise<boolean> {
    return this.c.write(
      this.c.tx(() => {
        if (this.c.sql(failJob).run({ id, error, now, worker: worker ?? null }).changes !== 1) return false;
        queueDeliveryNow(this.c, id, 'failed', now);
        return true;
      }),
    );
  }

  releaseLeases(worker: string): Promise<string[]> {
    return this.c.write(
      this.c.tx(() => {
        const ids = (this.c.sql(runningOfWorker).all({ worker }) as { id: string }[]).map((r) => r.id);
        this.c.sql(releaseLeases).run({ worker });
        return ids;
      }),
    );
  }
}

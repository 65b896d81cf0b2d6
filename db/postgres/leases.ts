// Leases on PostgreSQL: a worker's hold on the jobs it paints, their progress and their outcome. Every transition is
// one conditional UPDATE, which PostgreSQL applies to the newest row version under a row lock, so of two processes
// racing for the same transition exactly one sees its row come back.
import type pg from 'pg';
import { type JobProgress, type JobRecord, type JobResultInfo, type Leases, PREVIEW_BLOB } from '../../src/jobs/ports.js';
import { jobFromRow, type JobRow } from '../rows.js';
import { changesOf, inTransaction, rowsOf } from './database.js';
import { putBlobOn } from './jobs.js';
import { queueDeliveryOn } from './outbox.js';
import { completeJob } from './sql/complete-job.js';
import { failJob } from './sql/fail-job.js';
import { heartbeat } from './sql/heartbeat.js';
import { leaseJob } from './sql/lease-job.js';
import { leaseNext } from './sql/lease-next.js';
import { releaseLeases } from './sql/release-leases.js';
import { saveProgress } from './sql/save-progress.js';

export class PostgresLeases implements Leases {
  constructor(private readonly pool: pg.Pool) {}

  async leaseJob(id: string, worker: string, now: number, leaseUntil: number): Promise<JobRecord | undefined> {
    const [row] = await rowsOf<JobRow>(this.pool, leaseJob, [id, worker, now, leaseUntil]);
    return row ? jobFromRow(row) : undefined;
  }

  /**
   * Leases the job the fair-share order puts first (admins first, then the user with less engine time since
   * `usageSince`, then first come), in one statement: the queued row is locked with SKIP LOCKED, so workers
   * leasing at the same moment get different jobs instead of queueing on the same row. Undefined when none waits.
   */
  async leaseNext(worker: string, now: number, leaseUntil: number, usageSince: number): Promise<JobRecord | undefined> {
    const [row] = await rowsOf<JobRow>(this.pool, leaseNext, [worker, now, leaseUntil, usageSince]);
    return row ? jobFromRow(row) : undefined;
  }

  async heartbeat(id: string, worker: string, leaseUntil: number): Promise<boolean> {
    return (await changesOf(this.pool, heartbeat, [id, worker, leaseUntil])) === 1;
  }

  async saveProgress(id: string, worker: string, progress: JobProgress, preview?: Uint8Array): Promise<boolean> {
    const args = [id, worker, JSON.stringify(progress)];
    if (!preview) return (await changesOf(this.pool, saveProgress, args)) === 1;
    return inTransaction(this.pool, async (db) => {
      if ((await changesOf(db, saveProgress, args)) !== 1) return false;
      await putBlobOn(db, id, PREVIEW_BLOB, preview);
      return true;
    });
  }

  completeJob(id: string, worker: string, png: Uint8Array, info: JobResultInfo, gpuMs: number, now: number): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const [row] = await rowsOf<{ platform: string }>(db, completeJob, [id, worker, JSON.stringify(info), Math.round(gpuMs), now]);
      if (!row) return false;
      await putBlobOn(db, id, 'result.png', png);
      await queueDeliveryOn(db, id, row.platform, 'done', now);
      return true;
    });
  }

  failJob(id: string, error: string, now: number, worker?: string): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const [row] = await rowsOf<{ platform: string }>(db, failJob, [id, error, now, worker ?? null]);
      if (!row) return false;
      await queueDeliveryOn(db, id, row.platform, 'failed', now);
      return true;
    });
  }

  async releaseLeases(worker: string): Promise<string[]> {
    const rows = await rowsOf<{ id: string; seq: number }>(this.pool, releaseLeases, [worker]);
    return rows.sort((a, b) => a.seq - b.seq).map((r) => r.id);
  }
}

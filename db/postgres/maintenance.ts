// Maintenance on PostgreSQL: expired leases requeued or failed (rows locked with SKIP LOCKED, so two maintenance
// passes take different rows), and retention's purge of finished jobs' blobs.
import type pg from 'pg';
import type { JobRecord, LeaseRecovery, Maintenance } from '../../src/jobs/ports.js';
import { jobFromRow, type JobRow } from '../rows.js';
import { changesOf, inTransaction, rowsOf } from './database.js';
import { queueDeliveryOn } from './outbox.js';
import { deleteBlobs } from './sql/delete-blobs.js';
import { expiredLeases } from './sql/expired-leases.js';
import { failExpired } from './sql/fail-expired.js';
import { markPurged } from './sql/mark-purged.js';
import { purgeCandidates } from './sql/purge-candidates.js';
import { requeueExpired } from './sql/requeue-expired.js';

export class PostgresMaintenance implements Maintenance {
  constructor(private readonly pool: pg.Pool) {}

  recoverExpiredLeases(now: number, maxAttempts: number, failMessage: (attempts: number) => string): Promise<LeaseRecovery> {
    return inTransaction(this.pool, async (db) => {
      const expired = await rowsOf<JobRow>(db, expiredLeases, [now]);
      const recovery: LeaseRecovery = { requeued: [], failed: [] };
      for (const job of expired) {
        if (job.attempts >= maxAttempts) {
          const [row] = await rowsOf<JobRow>(db, failExpired, [job.id, failMessage(job.attempts), now]);
          await queueDeliveryOn(db, job.id, job.platform, 'failed', now);
          recovery.failed.push(jobFromRow(row!));
        } else {
          const [row] = await rowsOf<JobRow>(db, requeueExpired, [job.id]);
          recovery.requeued.push(jobFromRow(row!));
        }
      }
      return recovery;
    });
  }

  async purgeCandidates(before: number): Promise<JobRecord[]> {
    return (await rowsOf<JobRow>(this.pool, purgeCandidates, [before])).map(jobFromRow);
  }

  async purgeJob(id: string): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      await changesOf(db, deleteBlobs, [id]);
      await changesOf(db, markPurged, [id]);
    });
  }
}

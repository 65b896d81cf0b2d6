// Maintenance on SQLite: expired leases requeued or failed, and retention's purge of finished jobs' blobs.
import { rmSync } from 'node:fs';
import type { JobRecord, LeaseRecovery, Maintenance } from '../../src/jobs/ports.js';
import type { SqliteConnection } from './connection.js';
import { getJobNow } from './jobs.js';
import { legacyPath } from './legacy-files.js';
import { queueDeliveryNow } from './outbox.js';
import { jobFromSqliteRow, type SqliteJobRow } from './rows.js';
import { deleteBlobs } from './sql/delete-blobs.js';
import { expiredLeases } from './sql/expired-leases.js';
import { failExpired } from './sql/fail-expired.js';
import { markPurged } from './sql/mark-purged.js';
import { purgeCandidates } from './sql/purge-candidates.js';
import { requeueExpired } from './sql/requeue-expired.js';

export class SqliteMaintenance implements Maintenance {
  constructor(
    private readonly c: SqliteConnection,
    private readonly legacyFilesDir?: string,
  ) {}

  recoverExpiredLeases(now: number, maxAttempts: number, failMessage: (attempts: number) => string): Promise<LeaseRecovery> {
    return this.c.write(
      this.c.tx(() => {
        const expired = (this.c.sql(expiredLeases).all({ now }) as SqliteJobRow[]).map(jobFromSqliteRow);
        const recovery: LeaseRecovery = { requeued: [], failed: [] };
        for (const job of expired) {
          if (job.attempts >= maxAttempts) {
            this.c.sql(failExpired).run({ id: job.id, error: failMessage(job.attempts), now });
            queueDeliveryNow(this.c, job.id, 'failed', now);
            recovery.failed.push(getJobNow(this.c, job.id)!);
          } else {
            this.c.sql(requeueExpired).run({ id: job.id });
            recovery.requeued.push(getJobNow(this.c, job.id)!);
          }
        }
        return recovery;
      }),
    );
  }

  purgeCandidates(before: number): Promise<JobRecord[]> {
    return this.c.read(() => (this.c.sql(purgeCandidates).all({ before }) as SqliteJobRow[]).map(jobFromSqliteRow));
  }

  async purgeJob(id: string): Promise<void> {
    await this.c.write(
      this.c.tx(() => {
        this.c.sql(deleteBlobs).run({ jobId: id });
        this.c.sql(markPurged).run({ id });
      }),
    );
    const legacy = legacyPath(this.legacyFilesDir, id);
    if (legacy) rmSync(legacy, { recursive: true, force: true });
  }
}

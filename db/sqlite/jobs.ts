// Jobs on SQLite: admission with its blobs in one transaction, reads, the scheduler's view of the queue, cancel.
import { existsSync, readFileSync } from 'node:fs';
import {
  type AdmissionResult,
  type AdmissionSnapshot,
  type JobBlob,
  type JobListFilter,
  type JobRecord,
  type JobRepository,
  type JobState,
  type NewJob,
  type QueuedJob,
  userKeyString,
} from '../../src/jobs/ports.js';
import type { SqliteConnection } from './connection.js';
import { legacyPath } from './legacy-files.js';
import { queueDeliveryNow } from './outbox.js';
import { admissionSnapshotNow } from './quotas.js';
import { blobOf, bytesOf, jobFromSqliteRow, type SqliteJobRow } from './rows.js';
import { cancelJob } from './sql/cancel-job.js';
import { gpuMsByUser } from './sql/gpu-ms-by-user.js';
import { insertJob } from './sql/insert-job.js';
import { jobsInState } from './sql/jobs-in-state.js';
import { listJobs } from './sql/list-jobs.js';
import { listJobsInState } from './sql/list-jobs-in-state.js';
import { putBlob } from './sql/put-blob.js';
import { queuedJobs } from './sql/queued-jobs.js';
import { selectBlob } from './sql/select-blob.js';
import { selectJob } from './sql/select-job.js';

/** Stores (or replaces) one blob of a job, inside the caller's transaction. */
export function putBlobNow(c: SqliteConnection, jobId: string, name: string, bytes: Uint8Array): void {
  c.sql(putBlob).run({ jobId, name, bytes: blobOf(bytes) });
}

/** One job, read inside the caller's transaction. */
export function getJobNow(c: SqliteConnection, id: string): JobRecord | undefined {
  const row = c.sql(selectJob).get({ id }) as SqliteJobRow | undefined;
  return row ? jobFromSqliteRow(row) : undefined;
}

export class SqliteJobs implements JobRepository {
  /** `legacyFilesDir`: where versions before blobs kept job pictures (legacy-files.ts). */
  constructor(
    private readonly c: SqliteConnection,
    private readonly legacyFilesDir?: string,
  ) {}

  admitJob(job: NewJob, blobs: JobBlob[], since: number, decide: (s: AdmissionSnapshot) => string | null): Promise<AdmissionResult> {
    return this.c.write(
      this.c.tx((): AdmissionResult => {
        const refusal = decide(admissionSnapshotNow(this.c, job, since));
        if (refusal !== null) return { ok: false, refusal };
        this.c.sql(insertJob).run({
          id: job.id,
          platform: job.platform,
          workspaceId: job.workspaceId,
          userId: job.userId,
          userName: job.userName ?? null,
          reply: JSON.stringify(job.reply),
          priority: job.priority,
          options: JSON.stringify(job.options),
          styleNames: JSON.stringify(job.styleNames),
          styleFiles: JSON.stringify(job.styleFiles),
          contentFile: job.contentFile ?? null,
          contentName: job.contentName ?? null,
          artist: job.artist ?? null,
          artwork: job.artwork ?? null,
          parentId: job.parentId ?? null,
          createdAt: job.createdAt,
        });
        for (const blob of blobs) putBlobNow(this.c, job.id, blob.name, blob.bytes);
        return { ok: true, job: getJobNow(this.c, job.id)! };
      }),
    );
  }

  getJob(id: string): Promise<JobRecord | undefined> {
    return this.c.read(() => getJobNow(this.c, id));
  }

  listJobs(filter: JobListFilter = {}): Promise<JobRecord[]> {
    const params = {
      state: filter.state || null,
      userId: filter.userId || null,
      platform: filter.platform || null,
      workspaceId: filter.workspaceId || null,
      limit: filter.limit ?? 1000,
    };
    const { state, ...others } = params;
    const rows = () => (state === null ? this.c.sql(listJobs).all(others) : this.c.sql(listJobsInState).all(params)) as SqliteJobRow[];
    return this.c.read(() => rows().map(jobFromSqliteRow));
  }

  jobsInState(state: JobState): Promise<JobRecord[]> {
    return this.c.read(() => (this.c.sql(jobsInState).all({ state }) as SqliteJobRow[]).map(jobFromSqliteRow));
  }

  async getBlob(jobId: string, name: string): Promise<Uint8Array | undefined> {
    const row = await this.c.read(() => this.c.sql(selectBlob).get({ jobId, name }) as { bytes: Buffer } | undefined);
    if (row) return bytesOf(row.bytes);
    const legacy = legacyPath(this.legacyFilesDir, jobId, name);
    return legacy && existsSync(legacy) ? new Uint8Array(readFileSync(legacy)) : undefined;
  }

  queuedJobs(): Promise<QueuedJob[]> {
    type Row = { id: string; seq: number; priority: number; platform: string; workspace_id: string; user_id: string };
    return this.c.read(() =>
      (this.c.sql(queuedJobs).all() as Row[]).map((r) => ({
        id: r.id,
        seq: r.seq,
        priority: r.priority,
        platform: r.platform,
        workspaceId: r.workspace_id,
        userId: r.user_id,
      })),
    );
  }

  gpuMsByUserSince(since: number): Promise<Map<string, number>> {
    return this.c.read(() => {
      const rows = this.c.sql(gpuMsByUser).all({ since }) as { platform: string; workspace_id: string; user_id: string; ms: number }[];
      return new Map(rows.map((r) => [userKeyString({ platform: r.platform, workspaceId: r.workspace_id, userId: r.user_id }), r.ms]));
    });
  }

  cancelJob(id: string, by: string, now: number): Promise<boolean> {
    return this.c.write(
      this.c.tx(() => {
        if (this.c.sql(cancelJob).run({ id, by, now }).changes !== 1) return false;
        queueDeliveryNow(this.c, id, 'cancelled', now);
        return true;
      }),
    );
  }
}

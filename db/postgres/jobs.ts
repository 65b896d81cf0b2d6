// Jobs on PostgreSQL: admission with its blobs in one transaction (under a per-user advisory lock, so the quota it
// reads cannot change before its insert commits), reads, the scheduler's view of the queue, cancel.
import type pg from 'pg';
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
import { jobFromRow, type JobRow } from '../rows.js';
import { changesOf, inTransaction, type Queryable, rowsOf } from './database.js';
import { queueDeliveryOn } from './outbox.js';
import { admissionSnapshotOn, userArgs } from './quotas.js';
import { bufferOf, bytesOf } from './rows.js';
import { admissionLock } from './sql/admission-lock.js';
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

/** Advisory-lock class of admissions (second key: hash of the user), distinct from the migration lock. */
const ADMISSION_LOCK_CLASS = 0x61646d;

/** Stores (or replaces) one blob of a job. */
export async function putBlobOn(db: Queryable, jobId: string, name: string, bytes: Uint8Array): Promise<void> {
  await changesOf(db, putBlob, [jobId, name, bufferOf(bytes)]);
}

export class PostgresJobs implements JobRepository {
  constructor(private readonly pool: pg.Pool) {}

  admitJob(job: NewJob, blobs: JobBlob[], since: number, decide: (snapshot: AdmissionSnapshot) => string | null): Promise<AdmissionResult> {
    return inTransaction(this.pool, async (db) => {
      // Two fronts admitting for the same user queue here; the second then counts the first's job.
      await rowsOf(db, admissionLock, [ADMISSION_LOCK_CLASS, JSON.stringify(userArgs(job))]);
      const refusal = decide(await admissionSnapshotOn(db, job, since));
      if (refusal !== null) return { ok: false, refusal };
      const [row] = await rowsOf<JobRow>(db, insertJob, [
        job.id,
        job.platform,
        job.workspaceId,
        job.userId,
        job.userName ?? null,
        JSON.stringify(job.reply),
        job.priority,
        JSON.stringify(job.options),
        JSON.stringify(job.styleNames),
        JSON.stringify(job.styleFiles),
        job.contentFile ?? null,
        job.contentName ?? null,
        job.artist ?? null,
        job.artwork ?? null,
        job.parentId ?? null,
        job.createdAt,
      ]);
      for (const blob of blobs) await putBlobOn(db, job.id, blob.name, blob.bytes);
      return { ok: true, job: jobFromRow(row!) };
    });
  }

  async getJob(id: string): Promise<JobRecord | undefined> {
    const [row] = await rowsOf<JobRow>(this.pool, selectJob, [id]);
    return row ? jobFromRow(row) : undefined;
  }

  async listJobs(filter: JobListFilter = {}): Promise<JobRecord[]> {
    const others = [filter.userId ?? null, filter.platform ?? null, filter.workspaceId ?? null, filter.limit ?? 1000];
    const rows =
      filter.state === undefined
        ? await rowsOf<JobRow>(this.pool, listJobs, others)
        : await rowsOf<JobRow>(this.pool, listJobsInState, [filter.state, ...others]);
    return rows.map(jobFromRow);
  }

  async jobsInState(state: JobState): Promise<JobRecord[]> {
    return (await rowsOf<JobRow>(this.pool, jobsInState, [state])).map(jobFromRow);
  }

  async getBlob(jobId: string, name: string): Promise<Uint8Array | undefined> {
    const [row] = await rowsOf<{ bytes: Buffer }>(this.pool, selectBlob, [jobId, name]);
    return row ? bytesOf(row.bytes) : undefined;
  }

  async queuedJobs(): Promise<QueuedJob[]> {
    type Row = { id: string; seq: number; priority: number; platform: string; workspace_id: string; user_id: string };
    const rows = await rowsOf<Row>(this.pool, queuedJobs);
    return rows.map((r) => ({
      id: r.id,
      seq: r.seq,
      priority: r.priority,
      platform: r.platform,
      workspaceId: r.workspace_id,
      userId: r.user_id,
    }));
  }

  async gpuMsByUserSince(since: number): Promise<Map<string, number>> {
    const rows = await rowsOf<{ platform: string; workspace_id: string; user_id: string; ms: number }>(this.pool, gpuMsByUser, [since]);
    return new Map(rows.map((r) => [userKeyString({ platform: r.platform, workspaceId: r.workspace_id, userId: r.user_id }), r.ms]));
  }

  cancelJob(id: string, by: string, now: number): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const [row] = await rowsOf<{ platform: string }>(db, cancelJob, [id, by, now]);
      if (!row) return false;
      await queueDeliveryOn(db, id, row.platform, 'cancelled', now);
      return true;
    });
  }
}

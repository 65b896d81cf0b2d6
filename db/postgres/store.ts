// The job core's Store on PostgreSQL, shared by every front and worker process of a deployment.
//
// Concurrency, in short: every state change is one conditional UPDATE (`WHERE state = ... AND worker = ...`), which
// PostgreSQL applies to the newest row version under a row lock, so of two processes racing for the same transition
// exactly one sees its row come back. Admission takes a per-user advisory lock so the quota it reads cannot change
// before its insert commits. Claims (next job, outbox deliveries, expired leases) use FOR UPDATE SKIP LOCKED, so
// processes claiming at once take different rows instead of waiting for each other.
import type pg from 'pg';
import type {
  AdmissionResult,
  ApiTokens,
  AdmissionSnapshot,
  AuditEntry,
  Delivery,
  DeliveryKind,
  JobBlob,
  JobListFilter,
  JobRecord,
  LeaseRecovery,
  NewJob,
  QueuedJob,
  Store,
  UsageStatsRows,
  UserKey,
  UserSettings,
} from '../../src/jobs/ports.js';
import { PREVIEW_BLOB, QUOTA_FIELDS, userKeyString } from '../../src/jobs/ports.js';
import type { JobProgress, JobResultInfo, JobState, Platform, Quota, Role } from '../../src/jobs/types.js';
import { ChangeFeed, type ChangeHandlers } from './changes.js';
import { applyPostgresMigrations, createPool, inTransaction, type PostgresOptions } from './database.js';
import { AUDIT_INSERT_COLUMNS, auditFromRow, auditInsertValues, deliveryFromRow, jobFromRow, QUOTA_COLUMN, quotaFromRow, type AuditRow, type DeliveryRow, type JobRow } from '../rows.js';
import { bufferOf, bytesOf } from './rows.js';
import { PostgresApiTokens } from './tokens.js';

type Queryable = pg.Pool | pg.PoolClient;

/** Advisory-lock class of admissions (second key: hash of the user), distinct from the migration lock. */
const ADMISSION_LOCK_CLASS = 0x61646d;

const USER_WHERE = 'platform = $1 AND workspace_id = $2 AND user_id = $3';
const userArgs = (u: UserKey) => [u.platform, u.workspaceId, u.userId];

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  readonly apiTokens: ApiTokens;

  private constructor(
    readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    private readonly options?: PostgresOptions,
  ) {
    this.apiTokens = new PostgresApiTokens(pool);
  }

  /**
   * Connects, applies pending migrations (db/postgres/migrations) and returns the store. Rejects with the server's
   * message when the database cannot be reached or a migration fails.
   */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const pool = createPool(options);
    try {
      await applyPostgresMigrations(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(pool, true, options);
  }

  /** A store on a pool the caller owns and has migrated (close() leaves it open; watch() needs `options`). */
  static onPool(pool: pg.Pool, options?: PostgresOptions): PostgresStore {
    return new PostgresStore(pool, false, options);
  }

  /**
   * Listens for changes made by any process on this database (job state, progress, lease holder; deliveries
   * queued), on a connection of its own. Close the returned feed when done. Rejects when it cannot connect.
   */
  watch(handlers: ChangeHandlers, log?: (message: string) => void): Promise<ChangeFeed> {
    if (!this.options) return Promise.reject(new Error('watch() needs the connection options (PostgresStore.open)'));
    return ChangeFeed.listen(this.options, handlers, log);
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, args: unknown[] = [], db: Queryable = this.pool): Promise<R[]> {
    return (await db.query<R>(sql, args)).rows;
  }

  // ---- intake -------------------------------------------------------------------------------------------------

  async admitJob(
    job: NewJob,
    blobs: JobBlob[],
    since: number,
    decide: (snapshot: AdmissionSnapshot) => string | null,
  ): Promise<AdmissionResult> {
    return inTransaction(this.pool, async (db) => {
      // Two fronts admitting for the same user queue here; the second then counts the first's job.
      await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ADMISSION_LOCK_CLASS, JSON.stringify(userArgs(job))]);
      const snapshot = await this.snapshot(db, job, since);
      const refusal = decide(snapshot);
      if (refusal !== null) return { ok: false, refusal };
      const [row] = await this.rows<JobRow>(
        `INSERT INTO jobs (id, platform, workspace_id, user_id, user_name, reply, state, priority, options, style_names,
           style_files, content_file, content_name, artist, artwork, parent_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         RETURNING *`,
        [
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
        ],
        db,
      );
      for (const blob of blobs) await this.putBlob(db, job.id, blob.name, blob.bytes);
      return { ok: true, job: jobFromRow(row!) };
    });
  }

  private async snapshot(db: Queryable, user: UserKey, since: number): Promise<AdmissionSnapshot> {
    const [counts] = await this.rows<{ jobs_today: number; gpu_ms_today: number; queued_now: number }>(
      `SELECT
         COUNT(*) FILTER (WHERE created_at >= $4 AND state IN ('queued', 'running', 'done'))::bigint AS jobs_today,
         COALESCE(SUM(gpu_ms) FILTER (WHERE state = 'done' AND finished_at >= $4), 0)::bigint AS gpu_ms_today,
         COUNT(*) FILTER (WHERE state = 'queued')::bigint AS queued_now
       FROM jobs WHERE ${USER_WHERE}`,
      [...userArgs(user), since],
      db,
    );
    return {
      workspaceDefaults: await this.workspaceDefaultsOn(db, user.platform, user.workspaceId),
      user: await this.userSettingsOn(db, user),
      jobsToday: counts!.jobs_today,
      gpuMsToday: counts!.gpu_ms_today,
      queuedNow: counts!.queued_now,
    };
  }

  private async putBlob(db: Queryable, jobId: string, name: string, bytes: Uint8Array): Promise<void> {
    await db.query(
      `INSERT INTO job_blobs (job_id, name, bytes) VALUES ($1, $2, $3)
       ON CONFLICT (job_id, name) DO UPDATE SET bytes = EXCLUDED.bytes`,
      [jobId, name, bufferOf(bytes)],
    );
  }

  // ---- reading jobs -------------------------------------------------------------------------------------------

  async getJob(id: string): Promise<JobRecord | undefined> {
    const [row] = await this.rows<JobRow>('SELECT * FROM jobs WHERE id = $1', [id]);
    return row ? jobFromRow(row) : undefined;
  }

  async listJobs(filter: JobListFilter = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (column: string, value: string | undefined) => {
      if (value === undefined) return;
      args.push(value);
      where.push(`${column} = $${args.length}`);
    };
    add('state', filter.state);
    add('user_id', filter.userId);
    add('platform', filter.platform);
    add('workspace_id', filter.workspaceId);
    args.push(filter.limit ?? 1000);
    const rows = await this.rows<JobRow>(
      `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT $${args.length}`,
      args,
    );
    return rows.map(jobFromRow);
  }

  async jobsInState(state: JobState): Promise<JobRecord[]> {
    return (await this.rows<JobRow>('SELECT * FROM jobs WHERE state = $1 ORDER BY seq', [state])).map(jobFromRow);
  }

  async getBlob(jobId: string, name: string): Promise<Uint8Array | undefined> {
    const [row] = await this.rows<{ bytes: Buffer }>('SELECT bytes FROM job_blobs WHERE job_id = $1 AND name = $2', [jobId, name]);
    return row ? bytesOf(row.bytes) : undefined;
  }

  // ---- scheduler ----------------------------------------------------------------------------------------------

  async queuedJobs(): Promise<QueuedJob[]> {
    const rows = await this.rows<{ id: string; seq: number; priority: number; platform: string; workspace_id: string; user_id: string }>(
      `SELECT id, seq, priority, platform, workspace_id, user_id FROM jobs WHERE state = 'queued' ORDER BY seq`,
    );
    return rows.map((r) => ({ id: r.id, seq: r.seq, priority: r.priority, platform: r.platform, workspaceId: r.workspace_id, userId: r.user_id }));
  }

  async gpuMsByUserSince(since: number): Promise<Map<string, number>> {
    const rows = await this.rows<{ platform: string; workspace_id: string; user_id: string; ms: number }>(
      `SELECT platform, workspace_id, user_id, SUM(gpu_ms)::bigint AS ms FROM jobs
       WHERE state = 'done' AND finished_at >= $1 GROUP BY platform, workspace_id, user_id`,
      [since],
    );
    return new Map(rows.map((r) => [userKeyString({ platform: r.platform, workspaceId: r.workspace_id, userId: r.user_id }), r.ms]));
  }

  // ---- leases -------------------------------------------------------------------------------------------------

  async leaseJob(id: string, worker: string, now: number, leaseUntil: number): Promise<JobRecord | undefined> {
    const [row] = await this.rows<JobRow>(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $2, started_at = $3, lease_expires_at = $4,
         progress = NULL, error = NULL
       WHERE id = $1 AND state = 'queued' RETURNING *`,
      [id, worker, now, leaseUntil],
    );
    return row ? jobFromRow(row) : undefined;
  }

  /**
   * Leases the job the fair-share order puts first (admins first, then the user with less engine time since
   * `usageSince`, then first come), in one statement: the queued row is locked with SKIP LOCKED, so workers
   * leasing at the same moment get different jobs instead of queueing on the same row. Undefined when none waits.
   */
  async leaseNext(worker: string, now: number, leaseUntil: number, usageSince: number): Promise<JobRecord | undefined> {
    const [row] = await this.rows<JobRow>(
      `WITH used AS (
         SELECT platform, workspace_id, user_id, SUM(gpu_ms) AS ms FROM jobs
         WHERE state = 'done' AND finished_at >= $4 GROUP BY platform, workspace_id, user_id),
       next AS (
         SELECT j.id FROM jobs j LEFT JOIN used u USING (platform, workspace_id, user_id)
         WHERE j.state = 'queued'
         ORDER BY j.priority DESC, COALESCE(u.ms, 0), j.seq
         LIMIT 1 FOR UPDATE OF j SKIP LOCKED)
       UPDATE jobs SET state = 'running', attempts = attempts + 1, worker = $1, started_at = $2, lease_expires_at = $3,
         progress = NULL, error = NULL
       FROM next WHERE jobs.id = next.id AND jobs.state = 'queued'
       RETURNING jobs.*`,
      [worker, now, leaseUntil, usageSince],
    );
    return row ? jobFromRow(row) : undefined;
  }

  async heartbeat(id: string, worker: string, leaseUntil: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE jobs SET lease_expires_at = $3 WHERE id = $1 AND worker = $2 AND state = 'running'`,
      [id, worker, leaseUntil],
    );
    return result.rowCount === 1;
  }

  async saveProgress(id: string, worker: string, progress: JobProgress, preview?: Uint8Array): Promise<boolean> {
    if (!preview) {
      const result = await this.pool.query(
        `UPDATE jobs SET progress = $3 WHERE id = $1 AND worker = $2 AND state = 'running'`,
        [id, worker, JSON.stringify(progress)],
      );
      return result.rowCount === 1;
    }
    return inTransaction(this.pool, async (db) => {
      const result = await db.query(
        `UPDATE jobs SET progress = $3 WHERE id = $1 AND worker = $2 AND state = 'running'`,
        [id, worker, JSON.stringify(progress)],
      );
      if (result.rowCount !== 1) return false;
      await this.putBlob(db, id, PREVIEW_BLOB, preview);
      return true;
    });
  }

  async completeJob(id: string, worker: string, png: Uint8Array, info: JobResultInfo, gpuMs: number, now: number): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const [row] = await this.rows<{ platform: string }>(
        `UPDATE jobs SET state = 'done', result = $3, gpu_ms = $4, finished_at = $5, lease_expires_at = NULL
         WHERE id = $1 AND worker = $2 AND state = 'running' RETURNING platform`,
        [id, worker, JSON.stringify(info), Math.round(gpuMs), now],
        db,
      );
      if (!row) return false;
      await this.putBlob(db, id, 'result.png', png);
      await this.queueDelivery(db, id, row.platform, 'done', now);
      return true;
    });
  }

  async failJob(id: string, error: string, now: number, worker?: string): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const [row] = await this.rows<{ platform: string }>(
        `UPDATE jobs SET state = 'failed', error = $2, finished_at = $3, lease_expires_at = NULL
         WHERE id = $1 AND state IN ('queued', 'running') AND ($4::text IS NULL OR (worker = $4 AND state = 'running'))
         RETURNING platform`,
        [id, error, now, worker ?? null],
        db,
      );
      if (!row) return false;
      await this.queueDelivery(db, id, row.platform, 'failed', now);
      return true;
    });
  }

  async cancelJob(id: string, by: string, now: number): Promise<boolean> {
    return inTransaction(this.pool, async (db) => {
      const [row] = await this.rows<{ platform: string }>(
        `UPDATE jobs SET state = 'cancelled', cancelled_by = $2, finished_at = $3, lease_expires_at = NULL
         WHERE id = $1 AND state IN ('queued', 'running') RETURNING platform`,
        [id, by, now],
        db,
      );
      if (!row) return false;
      await this.queueDelivery(db, id, row.platform, 'cancelled', now);
      return true;
    });
  }

  async releaseLeases(worker: string): Promise<string[]> {
    const rows = await this.rows<{ id: string; seq: number }>(
      `UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL
       WHERE worker = $1 AND state = 'running' RETURNING id, seq`,
      [worker],
    );
    return rows.sort((a, b) => a.seq - b.seq).map((r) => r.id);
  }

  private async queueDelivery(db: Queryable, jobId: string, platform: string, kind: DeliveryKind, now: number): Promise<void> {
    await db.query(
      `INSERT INTO outbox (job_id, platform, kind, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (job_id) DO NOTHING`,
      [jobId, platform, kind, now],
    );
  }

  // ---- maintenance --------------------------------------------------------------------------------------------

  async recoverExpiredLeases(now: number, maxAttempts: number, failMessage: (attempts: number) => string): Promise<LeaseRecovery> {
    return inTransaction(this.pool, async (db) => {
      // Rows a worker is heart-beating right now are locked by it and skipped: their leases are being renewed.
      const expired = await this.rows<JobRow>(
        `SELECT * FROM jobs WHERE state = 'running' AND lease_expires_at < $1 ORDER BY seq FOR UPDATE SKIP LOCKED`,
        [now],
        db,
      );
      const recovery: LeaseRecovery = { requeued: [], failed: [] };
      for (const job of expired) {
        if (job.attempts >= maxAttempts) {
          const [row] = await this.rows<JobRow>(
            `UPDATE jobs SET state = 'failed', error = $2, finished_at = $3, lease_expires_at = NULL WHERE id = $1 RETURNING *`,
            [job.id, failMessage(job.attempts), now],
            db,
          );
          await this.queueDelivery(db, job.id, job.platform, 'failed', now);
          recovery.failed.push(jobFromRow(row!));
        } else {
          const [row] = await this.rows<JobRow>(
            `UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL WHERE id = $1 RETURNING *`,
            [job.id],
            db,
          );
          recovery.requeued.push(jobFromRow(row!));
        }
      }
      return recovery;
    });
  }

  async purgeCandidates(before: number): Promise<JobRecord[]> {
    const rows = await this.rows<JobRow>(
      `SELECT * FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND NOT files_purged AND finished_at < $1 ORDER BY seq`,
      [before],
    );
    return rows.map(jobFromRow);
  }

  async purgeJob(id: string): Promise<void> {
    await inTransaction(this.pool, async (db) => {
      await db.query('DELETE FROM job_blobs WHERE job_id = $1', [id]);
      await db.query('UPDATE jobs SET files_purged = TRUE, result_path = NULL WHERE id = $1', [id]);
    });
  }

  // ---- outbox -------------------------------------------------------------------------------------------------

  async claimDeliveries(platforms: string[], front: string, now: number, claimUntil: number, limit: number): Promise<Delivery[]> {
    if (!platforms.length || limit <= 0) return [];
    const rows = await this.rows<DeliveryRow>(
      `UPDATE outbox SET claimed_by = $2, claimed_until = $4
       WHERE id IN (
         SELECT id FROM outbox
         WHERE state = 'undelivered' AND platform = ANY($1) AND next_attempt_at <= $3
           AND (claimed_until IS NULL OR claimed_until <= $3)
         ORDER BY id LIMIT $5 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [platforms, front, now, claimUntil, limit],
    );
    return rows.map(deliveryFromRow).sort((a, b) => a.id - b.id);
  }

  async markDelivered(id: number, front: string, now: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE outbox SET state = 'delivered', delivered_at = $3, claimed_by = NULL, claimed_until = NULL
       WHERE id = $1 AND claimed_by = $2 AND state = 'undelivered'`,
      [id, front, now],
    );
    return result.rowCount === 1;
  }

  async deliveryFailed(id: number, front: string, error: string, nextAttemptAt: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = $4, last_error = $3, claimed_by = NULL, claimed_until = NULL
       WHERE id = $1 AND claimed_by = $2 AND state = 'undelivered'`,
      [id, front, error, nextAttemptAt],
    );
    return result.rowCount === 1;
  }

  async abandonDelivery(id: number, front: string, error: string, _now: number): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE outbox SET state = 'abandoned', attempts = attempts + 1, last_error = $3, claimed_by = NULL, claimed_until = NULL
       WHERE id = $1 AND claimed_by = $2 AND state = 'undelivered'`,
      [id, front, error],
    );
    return result.rowCount === 1;
  }

  async releaseClaims(front: string): Promise<number> {
    const result = await this.pool.query(
      `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1 AND state = 'undelivered'`,
      [front],
    );
    return result.rowCount ?? 0;
  }

  async deliveriesOf(jobId: string): Promise<Delivery[]> {
    return (await this.rows<DeliveryRow>('SELECT * FROM outbox WHERE job_id = $1 ORDER BY id', [jobId])).map(deliveryFromRow);
  }

  // ---- quotas, roles, usage -----------------------------------------------------------------------------------

  async countJobsSince(user: UserKey, since: number): Promise<number> {
    const [row] = await this.rows<{ n: number }>(
      `SELECT COUNT(*) AS n FROM jobs WHERE ${USER_WHERE} AND created_at >= $4 AND state IN ('queued', 'running', 'done')`,
      [...userArgs(user), since],
    );
    return row!.n;
  }

  async gpuMsSince(user: UserKey, since: number): Promise<number> {
    const [row] = await this.rows<{ ms: number }>(
      `SELECT COALESCE(SUM(gpu_ms), 0)::bigint AS ms FROM jobs WHERE ${USER_WHERE} AND state = 'done' AND finished_at >= $4`,
      [...userArgs(user), since],
    );
    return row!.ms;
  }

  async countQueued(user: UserKey): Promise<number> {
    const [row] = await this.rows<{ n: number }>(`SELECT COUNT(*) AS n FROM jobs WHERE ${USER_WHERE} AND state = 'queued'`, userArgs(user));
    return row!.n;
  }

  async workspaceDefaults(platform: string, workspaceId: string): Promise<Partial<Quota>> {
    return this.workspaceDefaultsOn(this.pool, platform, workspaceId);
  }

  private async workspaceDefaultsOn(db: Queryable, platform: string, workspaceId: string): Promise<Partial<Quota>> {
    const [row] = await this.rows('SELECT * FROM quota_defaults WHERE platform = $1 AND workspace_id = $2', [platform, workspaceId], db);
    return quotaFromRow(row);
  }

  async setWorkspaceDefaults(platform: string, workspaceId: string, quota: Partial<Quota>): Promise<void> {
    const fields = QUOTA_FIELDS.filter((f) => quota[f] !== undefined);
    const columns = fields.map((f) => QUOTA_COLUMN[f]);
    await this.pool.query(
      `INSERT INTO quota_defaults (platform, workspace_id${columns.map((c) => `, ${c}`).join('')})
       VALUES ($1, $2${fields.map((_, i) => `, $${i + 3}`).join('')})
       ON CONFLICT (platform, workspace_id) DO ${columns.length ? `UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'NOTHING'}`,
      [platform, workspaceId, ...fields.map((f) => quota[f])],
    );
  }

  async userSettings(user: UserKey): Promise<UserSettings> {
    return this.userSettingsOn(this.pool, user);
  }

  private async userSettingsOn(db: Queryable, user: UserKey): Promise<UserSettings> {
    const [row] = await this.rows<Record<string, unknown> & { role: string | null; usage_reset_at: number | null }>(
      `SELECT * FROM user_settings WHERE ${USER_WHERE}`,
      userArgs(user),
      db,
    );
    const settings: UserSettings = { quota: quotaFromRow(row) };
    if (row?.role) settings.role = row.role as Role;
    if (row?.usage_reset_at !== null && row?.usage_reset_at !== undefined) settings.usageResetAt = row.usage_reset_at;
    return settings;
  }

  /** Upserts some columns of a user's settings row. */
  private async setUserColumns(user: UserKey, values: Record<string, unknown>): Promise<void> {
    const columns = Object.keys(values);
    await this.pool.query(
      `INSERT INTO user_settings (platform, workspace_id, user_id${columns.map((c) => `, ${c}`).join('')})
       VALUES ($1, $2, $3${columns.map((_, i) => `, $${i + 4}`).join('')})
       ON CONFLICT (platform, workspace_id, user_id) DO ${columns.length ? `UPDATE SET ${columns.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}` : 'NOTHING'}`,
      [...userArgs(user), ...Object.values(values)],
    );
  }

  async setUserQuota(user: UserKey, quota: Partial<Quota>): Promise<void> {
    const values: Record<string, unknown> = {};
    for (const f of QUOTA_FIELDS) if (quota[f] !== undefined) values[QUOTA_COLUMN[f]] = quota[f];
    await this.setUserColumns(user, values);
  }

  async setRole(user: UserKey, role: Role): Promise<void> {
    await this.setUserColumns(user, { role });
  }

  async resetUsage(user: UserKey, at: number): Promise<void> {
    await this.setUserColumns(user, { usage_reset_at: at });
  }

  async stats(since: number, workspaceId?: string): Promise<UsageStatsRows> {
    const args = [since, workspaceId ?? null];
    const perUser = await this.rows<{ platform: Platform; workspaceId: string; userId: string; jobs: number; gpuSeconds: number }>(
      `SELECT platform, workspace_id AS "workspaceId", user_id AS "userId", COUNT(*) AS jobs,
              COALESCE(SUM(gpu_ms) FILTER (WHERE state = 'done'), 0) / 1000.0::float8 AS "gpuSeconds"
       FROM jobs WHERE created_at >= $1 AND ($2::text IS NULL OR workspace_id = $2)
       GROUP BY platform, workspace_id, user_id ORDER BY "gpuSeconds" DESC, jobs DESC`,
      args,
    );
    const perDay = await this.rows<{ day: string; jobs: number; gpuSeconds: number }>(
      `SELECT to_char(to_timestamp(created_at / 1000.0) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, COUNT(*) AS jobs,
              COALESCE(SUM(gpu_ms) FILTER (WHERE state = 'done'), 0) / 1000.0::float8 AS "gpuSeconds"
       FROM jobs WHERE created_at >= $1 AND ($2::text IS NULL OR workspace_id = $2)
       GROUP BY day ORDER BY day`,
      args,
    );
    return { perUser, perDay };
  }

  // ---- audit --------------------------------------------------------------------------------------------------

  async audit(at: number, actor: UserKey, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    await this.pool.query(
      `INSERT INTO audit (${AUDIT_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      auditInsertValues(at, actor, action, target, before, after),
    );
  }

  async checkWritable(): Promise<void> {
    const [row] = await this.rows<{ standby: boolean }>('SELECT pg_is_in_recovery() AS standby');
    if (row?.standby) throw new Error('the PostgreSQL server is a read-only standby');
  }

  async auditLog(limit = 100): Promise<AuditEntry[]> {
    const rows = await this.rows<AuditRow>('SELECT * FROM audit ORDER BY id DESC LIMIT $1', [limit]);
    return rows.map(auditFromRow);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

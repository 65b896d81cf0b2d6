// The embedded Store: one SQLite file (better-sqlite3, WAL), shared by the processes of one machine.
//
// better-sqlite3 is synchronous, so a write that meets another process's lock waits inside the event loop for
// busy_timeout. That timeout is kept short (BUSY_TIMEOUT_MS) and writes that matter are retried asynchronously
// (timers, so the loop keeps serving chat events) until busyRetryMs has passed; progress writes try once.
import type Database from 'better-sqlite3';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase, statementCache, type Db, type StatementCache } from './database.js';
import { SqliteApiTokens } from './sqlite-tokens.js';
import { AUDIT_INSERT_COLUMNS, auditFromRow, auditInsertValues, deliveryFromRow, jobFromRow, QUOTA_COLUMN, quotaFromRow, type AuditRow, type DeliveryRow, type JobRow } from './rows.js';
import {
  PREVIEW_BLOB,
  QUOTA_FIELDS,
  userKeyString,
  type AdmissionResult,
  type ApiTokens,
  type AdmissionSnapshot,
  type AuditEntry,
  type Delivery,
  type DeliveryKind,
  type JobBlob,
  type JobListFilter,
  type JobRecord,
  type LeaseRecovery,
  type NewJob,
  type QueuedJob,
  type Store,
  type StoredStyle,
  type UsageStatsRows,
  type UserKey,
  type UserSettings,
} from '../src/jobs/ports.js';
import type { JobProgress, JobResultInfo, JobState, Quota, ReplyTarget, Role } from '../src/jobs/types.js';
import type { StylizeOptions } from '../src/options/types.js';

/** How long one statement may wait for another process's lock while blocking the event loop. */
export const BUSY_TIMEOUT_MS = 25;

export interface SqliteStoreOptions {
  /** Total time a write that matters keeps retrying while the database is locked (ms). Default 60000. */
  busyRetryMs?: number;
  /** Folder of job images written by versions before blobs (jobs/<id>/<file>): read when a blob is missing. */
  legacyFilesDir?: string;
}

/** A jobs row as SQLite stores it: JSON columns as text, files_purged as 0/1. */
type SqliteJobRow = Omit<JobRow, 'reply' | 'options' | 'style_names' | 'style_files' | 'progress' | 'result' | 'files_purged'> & {
  reply: string;
  options: string;
  style_names: string;
  style_files: string;
  progress: string | null;
  result: string | null;
  files_purged: number;
};

/** Decodes SQLite's text columns into the shared row shape (rows.ts), then maps it like PostgreSQL's. */
function jobFromSqliteRow(r: SqliteJobRow): JobRecord {
  return jobFromRow({
    ...r,
    reply: JSON.parse(r.reply) as ReplyTarget,
    options: JSON.parse(r.options) as Partial<StylizeOptions>,
    style_names: JSON.parse(r.style_names) as string[],
    style_files: JSON.parse(r.style_files) as StoredStyle[],
    progress: r.progress ? (JSON.parse(r.progress) as JobProgress) : null,
    result: r.result ? (JSON.parse(r.result) as JobResultInfo) : null,
    files_purged: r.files_purged !== 0,
  });
}

/** True for SQLite's "another connection holds the lock" errors, which are worth retrying. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  readonly apiTokens: ApiTokens;
  private readonly sql: StatementCache;
  private readonly busyRetryMs: number;
  private closed = false;

  /** Opens (creating and migrating) the database file. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    const db = openDatabase(file);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    return new SqliteStore(db, options);
  }

  constructor(
    readonly db: Db,
    private readonly options: SqliteStoreOptions = {},
  ) {
    this.sql = statementCache(db);
    this.apiTokens = new SqliteApiTokens(db);
    this.busyRetryMs = options.busyRetryMs ?? 60_000;
  }

  /** Runs `fn` (synchronous SQL), retrying with growing pauses while the database is locked by another process. */
  private async write<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.busyRetryMs;
    for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
      try {
        return fn();
      } catch (err) {
        if (!isBusyError(err) || Date.now() + pause > deadline || this.closed) throw err;
      }
      await sleep(pause);
    }
  }

  /** Reads retry too: a checkpoint or a schema change can make even a WAL reader wait. */
  private read<T>(fn: () => T): Promise<T> {
    return this.write(fn);
  }

  private tx<T>(fn: () => T): () => T {
    // IMMEDIATE: take the write lock first, so reads inside see what no other writer can change before we commit.
    const t = this.db.transaction(fn);
    return () => t.immediate();
  }

  // ---- intake -------------------------------------------------------------------------------------------------

  private snapshot(user: UserKey, since: number): AdmissionSnapshot {
    const settings = this.userSettingsNow(user);
    const from = Math.max(since, settings.usageResetAt ?? 0);
    return {
      workspaceDefaults: this.workspaceDefaultsNow(user.platform, user.workspaceId),
      user: settings,
      jobsToday: this.countJobsSinceNow(user, from),
      gpuMsToday: this.gpuMsSinceNow(user, from),
      queuedNow: this.countQueuedNow(user),
    };
  }

  admitJob(job: NewJob, blobs: JobBlob[], since: number, decide: (s: AdmissionSnapshot) => string | null): Promise<AdmissionResult> {
    return this.write(
      this.tx((): AdmissionResult => {
        const refusal = decide(this.snapshot(job, since));
        if (refusal !== null) return { ok: false, refusal };
        const seq = ((this.sql('SELECT MAX(seq) AS m FROM jobs').get() as { m: number | null }).m ?? 0) + 1;
        this.sql(
          `INSERT INTO jobs (id, seq, platform, workspace_id, user_id, user_name, reply, state, priority, options,
             style_names, style_files, content_file, content_name, artist, artwork, parent_id, created_at)
           VALUES (@id, @seq, @platform, @workspaceId, @userId, @userName, @reply, 'queued', @priority, @options,
             @styleNames, @styleFiles, @contentFile, @contentName, @artist, @artwork, @parentId, @createdAt)`,
        ).run({
          id: job.id,
          seq,
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
        for (const blob of blobs) this.putBlob(job.id, blob.name, blob.bytes);
        return { ok: true, job: this.getJobNow(job.id)! };
      }),
    );
  }

  private putBlob(jobId: string, name: string, bytes: Uint8Array): void {
    this.sql('INSERT OR REPLACE INTO job_blobs (job_id, name, bytes) VALUES (?, ?, ?)').run(jobId, name, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  // ---- reading jobs -------------------------------------------------------------------------------------------

  private getJobNow(id: string): JobRecord | undefined {
    const row = this.sql('SELECT * FROM jobs WHERE id = ?').get(id) as SqliteJobRow | undefined;
    return row ? jobFromSqliteRow(row) : undefined;
  }

  getJob(id: string): Promise<JobRecord | undefined> {
    return this.read(() => this.getJobNow(id));
  }

  listJobs(filter: JobListFilter = {}): Promise<JobRecord[]> {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (filter.state) (where.push('state = @state'), (args.state = filter.state));
    if (filter.userId) (where.push('user_id = @userId'), (args.userId = filter.userId));
    if (filter.platform) (where.push('platform = @platform'), (args.platform = filter.platform));
    if (filter.workspaceId) (where.push('workspace_id = @workspaceId'), (args.workspaceId = filter.workspaceId));
    args.limit = filter.limit ?? 1000;
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT @limit`;
    return this.read(() => (this.sql(sql).all(args) as SqliteJobRow[]).map(jobFromSqliteRow));
  }

  jobsInState(state: JobState): Promise<JobRecord[]> {
    return this.read(() => (this.sql('SELECT * FROM jobs WHERE state = ? ORDER BY seq').all(state) as SqliteJobRow[]).map(jobFromSqliteRow));
  }

  async getBlob(jobId: string, name: string): Promise<Uint8Array | undefined> {
    const row = await this.read(
      () => this.sql('SELECT bytes FROM job_blobs WHERE job_id = ? AND name = ?').get(jobId, name) as { bytes: Buffer } | undefined,
    );
    if (row) return new Uint8Array(row.bytes.buffer, row.bytes.byteOffset, row.bytes.byteLength);
    const legacy = this.legacyPath(jobId, name);
    return legacy && existsSync(legacy) ? new Uint8Array(readFileSync(legacy)) : undefined;
  }

  private legacyPath(jobId: string, name?: string): string | undefined {
    if (!this.options.legacyFilesDir || /[\\/]|\.\./.test(jobId) || (name !== undefined && /[\\/]|\.\./.test(name))) return undefined;
    return name === undefined ? join(this.options.legacyFilesDir, jobId) : join(this.options.legacyFilesDir, jobId, name);
  }

  // ---- scheduler ----------------------------------------------------------------------------------------------

  queuedJobs(): Promise<QueuedJob[]> {
    return this.read(() =>
      (
        this.sql(
          `SELECT id, seq, priority, platform, workspace_id, user_id FROM jobs WHERE state = 'queued' ORDER BY seq`,
        ).all() as { id: string; seq: number; priority: number; platform: string; workspace_id: string; user_id: string }[]
      ).map((r) => ({ id: r.id, seq: r.seq, priority: r.priority, platform: r.platform, workspaceId: r.workspace_id, userId: r.user_id })),
    );
  }

  gpuMsByUserSince(since: number): Promise<Map<string, number>> {
    return this.read(() => {
      const rows = this.sql(
        `SELECT platform, workspace_id, user_id, SUM(gpu_ms) AS ms FROM jobs
         WHERE state = 'done' AND finished_at >= ? GROUP BY platform, workspace_id, user_id`,
      ).all(since) as { platform: string; workspace_id: string; user_id: string; ms: number }[];
      return new Map(rows.map((r) => [userKeyString({ platform: r.platform, workspaceId: r.workspace_id, userId: r.user_id }), r.ms]));
    });
  }

  // ---- leases -------------------------------------------------------------------------------------------------

  leaseJob(id: string, worker: string, now: number, leaseUntil: number): Promise<JobRecord | undefined> {
    return this.write(
      this.tx(() => {
        const changed = this.sql(
          `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, progress = NULL, error = NULL,
             worker = ?, lease_expires_at = ?
           WHERE id = ? AND state = 'queued'`,
        ).run(now, worker, leaseUntil, id).changes;
        return changed === 1 ? this.getJobNow(id) : undefined;
      }),
    );
  }

  heartbeat(id: string, worker: string, leaseUntil: number): Promise<boolean> {
    return this.write(
      () =>
        this.sql(`UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND worker = ? AND state = 'running'`).run(leaseUntil, id, worker)
          .changes === 1,
    );
  }

  async saveProgress(id: string, worker: string, progress: JobProgress, preview?: Uint8Array): Promise<boolean> {
    // One try, without waiting: a progress update is worth less than any time the event loop would spend on a lock.
    this.db.pragma('busy_timeout = 0');
    try {
      return this.tx(() => {
        const ok =
          this.sql(`UPDATE jobs SET progress = ? WHERE id = ? AND worker = ? AND state = 'running'`).run(JSON.stringify(progress), id, worker)
            .changes === 1;
        if (ok && preview) this.putBlob(id, PREVIEW_BLOB, preview);
        return ok;
      })();
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  private queueDelivery(jobId: string, kind: DeliveryKind, now: number): void {
    const job = this.sql('SELECT platform FROM jobs WHERE id = ?').get(jobId) as { platform: string };
    this.sql(
      `INSERT OR IGNORE INTO outbox (job_id, platform, kind, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?)`,
    ).run(jobId, job.platform, kind, now, now);
  }

  completeJob(id: string, worker: string, png: Uint8Array, info: JobResultInfo, gpuMs: number, now: number): Promise<boolean> {
    return this.write(
      this.tx(() => {
        const changed = this.sql(
          `UPDATE jobs SET state = 'done', result = ?, gpu_ms = ?, finished_at = ?, lease_expires_at = NULL
           WHERE id = ? AND worker = ? AND state = 'running'`,
        ).run(JSON.stringify(info), Math.round(gpuMs), now, id, worker).changes;
        if (changed !== 1) return false;
        this.putBlob(id, 'result.png', png);
        this.queueDelivery(id, 'done', now);
        return true;
      }),
    );
  }

  failJob(id: string, error: string, now: number, worker?: string): Promise<boolean> {
    return this.write(
      this.tx(() => {
        const changed =
          worker === undefined
            ? this.sql(
                `UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_expires_at = NULL
                 WHERE id = ? AND state IN ('queued', 'running')`,
              ).run(error, now, id).changes
            : this.sql(
                `UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_expires_at = NULL
                 WHERE id = ? AND state = 'running' AND worker = ?`,
              ).run(error, now, id, worker).changes;
        if (changed !== 1) return false;
        this.queueDelivery(id, 'failed', now);
        return true;
      }),
    );
  }

  cancelJob(id: string, by: string, now: number): Promise<boolean> {
    return this.write(
      this.tx(() => {
        const changed = this.sql(
          `UPDATE jobs SET state = 'cancelled', cancelled_by = ?, finished_at = ?, lease_expires_at = NULL
           WHERE id = ? AND state IN ('queued', 'running')`,
        ).run(by, now, id).changes;
        if (changed !== 1) return false;
        this.queueDelivery(id, 'cancelled', now);
        return true;
      }),
    );
  }

  releaseLeases(worker: string): Promise<string[]> {
    return this.write(
      this.tx(() => {
        const ids = (this.sql(`SELECT id FROM jobs WHERE state = 'running' AND worker = ? ORDER BY seq`).all(worker) as { id: string }[]).map(
          (r) => r.id,
        );
        this.sql(`UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL WHERE state = 'running' AND worker = ?`).run(
          worker,
        );
        return ids;
      }),
    );
  }

  // ---- maintenance --------------------------------------------------------------------------------------------

  recoverExpiredLeases(now: number, maxAttempts: number, failMessage: (attempts: number) => string): Promise<LeaseRecovery> {
    return this.write(
      this.tx(() => {
        const expired = (
          this.sql(
            `SELECT * FROM jobs WHERE state = 'running' AND (lease_expires_at IS NULL OR lease_expires_at < ?) ORDER BY seq`,
          ).all(now) as SqliteJobRow[]
        ).map(jobFromSqliteRow);
        const recovery: LeaseRecovery = { requeued: [], failed: [] };
        for (const job of expired) {
          if (job.attempts >= maxAttempts) {
            this.sql(
              `UPDATE jobs SET state = 'failed', error = ?, finished_at = ?, lease_expires_at = NULL WHERE id = ?`,
            ).run(failMessage(job.attempts), now, job.id);
            this.queueDelivery(job.id, 'failed', now);
            recovery.failed.push(this.getJobNow(job.id)!);
          } else {
            this.sql(`UPDATE jobs SET state = 'queued', progress = NULL, lease_expires_at = NULL WHERE id = ?`).run(job.id);
            recovery.requeued.push(this.getJobNow(job.id)!);
          }
        }
        return recovery;
      }),
    );
  }

  purgeCandidates(before: number): Promise<JobRecord[]> {
    return this.read(() =>
      (
        this.sql(
          `SELECT * FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND files_purged = 0 AND finished_at < ? ORDER BY seq`,
        ).all(before) as SqliteJobRow[]
      ).map(jobFromSqliteRow),
    );
  }

  async purgeJob(id: string): Promise<void> {
    await this.write(
      this.tx(() => {
        this.sql('DELETE FROM job_blobs WHERE job_id = ?').run(id);
        this.sql('UPDATE jobs SET files_purged = 1, result_path = NULL WHERE id = ?').run(id);
      }),
    );
    const legacy = this.legacyPath(id);
    if (legacy) rmSync(legacy, { recursive: true, force: true });
  }

  // ---- outbox -------------------------------------------------------------------------------------------------

  claimDeliveries(platforms: string[], front: string, now: number, claimUntil: number, limit: number): Promise<Delivery[]> {
    if (!platforms.length) return Promise.resolve([]);
    const marks = platforms.map(() => '?').join(', ');
    return this.write(
      this.tx(() => {
        const rows = this.sql(
          `SELECT * FROM outbox WHERE state = 'undelivered' AND platform IN (${marks}) AND next_attempt_at <= ?
             AND (claimed_until IS NULL OR claimed_until < ?)
           ORDER BY next_attempt_at, id LIMIT ?`,
        ).all(...platforms, now, now, limit) as DeliveryRow[];
        const claim = this.sql('UPDATE outbox SET claimed_by = ?, claimed_until = ? WHERE id = ?');
        for (const r of rows) claim.run(front, claimUntil, r.id);
        return rows.map((r) => deliveryFromRow({ ...r, claimed_by: front, claimed_until: claimUntil }));
      }),
    );
  }

  markDelivered(id: number, front: string, now: number): Promise<boolean> {
    return this.write(
      () =>
        this.sql(
          `UPDATE outbox SET state = 'delivered', delivered_at = ?, claimed_by = NULL, claimed_until = NULL
           WHERE id = ? AND claimed_by = ? AND state = 'undelivered'`,
        ).run(now, id, front).changes === 1,
    );
  }

  deliveryFailed(id: number, front: string, error: string, nextAttemptAt: number): Promise<boolean> {
    return this.write(
      () =>
        this.sql(
          `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, claimed_by = NULL, claimed_until = NULL
           WHERE id = ? AND claimed_by = ? AND state = 'undelivered'`,
        ).run(error, nextAttemptAt, id, front).changes === 1,
    );
  }

  abandonDelivery(id: number, front: string, error: string, now: number): Promise<boolean> {
    return this.write(
      () =>
        this.sql(
          `UPDATE outbox SET state = 'abandoned', last_error = ?, delivered_at = ?, claimed_by = NULL, claimed_until = NULL
           WHERE id = ? AND claimed_by = ? AND state = 'undelivered'`,
        ).run(error, now, id, front).changes === 1,
    );
  }

  releaseClaims(front: string): Promise<number> {
    return this.write(
      () =>
        this.sql(`UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ? AND state = 'undelivered'`).run(front)
          .changes,
    );
  }

  deliveriesOf(jobId: string): Promise<Delivery[]> {
    return this.read(() => (this.sql('SELECT * FROM outbox WHERE job_id = ? ORDER BY id').all(jobId) as DeliveryRow[]).map(deliveryFromRow));
  }

  // ---- quotas, roles, usage -----------------------------------------------------------------------------------

  private countJobsSinceNow(user: UserKey, since: number): number {
    return (
      this.sql(
        `SELECT COUNT(*) AS n FROM jobs WHERE platform = ? AND workspace_id = ? AND user_id = ?
           AND created_at >= ? AND state IN ('queued', 'running', 'done')`,
      ).get(user.platform, user.workspaceId, user.userId, since) as { n: number }
    ).n;
  }

  private gpuMsSinceNow(user: UserKey, since: number): number {
    return (
      this.sql(
        `SELECT COALESCE(SUM(gpu_ms), 0) AS ms FROM jobs WHERE platform = ? AND workspace_id = ? AND user_id = ?
           AND state = 'done' AND finished_at >= ?`,
      ).get(user.platform, user.workspaceId, user.userId, since) as { ms: number }
    ).ms;
  }

  private countQueuedNow(user: UserKey): number {
    return (
      this.sql(`SELECT COUNT(*) AS n FROM jobs WHERE platform = ? AND workspace_id = ? AND user_id = ? AND state = 'queued'`).get(
        user.platform,
        user.workspaceId,
        user.userId,
      ) as { n: number }
    ).n;
  }

  private workspaceDefaultsNow(platform: string, workspaceId: string): Partial<Quota> {
    return quotaFromRow(
      this.sql('SELECT * FROM quota_defaults WHERE platform = ? AND workspace_id = ?').get(platform, workspaceId) as Record<string, number | null> | undefined,
    );
  }

  private userSettingsNow(user: UserKey): UserSettings {
    const row = this.sql('SELECT * FROM user_settings WHERE platform = ? AND workspace_id = ? AND user_id = ?').get(
      user.platform,
      user.workspaceId,
      user.userId,
    ) as (Record<string, number | null> & { role: string | null; usage_reset_at: number | null }) | undefined;
    return {
      role: (row?.role ?? undefined) as Role | undefined,
      quota: quotaFromRow(row),
      usageResetAt: row?.usage_reset_at ?? undefined,
    };
  }

  countJobsSince(user: UserKey, since: number): Promise<number> {
    return this.read(() => this.countJobsSinceNow(user, since));
  }

  gpuMsSince(user: UserKey, since: number): Promise<number> {
    return this.read(() => this.gpuMsSinceNow(user, since));
  }

  countQueued(user: UserKey): Promise<number> {
    return this.read(() => this.countQueuedNow(user));
  }

  workspaceDefaults(platform: string, workspaceId: string): Promise<Partial<Quota>> {
    return this.read(() => this.workspaceDefaultsNow(platform, workspaceId));
  }

  async setWorkspaceDefaults(platform: string, workspaceId: string, quota: Partial<Quota>): Promise<void> {
    await this.write(
      this.tx(() => {
        this.sql('INSERT OR IGNORE INTO quota_defaults (platform, workspace_id) VALUES (?, ?)').run(platform, workspaceId);
        for (const f of QUOTA_FIELDS) {
          if (quota[f] === undefined) continue;
          this.sql(`UPDATE quota_defaults SET ${QUOTA_COLUMN[f]} = ? WHERE platform = ? AND workspace_id = ?`).run(quota[f], platform, workspaceId);
        }
      }),
    );
  }

  userSettings(user: UserKey): Promise<UserSettings> {
    return this.read(() => this.userSettingsNow(user));
  }

  private ensureUser(user: UserKey): void {
    this.sql('INSERT OR IGNORE INTO user_settings (platform, workspace_id, user_id) VALUES (?, ?, ?)').run(
      user.platform,
      user.workspaceId,
      user.userId,
    );
  }

  private updateUser(user: UserKey, column: string, value: unknown): Database.RunResult {
    return this.sql(`UPDATE user_settings SET ${column} = ? WHERE platform = ? AND workspace_id = ? AND user_id = ?`).run(
      value,
      user.platform,
      user.workspaceId,
      user.userId,
    );
  }

  async setUserQuota(user: UserKey, quota: Partial<Quota>): Promise<void> {
    await this.write(
      this.tx(() => {
        this.ensureUser(user);
        for (const f of QUOTA_FIELDS) if (quota[f] !== undefined) this.updateUser(user, QUOTA_COLUMN[f], quota[f]);
      }),
    );
  }

  async setRole(user: UserKey, role: Role): Promise<void> {
    await this.write(this.tx(() => (this.ensureUser(user), this.updateUser(user, 'role', role))));
  }

  async resetUsage(user: UserKey, at: number): Promise<void> {
    await this.write(this.tx(() => (this.ensureUser(user), this.updateUser(user, 'usage_reset_at', at))));
  }

  stats(since: number, workspaceId?: string): Promise<UsageStatsRows> {
    const ws = workspaceId ?? null;
    return this.read(() => {
      const perUser = this.sql(
        `SELECT platform, workspace_id AS workspaceId, user_id AS userId, COUNT(*) AS jobs,
                COALESCE(SUM(CASE WHEN state = 'done' THEN gpu_ms ELSE 0 END), 0) / 1000.0 AS gpuSeconds
         FROM jobs WHERE created_at >= @since AND (@ws IS NULL OR workspace_id = @ws)
         GROUP BY platform, workspace_id, user_id ORDER BY gpuSeconds DESC, jobs DESC`,
      ).all({ since, ws }) as UsageStatsRows['perUser'];
      const perDay = this.sql(
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, COUNT(*) AS jobs,
                COALESCE(SUM(CASE WHEN state = 'done' THEN gpu_ms ELSE 0 END), 0) / 1000.0 AS gpuSeconds
         FROM jobs WHERE created_at >= @since AND (@ws IS NULL OR workspace_id = @ws)
         GROUP BY day ORDER BY day`,
      ).all({ since, ws }) as UsageStatsRows['perDay'];
      return { perUser, perDay };
    });
  }

  // ---- audit --------------------------------------------------------------------------------------------------

  async audit(at: number, actor: UserKey, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    await this.write(() =>
      this.sql(`INSERT INTO audit (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(...auditInsertValues(at, actor, action, target, before, after)),
    );
  }

  checkWritable(): Promise<void> {
    // Taking the write lock and letting it go proves the file takes writes.
    return this.write(() => this.tx(() => undefined)());
  }

  auditLog(limit = 100): Promise<AuditEntry[]> {
    return this.read(() => {
      // before and after are JSON text here; the shared mapping takes them parsed.
      const rows = this.sql('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit) as (AuditRow & { before: string | null; after: string | null })[];
      return rows.map((r) => auditFromRow({ ...r, before: r.before === null ? null : JSON.parse(r.before), after: r.after === null ? null : JSON.parse(r.after) }));
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

// Job rows: insert, state transitions and the queries the scheduler, quotas and admin need.
import { statementCache, type Db, type StatementCache } from './database.js';
import type { Job, JobProgress, JobResultInfo, JobState, Platform, ReplyTarget } from '../src/jobs/types.js';
import type { StylizeOptions } from '../src/engine/types.js';

/** A style image stored in the job folder. */
export interface StoredStyle {
  file: string;
  weight: number;
  name: string;
}

/** A Job plus what only the job core needs (where its inputs are, acceptance order). */
export interface JobRecord extends Job {
  seq: number;
  styleFiles: StoredStyle[];
  contentFile?: string;
  contentName?: string;
  parentId?: string;
  cancelledBy?: string;
  filesPurged: boolean;
}

export type NewJob = Omit<JobRecord, 'seq' | 'attempts' | 'gpuMs' | 'filesPurged' | 'state'>;

interface JobRow {
  id: string;
  seq: number;
  platform: string;
  workspace_id: string;
  user_id: string;
  user_name: string | null;
  reply: string;
  state: string;
  priority: number;
  options: string;
  style_names: string;
  style_files: string;
  content_file: string | null;
  content_name: string | null;
  artist: string | null;
  artwork: string | null;
  parent_id: string | null;
  attempts: number;
  progress: string | null;
  result_path: string | null;
  result: string | null;
  error: string | null;
  cancelled_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  gpu_ms: number;
  files_purged: number;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function fromRow(r: JobRow): JobRecord {
  return {
    id: r.id,
    seq: r.seq,
    platform: r.platform as Platform,
    workspaceId: r.workspace_id,
    userId: r.user_id,
    userName: opt(r.user_name),
    reply: JSON.parse(r.reply) as ReplyTarget,
    state: r.state as JobState,
    priority: r.priority,
    options: JSON.parse(r.options) as Partial<StylizeOptions>,
    styleNames: JSON.parse(r.style_names) as string[],
    styleFiles: JSON.parse(r.style_files) as StoredStyle[],
    contentFile: opt(r.content_file),
    contentName: opt(r.content_name),
    artist: opt(r.artist),
    artwork: opt(r.artwork),
    parentId: opt(r.parent_id),
    attempts: r.attempts,
    progress: r.progress ? (JSON.parse(r.progress) as JobProgress) : undefined,
    resultPath: opt(r.result_path),
    result: r.result ? (JSON.parse(r.result) as JobResultInfo) : undefined,
    error: opt(r.error),
    cancelledBy: opt(r.cancelled_by),
    createdAt: r.created_at,
    startedAt: opt(r.started_at),
    finishedAt: opt(r.finished_at),
    gpuMs: r.gpu_ms,
    filesPurged: r.files_purged !== 0,
  };
}

/** The public view of a job (what listeners and commands see). */
export function publicJob(record: JobRecord): Job {
  const { seq: _s, styleFiles: _sf, contentFile: _cf, contentName: _cn, cancelledBy: _c, filesPurged: _f, ...job } =
    record;
  return job;
}

export interface UserKey {
  platform: string;
  workspaceId: string;
  userId: string;
}

export class JobStore {
  private readonly sql: StatementCache;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  /** Inserts a queued job with the next acceptance number; returns the stored record. */
  insert(job: NewJob): JobRecord {
    const seq = ((this.sql('SELECT MAX(seq) AS m FROM jobs').get() as { m: number | null }).m ?? 0) + 1;
    this.sql(
        `INSERT INTO jobs (id, seq, platform, workspace_id, user_id, user_name, reply, state, priority, options,
           style_names, style_files, content_file, content_name, artist, artwork, parent_id, created_at)
         VALUES (@id, @seq, @platform, @workspaceId, @userId, @userName, @reply, 'queued', @priority, @options,
           @styleNames, @styleFiles, @contentFile, @contentName, @artist, @artwork, @parentId, @createdAt)`,
      )
      .run({
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
    return this.get(job.id)!;
  }

  get(id: string): JobRecord | undefined {
    const row = this.sql('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  exists(id: string): boolean {
    return this.sql('SELECT 1 FROM jobs WHERE id = ?').get(id) !== undefined;
  }

  inState(state: JobState): JobRecord[] {
    return (this.sql('SELECT * FROM jobs WHERE state = ? ORDER BY seq').all(state) as JobRow[]).map(fromRow);
  }

  list(filter: { state?: JobState; userId?: string; platform?: string; workspaceId?: string; limit?: number } = {}): JobRecord[] {
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    if (filter.state) (where.push('state = @state'), (args.state = filter.state));
    if (filter.userId) (where.push('user_id = @userId'), (args.userId = filter.userId));
    if (filter.platform) (where.push('platform = @platform'), (args.platform = filter.platform));
    if (filter.workspaceId) (where.push('workspace_id = @workspaceId'), (args.workspaceId = filter.workspaceId));
    const sql = `SELECT * FROM jobs ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq DESC LIMIT @limit`;
    args.limit = filter.limit ?? 1000;
    return (this.sql(sql).all(args) as JobRow[]).map(fromRow);
  }

  /** queued -> running; counts the attempt. Returns false when the job was no longer queued. */
  markRunning(id: string, now: number): boolean {
    return (
      this.sql(
          `UPDATE jobs SET state = 'running', attempts = attempts + 1, started_at = ?, progress = NULL, error = NULL
           WHERE id = ? AND state = 'queued'`,
        )
        .run(now, id).changes === 1
    );
  }

  saveProgress(id: string, progress: JobProgress): void {
    this.sql(`UPDATE jobs SET progress = ? WHERE id = ? AND state = 'running'`).run(JSON.stringify(progress), id);
  }

  /** running -> done, charging the engine time. Returns false when the job had left 'running' (cancelled). */
  markDone(id: string, resultPath: string, result: JobResultInfo, gpuMs: number, now: number): boolean {
    return (
      this.sql(
          `UPDATE jobs SET state = 'done', result_path = ?, result = ?, gpu_ms = ?, finished_at = ?
           WHERE id = ? AND state = 'running'`,
        )
        .run(resultPath, JSON.stringify(result), Math.round(gpuMs), now, id).changes === 1
    );
  }

  /** queued|running -> failed. */
  markFailed(id: string, error: string, now: number): boolean {
    return (
      this.sql(
          `UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE id = ? AND state IN ('queued', 'running')`,
        )
        .run(error, now, id).changes === 1
    );
  }

  /** queued|running -> cancelled. */
  markCancelled(id: string, by: string, now: number): boolean {
    return (
      this.sql(
          `UPDATE jobs SET state = 'cancelled', cancelled_by = ?, finished_at = ?
           WHERE id = ? AND state IN ('queued', 'running')`,
        )
        .run(by, now, id).changes === 1
    );
  }

  /** running -> queued, for restart recovery (the attempt stays counted). */
  requeue(id: string): void {
    this.sql(`UPDATE jobs SET state = 'queued', progress = NULL WHERE id = ? AND state = 'running'`).run(id);
  }

  /** Jobs that count against jobsPerDay since `since`: accepted and not failed or cancelled. */
  countJobsSince(user: UserKey, since: number): number {
    return (
      this.sql(
          `SELECT COUNT(*) AS n FROM jobs WHERE platform = ? AND workspace_id = ? AND user_id = ?
             AND created_at >= ? AND state IN ('queued', 'running', 'done')`,
        )
        .get(user.platform, user.workspaceId, user.userId, since) as { n: number }
    ).n;
  }

  /** Engine milliseconds charged (done jobs) since `since`. */
  gpuMsSince(user: UserKey, since: number): number {
    return (
      this.sql(
          `SELECT COALESCE(SUM(gpu_ms), 0) AS ms FROM jobs WHERE platform = ? AND workspace_id = ? AND user_id = ?
             AND state = 'done' AND finished_at >= ?`,
        )
        .get(user.platform, user.workspaceId, user.userId, since) as { ms: number }
    ).ms;
  }

  countQueued(user: UserKey): number {
    return (
      this.sql(
          `SELECT COUNT(*) AS n FROM jobs WHERE platform = ? AND workspace_id = ? AND user_id = ? AND state = 'queued'`,
        )
        .get(user.platform, user.workspaceId, user.userId) as { n: number }
    ).n;
  }

  /** Engine milliseconds per user since `since`, keyed "platform\0workspace\0user" (for fair share). */
  gpuMsByUserSince(since: number): Map<string, number> {
    const rows = this.sql(
        `SELECT platform, workspace_id, user_id, SUM(gpu_ms) AS ms FROM jobs
         WHERE state = 'done' AND finished_at >= ? GROUP BY platform, workspace_id, user_id`,
      )
      .all(since) as { platform: string; workspace_id: string; user_id: string; ms: number }[];
    return new Map(rows.map((r) => [userKeyString({ platform: r.platform, workspaceId: r.workspace_id, userId: r.user_id }), r.ms]));
  }

  /** Finished jobs older than `before` whose files are still on disk. */
  purgeCandidates(before: number): JobRecord[] {
    return (
      this.sql(
          `SELECT * FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND files_purged = 0 AND finished_at < ?`,
        )
        .all(before) as JobRow[]
    ).map(fromRow);
  }

  markPurged(id: string): void {
    this.sql('UPDATE jobs SET files_purged = 1, result_path = NULL WHERE id = ?').run(id);
  }

  /** Usage per user and per UTC day since `since`, optionally for one workspace. */
  stats(since: number, workspaceId?: string) {
    const ws = workspaceId ?? null;
    const perUser = this.sql(
        `SELECT platform, workspace_id AS workspaceId, user_id AS userId, COUNT(*) AS jobs,
                COALESCE(SUM(CASE WHEN state = 'done' THEN gpu_ms ELSE 0 END), 0) / 1000.0 AS gpuSeconds
         FROM jobs WHERE created_at >= @since AND (@ws IS NULL OR workspace_id = @ws)
         GROUP BY platform, workspace_id, user_id ORDER BY gpuSeconds DESC, jobs DESC`,
      )
      .all({ since, ws }) as { platform: Platform; workspaceId: string; userId: string; jobs: number; gpuSeconds: number }[];
    const perDay = this.sql(
        `SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, COUNT(*) AS jobs,
                COALESCE(SUM(CASE WHEN state = 'done' THEN gpu_ms ELSE 0 END), 0) / 1000.0 AS gpuSeconds
         FROM jobs WHERE created_at >= @since AND (@ws IS NULL OR workspace_id = @ws)
         GROUP BY day ORDER BY day`,
      )
      .all({ since, ws }) as { day: string; jobs: number; gpuSeconds: number }[];
    return { perUser, perDay };
  }
}

export function userKeyString(user: UserKey): string {
  return `${user.platform}\u0000${user.workspaceId}\u0000${user.userId}`;
}

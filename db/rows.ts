// Row shapes of the job tables and their conversion to the job core's records, for both stores: PostgreSQL gives
// them as they are (JSONB parsed, BIGINT as numbers); SQLite decodes its JSON text columns first (sqlite/rows.ts).
import type {
  ApiTokenRecord,
  AuditEntry,
  Delivery,
  DeliveryKind,
  DeliveryState,
  JobProgress,
  JobRecord,
  JobResultInfo,
  JobState,
  Platform,
  Quota,
  ReplyTarget,
  StoredStyle,
  TokenScope,
} from '../src/jobs/ports.js';

export interface JobRow {
  id: string;
  seq: number;
  platform: string;
  workspace_id: string;
  user_id: string;
  user_name: string | null;
  reply: ReplyTarget;
  state: string;
  priority: number;
  options: JobRecord['options'];
  style_names: string[];
  style_files: StoredStyle[];
  content_file: string | null;
  content_name: string | null;
  artist: string | null;
  artwork: string | null;
  parent_id: string | null;
  attempts: number;
  progress: JobProgress | null;
  result_path: string | null;
  result: JobResultInfo | null;
  error: string | null;
  cancelled_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  gpu_ms: number;
  files_purged: boolean;
  worker: string | null;
  lease_expires_at: number | null;
}

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

/** A jobs row (JSON columns parsed, numbers as numbers) as a JobRecord; NULL columns become undefined. */
export function jobFromRow(r: JobRow): JobRecord {
  return {
    id: r.id,
    seq: r.seq,
    platform: r.platform as Platform,
    workspaceId: r.workspace_id,
    userId: r.user_id,
    userName: opt(r.user_name),
    reply: r.reply,
    state: r.state as JobState,
    priority: r.priority,
    options: r.options,
    styleNames: r.style_names,
    styleFiles: r.style_files,
    contentFile: opt(r.content_file),
    contentName: opt(r.content_name),
    artist: opt(r.artist),
    artwork: opt(r.artwork),
    parentId: opt(r.parent_id),
    attempts: r.attempts,
    progress: opt(r.progress),
    resultPath: opt(r.result_path),
    result: opt(r.result),
    error: opt(r.error),
    cancelledBy: opt(r.cancelled_by),
    createdAt: r.created_at,
    startedAt: opt(r.started_at),
    finishedAt: opt(r.finished_at),
    gpuMs: r.gpu_ms,
    filesPurged: r.files_purged,
    worker: opt(r.worker),
    leaseExpiresAt: opt(r.lease_expires_at),
  };
}

export interface DeliveryRow {
  id: number;
  job_id: string;
  platform: string;
  kind: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  claimed_by: string | null;
  claimed_until: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export function deliveryFromRow(r: DeliveryRow): Delivery {
  return {
    id: r.id,
    jobId: r.job_id,
    platform: r.platform,
    kind: r.kind as DeliveryKind,
    state: r.state as DeliveryState,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    claimedBy: opt(r.claimed_by),
    claimedUntil: opt(r.claimed_until),
    lastError: opt(r.last_error),
    createdAt: r.created_at,
    deliveredAt: opt(r.delivered_at),
  };
}

export interface AuditRow {
  id: number;
  at: number;
  actor_platform: string;
  actor_workspace: string;
  actor_user: string;
  action: string;
  target: string;
  /** The value before and after the change, JSON parsed; NULL when there was none. */
  before: unknown;
  after: unknown;
}

export function auditFromRow(r: AuditRow): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: { platform: r.actor_platform, workspaceId: r.actor_workspace, userId: r.actor_user },
    action: r.action,
    target: r.target,
    before: r.before === null ? undefined : r.before,
    after: r.after === null ? undefined : r.after,
  };
}

export const QUOTA_COLUMN: Record<keyof Quota, string> = {
  jobsPerDay: 'jobs_per_day',
  gpuSecondsPerDay: 'gpu_seconds_per_day',
  maxQueued: 'max_queued',
  maxSize: 'max_size',
  maxIterations: 'max_iterations',
};

/** The quota columns of a quota_defaults or user_settings row that are set (NULL = inherit). */
export function quotaFromRow(row: Record<string, unknown> | undefined): Partial<Quota> {
  const quota: Partial<Quota> = {};
  if (!row) return quota;
  for (const [field, column] of Object.entries(QUOTA_COLUMN) as [keyof Quota, string][]) {
    const v = row[column];
    if (v !== null && v !== undefined) quota[field] = Number(v);
  }
  return quota;
}

/** A row of api_tokens (PostgreSQL's BIGINTs may arrive as strings). */
export interface ApiTokenRow {
  id: string;
  platform: string;
  workspace_id: string;
  user_id: string;
  name: string;
  scope: string;
  created_by: string;
  created_at: number | string;
  last_used_at: number | string | null;
  revoked_at: number | string | null;
}

export function apiTokenFromRow(row: ApiTokenRow): ApiTokenRecord {
  return {
    id: row.id,
    user: { platform: row.platform as Platform, workspaceId: row.workspace_id, userId: row.user_id },
    name: row.name,
    scope: row.scope as TokenScope,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    ...(row.last_used_at !== null ? { lastUsedAt: Number(row.last_used_at) } : {}),
    ...(row.revoked_at !== null ? { revokedAt: Number(row.revoked_at) } : {}),
  };
}

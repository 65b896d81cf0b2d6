// Workspace quota defaults, per-user overrides and roles, usage resets, and the audit log.
import { statementCache, type Db, type StatementCache } from './database.js';
import type { Quota, Role } from '../src/jobs/types.js';
import type { UserKey } from './jobs-repo.js';

export const QUOTA_FIELDS = ['jobsPerDay', 'gpuSecondsPerDay', 'maxQueued', 'maxSize', 'maxIterations'] as const;
const COLUMN: Record<keyof Quota, string> = {
  jobsPerDay: 'jobs_per_day',
  gpuSecondsPerDay: 'gpu_seconds_per_day',
  maxQueued: 'max_queued',
  maxSize: 'max_size',
  maxIterations: 'max_iterations',
};

interface QuotaColumns {
  jobs_per_day: number | null;
  gpu_seconds_per_day: number | null;
  max_queued: number | null;
  max_size: number | null;
  max_iterations: number | null;
}

function quotaFrom(row: QuotaColumns | undefined): Partial<Quota> {
  const q: Partial<Quota> = {};
  if (!row) return q;
  for (const f of QUOTA_FIELDS) {
    const v = (row as unknown as Record<string, number | null>)[COLUMN[f]];
    if (v !== null && v !== undefined) q[f] = v;
  }
  return q;
}

export interface UserSettings {
  role?: Role;
  quota: Partial<Quota>;
  usageResetAt?: number;
}

export interface AuditEntry {
  id: number;
  at: number;
  actor: { platform: string; workspaceId: string; userId: string };
  action: string;
  target: string;
  before: unknown;
  after: unknown;
}

export class SettingsStore {
  private readonly sql: StatementCache;

  constructor(db: Db) {
    this.sql = statementCache(db);
  }

  workspaceDefaults(platform: string, workspaceId: string): Partial<Quota> {
    return quotaFrom(
      this.sql('SELECT * FROM quota_defaults WHERE platform = ? AND workspace_id = ?').get(platform, workspaceId) as
        | QuotaColumns
        | undefined,
    );
  }

  setWorkspaceDefaults(platform: string, workspaceId: string, quota: Partial<Quota>): void {
    this.sql('INSERT OR IGNORE INTO quota_defaults (platform, workspace_id) VALUES (?, ?)').run(platform, workspaceId);
    for (const f of QUOTA_FIELDS) {
      if (quota[f] === undefined) continue;
      this.sql(`UPDATE quota_defaults SET ${COLUMN[f]} = ? WHERE platform = ? AND workspace_id = ?`)
        .run(quota[f], platform, workspaceId);
    }
  }

  user(user: UserKey): UserSettings {
    const row = this.sql('SELECT * FROM user_settings WHERE platform = ? AND workspace_id = ? AND user_id = ?')
      .get(user.platform, user.workspaceId, user.userId) as (QuotaColumns & { role: string | null; usage_reset_at: number | null }) | undefined;
    return {
      role: (row?.role ?? undefined) as Role | undefined,
      quota: quotaFrom(row),
      usageResetAt: row?.usage_reset_at ?? undefined,
    };
  }

  private ensureUser(user: UserKey): void {
    this.sql('INSERT OR IGNORE INTO user_settings (platform, workspace_id, user_id) VALUES (?, ?, ?)')
      .run(user.platform, user.workspaceId, user.userId);
  }

  setUserQuota(user: UserKey, quota: Partial<Quota>): void {
    this.ensureUser(user);
    for (const f of QUOTA_FIELDS) {
      if (quota[f] === undefined) continue;
      this.sql(`UPDATE user_settings SET ${COLUMN[f]} = ? WHERE platform = ? AND workspace_id = ? AND user_id = ?`)
        .run(quota[f], user.platform, user.workspaceId, user.userId);
    }
  }

  setRole(user: UserKey, role: Role): void {
    this.ensureUser(user);
    this.sql('UPDATE user_settings SET role = ? WHERE platform = ? AND workspace_id = ? AND user_id = ?')
      .run(role, user.platform, user.workspaceId, user.userId);
  }

  resetUsage(user: UserKey, at: number): void {
    this.ensureUser(user);
    this.sql('UPDATE user_settings SET usage_reset_at = ? WHERE platform = ? AND workspace_id = ? AND user_id = ?')
      .run(at, user.platform, user.workspaceId, user.userId);
  }

  audit(at: number, actor: UserKey, action: string, target: string, before: unknown, after: unknown): void {
    this.sql(
        `INSERT INTO audit (at, actor_platform, actor_workspace, actor_user, action, target, before, after)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        at,
        actor.platform,
        actor.workspaceId,
        actor.userId,
        action,
        target,
        before === undefined ? null : JSON.stringify(before),
        after === undefined ? null : JSON.stringify(after),
      );
  }

  auditLog(limit = 100): AuditEntry[] {
    const rows = this.sql('SELECT * FROM audit ORDER BY id DESC LIMIT ?').all(limit) as {
      id: number;
      at: number;
      actor_platform: string;
      actor_workspace: string;
      actor_user: string;
      action: string;
      target: string;
      before: string | null;
      after: string | null;
    }[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      actor: { platform: r.actor_platform, workspaceId: r.actor_workspace, userId: r.actor_user },
      action: r.action,
      target: r.target,
      before: r.before === null ? undefined : JSON.parse(r.before),
      after: r.after === null ? undefined : JSON.parse(r.after),
    }));
  }
}

// Quotas on SQLite: workspace defaults, a user's settings (role, quota, usage reset), usage counts and statistics.
// The synchronous readers are also what admission reads inside its transaction (jobs.ts).
import type { AdmissionSnapshot, Quota, Quotas, Role, UsageStatsRows, UserKey, UserSettings } from '../../src/jobs/ports.js';
import { quotaFromRow } from '../rows.js';
import type { SqliteConnection } from './connection.js';
import { countJobsSince } from './sql/count-jobs-since.js';
import { countQueued } from './sql/count-queued.js';
import { gpuMsSince } from './sql/gpu-ms-since.js';
import { selectUserSettings } from './sql/select-user-settings.js';
import { selectWorkspaceDefaults } from './sql/select-workspace-defaults.js';
import { statsPerDay } from './sql/stats-per-day.js';
import { statsPerUser } from './sql/stats-per-user.js';
import { upsertUsageReset } from './sql/upsert-usage-reset.js';
import { upsertUserQuota } from './sql/upsert-user-quota.js';
import { upsertUserRole } from './sql/upsert-user-role.js';
import { upsertWorkspaceDefaults } from './sql/upsert-workspace-defaults.js';

const userParams = (u: UserKey) => ({ platform: u.platform, workspaceId: u.workspaceId, userId: u.userId });

/** The quota columns to set (NULL: keep what is stored). */
const quotaParams = (q: Partial<Quota>) => ({
  jobsPerDay: q.jobsPerDay ?? null,
  gpuSecondsPerDay: q.gpuSecondsPerDay ?? null,
  maxQueued: q.maxQueued ?? null,
  maxSize: q.maxSize ?? null,
  maxIterations: q.maxIterations ?? null,
});

export function countJobsSinceNow(c: SqliteConnection, user: UserKey, since: number): number {
  return (c.sql(countJobsSince).get({ ...userParams(user), since }) as { n: number }).n;
}

export function gpuMsSinceNow(c: SqliteConnection, user: UserKey, since: number): number {
  return (c.sql(gpuMsSince).get({ ...userParams(user), since }) as { ms: number }).ms;
}

export function countQueuedNow(c: SqliteConnection, user: UserKey): number {
  return (c.sql(countQueued).get(userParams(user)) as { n: number }).n;
}

export function workspaceDefaultsNow(c: SqliteConnection, platform: string, workspaceId: string): Partial<Quota> {
  return quotaFromRow(c.sql(selectWorkspaceDefaults).get({ platform, workspaceId }) as Record<string, number | null> | undefined);
}

export function userSettingsNow(c: SqliteConnection, user: UserKey): UserSettings {
  const row = c.sql(selectUserSettings).get(userParams(user)) as
    | (Record<string, number | null> & { role: string | null; usage_reset_at: number | null })
    | undefined;
  return {
    role: (row?.role ?? undefined) as Role | undefined,
    quota: quotaFromRow(row),
    usageResetAt: row?.usage_reset_at ?? undefined,
  };
}

/** What the quota check of one user sees, usage counted from max(since, the user's last reset). */
export function admissionSnapshotNow(c: SqliteConnection, user: UserKey, since: number): AdmissionSnapshot {
  const settings = userSettingsNow(c, user);
  const from = Math.max(since, settings.usageResetAt ?? 0);
  return {
    workspaceDefaults: workspaceDefaultsNow(c, user.platform, user.workspaceId),
    user: settings,
    jobsToday: countJobsSinceNow(c, user, from),
    gpuMsToday: gpuMsSinceNow(c, user, from),
    queuedNow: countQueuedNow(c, user),
  };
}

export class SqliteQuotas implements Quotas {
  constructor(private readonly c: SqliteConnection) {}

  countJobsSince(user: UserKey, since: number): Promise<number> {
    return this.c.read(() => countJobsSinceNow(this.c, user, since));
  }

  gpuMsSince(user: UserKey, since: number): Promise<number> {
    return this.c.read(() => gpuMsSinceNow(this.c, user, since));
  }

  countQueued(user: UserKey): Promise<number> {
    return this.c.read(() => countQueuedNow(this.c, user));
  }

  workspaceDefaults(platform: string, workspaceId: string): Promise<Partial<Quota>> {
    return this.c.read(() => workspaceDefaultsNow(this.c, platform, workspaceId));
  }

  async setWorkspaceDefaults(platform: string, workspaceId: string, quota: Partial<Quota>): Promise<void> {
    await this.c.write(() => this.c.sql(upsertWorkspaceDefaults).run({ platform, workspaceId, ...quotaParams(quota) }));
  }

  userSettings(user: UserKey): Promise<UserSettings> {
    return this.c.read(() => userSettingsNow(this.c, user));
  }

  async setUserQuota(user: UserKey, quota: Partial<Quota>): Promise<void> {
    await this.c.write(() => this.c.sql(upsertUserQuota).run({ ...userParams(user), ...quotaParams(quota) }));
  }

  async setRole(user: UserKey, role: Role): Promise<void> {
    await this.c.write(() => this.c.sql(upsertUserRole).run({ ...userParams(user), role }));
  }

  async resetUsage(user: UserKey, at: number): Promise<void> {
    await this.c.write(() => this.c.sql(upsertUsageReset).run({ ...userParams(user), at }));
  }

  stats(since: number, workspaceId?: string): Promise<UsageStatsRows> {
    const params = { since, ws: workspaceId ?? null };
    return this.c.read(() => ({
      perUser: this.c.sql(statsPerUser).all(params) as UsageStatsRows['perUser'],
      perDay: this.c.sql(statsPerDay).all(params) as UsageStatsRows['perDay'],
    }));
  }
}

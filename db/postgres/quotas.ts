// Quotas on PostgreSQL: workspace defaults, a user's settings (role, quota, usage reset), usage counts and
// statistics. The readers take a connection, so admission (jobs.ts) reads them inside its transaction.
import type { AdmissionSnapshot, Quota, Quotas, Role, UsageStatsRows, UserKey, UserSettings } from '../../src/jobs/ports.js';
import { quotaFromRow } from '../rows.js';
import { changesOf, type Queryable, rowsOf } from './database.js';
import { admissionCounts } from './sql/admission-counts.js';
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

/** A user's key as statement parameters $1..$3. */
export const userArgs = (u: UserKey) => [u.platform, u.workspaceId, u.userId];

/** The quota values to set, in the statements' order (NULL: keep what is stored). */
const quotaArgs = (q: Partial<Quota>) => [q.jobsPerDay, q.gpuSecondsPerDay, q.maxQueued, q.maxSize, q.maxIterations].map((v) => v ?? null);

export async function workspaceDefaultsOn(db: Queryable, platform: string, workspaceId: string): Promise<Partial<Quota>> {
  const [row] = await rowsOf(db, selectWorkspaceDefaults, [platform, workspaceId]);
  return quotaFromRow(row);
}

export async function userSettingsOn(db: Queryable, user: UserKey): Promise<UserSettings> {
  const [row] = await rowsOf<Record<string, unknown> & { role: string | null; usage_reset_at: number | null }>(
    db,
    selectUserSettings,
    userArgs(user),
  );
  const settings: UserSettings = { quota: quotaFromRow(row) };
  if (row?.role) settings.role = row.role as Role;
  if (row?.usage_reset_at !== null && row?.usage_reset_at !== undefined) settings.usageResetAt = row.usage_reset_at;
  return settings;
}

/** What the quota check of one user sees, usage counted from max(since, the user's last reset). */
export async function admissionSnapshotOn(db: Queryable, user: UserKey, since: number): Promise<AdmissionSnapshot> {
  const settings = await userSettingsOn(db, user);
  const from = Math.max(since, settings.usageResetAt ?? 0);
  const [counts] = await rowsOf<{ jobs_today: number; gpu_ms_today: number; queued_now: number }>(db, admissionCounts, [
    ...userArgs(user),
    from,
  ]);
  return {
    workspaceDefaults: await workspaceDefaultsOn(db, user.platform, user.workspaceId),
    user: settings,
    jobsToday: counts!.jobs_today,
    gpuMsToday: counts!.gpu_ms_today,
    queuedNow: counts!.queued_now,
  };
}

export class PostgresQuotas implements Quotas {
  constructor(private readonly db: Queryable) {}

  async countJobsSince(user: UserKey, since: number): Promise<number> {
    const [row] = await rowsOf<{ n: number }>(this.db, countJobsSince, [...userArgs(user), since]);
    return row!.n;
  }

  async gpuMsSince(user: UserKey, since: number): Promise<number> {
    const [row] = await rowsOf<{ ms: number }>(this.db, gpuMsSince, [...userArgs(user), since]);
    return row!.ms;
  }

  async countQueued(user: UserKey): Promise<number> {
    const [row] = await rowsOf<{ n: number }>(this.db, countQueued, userArgs(user));
    return row!.n;
  }

  workspaceDefaults(platform: string, workspaceId: string): Promise<Partial<Quota>> {
    return workspaceDefaultsOn(this.db, platform, workspaceId);
  }

  async setWorkspaceDefaults(platform: string, workspaceId: string, quota: Partial<Quota>): Promise<void> {
    await changesOf(this.db, upsertWorkspaceDefaults, [platform, workspaceId, ...quotaArgs(quota)]);
  }

  userSettings(user: UserKey): Promise<UserSettings> {
    return userSettingsOn(this.db, user);
  }

  async setUserQuota(user: UserKey, quota: Partial<Quota>): Promise<void> {
    await changesOf(this.db, upsertUserQuota, [...userArgs(user), ...quotaArgs(quota)]);
  }

  async setRole(user: UserKey, role: Role): Promise<void> {
    await changesOf(this.db, upsertUserRole, [...userArgs(user), role]);
  }

  async resetUsage(user: UserKey, at: number): Promise<void> {
    await changesOf(this.db, upsertUsageReset, [...userArgs(user), at]);
  }

  async stats(since: number, workspaceId?: string): Promise<UsageStatsRows> {
    const args = [since, workspaceId ?? null];
    const perUser = await rowsOf<UsageStatsRows['perUser'][number]>(this.db, statsPerUser, args);
    const perDay = await rowsOf<UsageStatsRows['perDay'][number]>(this.db, statsPerDay, args);
    return { perUser, perDay };
  }
}

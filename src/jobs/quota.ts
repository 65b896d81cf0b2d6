// Quota policy: the effective quota of a user, their usage today, and the refusal messages.
import type { AdmissionSnapshot, Quotas, UserKey } from './ports.js';
import type { Quota, Role, UserUsage } from './types.js';

const DAY_MS = 86_400_000;

/** Epoch ms of the UTC midnight that starts the day of `now`. */
export function utcDayStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** "3 h 12 min" / "45 min" / "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min`;
}

function resetText(usage: UserUsage, now: number): string {
  return `It resets at 00:00 UTC (${new Date(usage.resetsAt).toISOString()}), in ${formatDuration(usage.resetsAt - now)}.`;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

export class QuotaPolicy {
  constructor(
    private readonly store: Quotas,
    private readonly builtin: Quota,
  ) {}

  /** Built-in defaults <- the workspace defaults an admin set. */
  async workspaceQuota(platform: string, workspaceId: string): Promise<Quota> {
    return { ...this.builtin, ...(await this.store.workspaceDefaults(platform, workspaceId)) };
  }

  /** Built-in defaults <- workspace defaults <- the user's overrides. */
  async quotaOf(user: UserKey): Promise<Quota> {
    const [workspace, settings] = await Promise.all([
      this.store.workspaceDefaults(user.platform, user.workspaceId),
      this.store.userSettings(user),
    ]);
    return { ...this.builtin, ...workspace, ...settings.quota };
  }

  async usageOf(user: UserKey, now: number): Promise<UserUsage> {
    const dayStart = utcDayStart(now);
    const since = Math.max(dayStart, (await this.store.userSettings(user)).usageResetAt ?? 0);
    const [jobs, gpuMs, queued] = await Promise.all([
      this.store.countJobsSince(user, since),
      this.store.gpuMsSince(user, since),
      this.store.countQueued(user),
    ]);
    return { jobsToday: jobs, gpuSecondsToday: round1(gpuMs / 1000), queuedNow: queued, resetsAt: dayStart + DAY_MS };
  }

  /**
   * The user-facing reason a new job would be refused, or null when it may be queued; decided on the snapshot the
   * store read inside the admission transaction. Admins have no limits.
   */
  refusal(snapshot: AdmissionSnapshot, role: Role, size: number, iterations: number, now: number): string | null {
    if (role === 'admin') return null;
    const quota: Quota = { ...this.builtin, ...snapshot.workspaceDefaults, ...snapshot.user.quota };
    if (size > quota.maxSize) {
      return `Size ${size} px is over your limit of ${quota.maxSize} px. Ask for size ${quota.maxSize} or smaller.`;
    }
    if (iterations > quota.maxIterations) {
      return `${iterations} iterations is over your limit of ${quota.maxIterations}. Ask for ${quota.maxIterations} or fewer.`;
    }
    const dayStart = utcDayStart(now);
    const usage: UserUsage = {
      jobsToday: snapshot.jobsToday,
      gpuSecondsToday: round1(snapshot.gpuMsToday / 1000),
      queuedNow: snapshot.queuedNow,
      resetsAt: dayStart + DAY_MS,
    };
    if (usage.queuedNow >= quota.maxQueued) {
      return (
        `You already have ${usage.queuedNow} job${usage.queuedNow === 1 ? '' : 's'} waiting, the most you may have queued at once ` +
        `(${quota.maxQueued}). Wait until one starts, or cancel one.`
      );
    }
    if (usage.jobsToday >= quota.jobsPerDay) {
      return `You have used all ${quota.jobsPerDay} of your jobs for today (${usage.jobsToday}/${quota.jobsPerDay}). ${resetText(usage, now)}`;
    }
    if (usage.gpuSecondsToday >= quota.gpuSecondsPerDay) {
      return (
        `You have used your engine time for today (${usage.gpuSecondsToday}/${quota.gpuSecondsPerDay} GPU seconds). ` +
        resetText(usage, now)
      );
    }
    return null;
  }
}

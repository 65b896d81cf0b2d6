// The one access check of the job core: can(requester, action, job). Roles come from configuration
// (STYLEBOT_ADMINS, the CLI), the stored role an admin set, or the platform (Manage Server / workspace admin).
import type { Quotas } from './ports.js';
import type { Job, JobAction, Platform, Requester, Role } from './types.js';

/**
 * cancel, rerun, manage: act on a job (cancel it, re-run it, press its buttons).
 * admin: change quotas, roles and the artists corpus of a workspace (scope: the target's workspace, or none).
 */
export type { JobAction } from './types.js';

export type Scope = Pick<Job, 'platform' | 'workspaceId'> & Partial<Pick<Job, 'userId'>>;

export class AccessPolicy {
  constructor(
    private readonly store: Pick<Quotas, 'userSettings'>,
    private readonly admins: ReadonlySet<string>,
  ) {}

  /** Admins by configuration (by id or "platform:id") and CLI users: admins everywhere. */
  isGlobalAdmin(r: { platform: Platform; userId: string }): boolean {
    return r.platform === 'cli' || this.admins.has(r.userId) || this.admins.has(`${r.platform}:${r.userId}`);
  }

  /** The role of a user: configured admin > stored role > the platform's admin flag > user. */
  async roleOf(r: { platform: Platform; workspaceId: string; userId: string; isPlatformAdmin?: boolean }): Promise<Role> {
    if (this.isGlobalAdmin(r)) return 'admin';
    const stored = (await this.store.userSettings(r)).role;
    if (stored) return stored;
    return r.isPlatformAdmin === true ? 'admin' : 'user';
  }

  /** True when `requester` started the job (same platform, workspace and user). */
  static owns(requester: Requester, job: Scope): boolean {
    return job.platform === requester.platform && job.workspaceId === requester.workspaceId && job.userId === requester.userId;
  }

  /**
   * Whether `requester` may do `action` on `job` (or, for 'admin', in the job's/target's workspace; without a scope,
   * anywhere they are admin). Owners manage their own jobs; admins manage jobs of their own workspace; configured
   * admins act everywhere.
   */
  async can(requester: Requester, action: JobAction, job?: Scope): Promise<boolean> {
    if (this.isGlobalAdmin(requester)) return true;
    if (action !== 'admin' && job?.userId !== undefined && AccessPolicy.owns(requester, job)) return true;
    if ((await this.roleOf(requester)) !== 'admin') return false;
    return !job || (job.platform === requester.platform && job.workspaceId === requester.workspaceId);
  }
}

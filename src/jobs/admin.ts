// Admin operations: quotas, roles, usage resets, statistics and the artists corpus. Every change is audited.
import { UserError } from '../errors.js';
import { existsSync, mkdirSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { QUOTA_FIELDS, type AuditEntry, type AuditLog, type JobRepository, type Quotas } from './ports.js';
import { publicJob } from './public-job.js';
import { probeImage } from '../images/index.js';
import { listArtists, listWorks } from '../engine/artists.js';
import { utcDayStart, type QuotaPolicy } from './quota.js';
import { AccessPolicy } from './access.js';
import type { AdminOperations, Job, JobState, Platform, Quota, Requester, Role, UsageStats, UserRef, UserUsage } from './types.js';

const DAY_MS = 86_400_000;
const IMAGE_EXTENSIONS: Record<string, string> = { jpeg: 'jpg', jpg: 'jpg', png: 'png', webp: 'webp', gif: 'gif' };

/** Refused admin action; the message is for the person who tried. */
export class AdminError extends UserError {
  constructor(message: string) {
    super('not_allowed', message);
    this.name = 'AdminError';
  }
}

export interface AdminContext {
  store: Quotas & AuditLog & Pick<JobRepository, 'listJobs'>;
  quotas: QuotaPolicy;
  access: AccessPolicy;
  now: () => number;
  artistsDir: () => string;
  showQuota: (target: UserRef) => Promise<{ quota: Quota; usage: UserUsage; role: Role }>;
}

/** "Van Gogh" -> "van-gogh", "Hokusai_1830" -> "hokusai-1830". */
export function kebabCase(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const targetText = (t: UserRef) => `${t.platform}/${t.workspaceId}/${t.userId}`;

function checkQuotaValues(quota: Partial<Quota>): Partial<Quota> {
  const clean: Partial<Quota> = {};
  for (const [key, value] of Object.entries(quota)) {
    if (value === undefined) continue;
    if (!(QUOTA_FIELDS as readonly string[]).includes(key)) throw new AdminError(`Unknown quota setting "${key}".`);
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new AdminError(`${key} must be a whole number of 0 or more (got ${JSON.stringify(value)}).`);
    }
    clean[key as keyof Quota] = value;
  }
  if (!Object.keys(clean).length) throw new AdminError('Name at least one quota setting to change.');
  return clean;
}

export class JobAdmin implements AdminOperations {
  constructor(private readonly ctx: AdminContext) {}

  /** Admins act within their own workspace; configured admins and the CLI act anywhere. */
  private async requireAdmin(by: Requester, scope?: { platform: Platform; workspaceId: string }): Promise<void> {
    if (await this.ctx.access.can(by, 'admin', scope)) return;
    if (!(await this.ctx.access.can(by, 'admin'))) throw new AdminError('Only an admin can do that.');
    throw new AdminError('Admins can only change their own workspace.');
  }

  private audit(by: Requester, action: string, target: string, before: unknown, after: unknown): Promise<void> {
    return this.ctx.store.audit(this.ctx.now(), by, action, target, before, after);
  }

  async setQuota(by: Requester, target: UserRef, quota: Partial<Quota>): Promise<Quota> {
    await this.requireAdmin(by, target);
    const change = checkQuotaValues(quota);
    const before = await this.ctx.quotas.quotaOf(target);
    await this.ctx.store.setUserQuota(target, change);
    const after = await this.ctx.quotas.quotaOf(target);
    await this.audit(by, 'quota.set', targetText(target), before, after);
    return after;
  }

  async setRole(by: Requester, target: UserRef, role: Role): Promise<void> {
    await this.requireAdmin(by, target);
    if (role !== 'admin' && role !== 'user') throw new AdminError(`A role is "admin" or "user" (got "${String(role)}").`);
    const before = (await this.ctx.store.userSettings(target)).role ?? null;
    await this.ctx.store.setRole(target, role);
    await this.audit(by, 'role.set', targetText(target), { role: before }, { role });
  }

  async setDefaults(by: Requester, workspace: { platform: Platform; workspaceId: string }, quota: Partial<Quota>): Promise<Quota> {
    await this.requireAdmin(by, workspace);
    const change = checkQuotaValues(quota);
    const before = await this.ctx.quotas.workspaceQuota(workspace.platform, workspace.workspaceId);
    await this.ctx.store.setWorkspaceDefaults(workspace.platform, workspace.workspaceId, change);
    const after = await this.ctx.quotas.workspaceQuota(workspace.platform, workspace.workspaceId);
    await this.audit(by, 'defaults.set', `${workspace.platform}/${workspace.workspaceId}`, before, after);
    return after;
  }

  async resetUsage(by: Requester, target: UserRef): Promise<void> {
    await this.requireAdmin(by, target);
    const before = await this.ctx.quotas.usageOf(target, this.ctx.now());
    await this.ctx.store.resetUsage(target, this.ctx.now());
    await this.audit(by, 'usage.reset', targetText(target), before, await this.ctx.quotas.usageOf(target, this.ctx.now()));
  }

  /** Someone's quota, usage and role: their own, or anyone's in the workspaces the requester is admin of. */
  async showQuota(by: Requester, target: UserRef): Promise<{ quota: Quota; usage: UserUsage; role: Role }> {
    if (!AccessPolicy.owns(by, target)) await this.requireAdmin(by, target);
    return this.ctx.showQuota(target);
  }

  /** Usage per day and per user; a workspace admin sees their own workspace, configured admins any (or all). */
  async stats(by: Requester, workspaceId?: string, days = 7): Promise<UsageStats> {
    if (workspaceId === undefined || workspaceId !== by.workspaceId) await this.requireAdmin(by);
    else await this.requireAdmin(by, { platform: by.platform, workspaceId });
    const since = utcDayStart(this.ctx.now()) - (Math.max(1, Math.floor(days)) - 1) * DAY_MS;
    return this.ctx.store.stats(since, workspaceId);
  }

  async listJobs(by: Requester, filter: { state?: JobState; userId?: string } = {}): Promise<Job[]> {
    await this.requireAdmin(by);
    return (await this.ctx.store.listJobs({ state: filter.state, userId: filter.userId, limit: 200 })).map(publicJob);
  }

  async auditLog(by: Requester, limit = 100): Promise<AuditEntry[]> {
    await this.requireAdmin(by);
    return this.ctx.store.auditLog(limit);
  }

  // ---- artists corpus ---------------------------------------------------------------------------------------

  artists(): { name: string; works: string[] }[] {
    const dir = this.ctx.artistsDir();
    return listArtists(dir).map((name) => ({ name, works: listWorks(dir, name) }));
  }

  /** Adds an image to an artist's folder (created when new); returns "artist/file". */
  async addArtwork(by: Requester, artist: string, fileName: string, image: Uint8Array): Promise<string> {
    await this.requireAdmin(by);
    const folder = kebabCase(artist);
    if (!folder) throw new AdminError(`"${artist}" is not a usable artist name: use letters and digits.`);
    if (/[\\/]|\.\./.test(fileName) || fileName.startsWith('.')) {
      throw new AdminError(`"${fileName}" is not an acceptable file name: give a plain name like "the-kiss.jpg".`);
    }
    const probe = await probeImage(image).catch((err: unknown) => {
      throw new AdminError(`That file is not a usable image: ${err instanceof Error ? err.message : String(err)}`);
    });
    const ext = IMAGE_EXTENSIONS[probe.format.toLowerCase()];
    if (!ext) throw new AdminError(`Images must be JPEG, PNG, WebP or GIF (this one is ${probe.format}).`);
    const base = kebabCase(fileName.replace(/\.[^.]*$/, ''));
    if (!base) throw new AdminError(`"${fileName}" is not an acceptable file name: use letters and digits.`);
    const file = `${base}.${ext}`;
    const root = resolve(this.ctx.artistsDir());
    const dir = join(root, folder);
    const path = join(dir, file);
    if (!path.startsWith(root + sep)) throw new AdminError('That path is outside the artists folder.');
    if (existsSync(path)) throw new AdminError(`${folder}/${file} already exists; remove it first or choose another name.`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, image);
    const work = `${folder}/${file}`;
    await this.audit(by, 'artwork.add', work, null, { artist: folder, file, width: probe.width, height: probe.height, bytes: image.length });
    return work;
  }

  async removeArtwork(by: Requester, artist: string, work: string): Promise<void> {
    await this.requireAdmin(by);
    const folder = kebabCase(artist);
    const file = work.includes('/') ? work.slice(work.lastIndexOf('/') + 1) : work;
    if (!folder || !file || file.startsWith('.') || /[\\]|\.\./.test(file) || (work.includes('/') && !work.startsWith(`${folder}/`) && kebabCase(work.split('/')[0]!) !== folder)) {
      throw new AdminError(`"${work}" is not a work of ${artist}.`);
    }
    const root = resolve(this.ctx.artistsDir());
    const dir = join(root, folder);
    const path = join(dir, file);
    if (!path.startsWith(root + sep) || !existsSync(path)) throw new AdminError(`There is no work "${file}" by ${folder}.`);
    unlinkSync(path);
    if (readdirSync(dir).length === 0) rmdirSync(dir);
    await this.audit(by, 'artwork.remove', `${folder}/${file}`, { artist: folder, file }, null);
  }
}

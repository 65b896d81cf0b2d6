// Admin operations: quotas, roles, usage resets, statistics and the artists corpus. Every change is audited.
import { z } from 'zod';
import { UserError } from '../errors.js';
import { existsSync, mkdirSync, readdirSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import {
  QUOTA_FIELDS,
  STORED_LIMITS,
  type AuditEntry,
  type AuditLog,
  type JobRepository,
  type Quotas,
  type ServerSettings,
} from './ports.js';
import { publicJob } from './public-job.js';
import { probeImage } from '../images/index.js';
import { listArtists, listWorks } from '../engine/artists.js';
import { utcDayStart, type QuotaPolicy } from './quota.js';
import { AccessPolicy } from './access.js';
import {
  EMPTY_SERVER_SETTINGS,
  type AdminOperations,
  type Job,
  type JobState,
  type Platform,
  type Quota,
  type Requester,
  type Role,
  type ServerSettingsRecord,
  type UsageStats,
  type UserRef,
  type UserUsage,
} from './types.js';

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
  store: Quotas & AuditLog & ServerSettings & Pick<JobRepository, 'listJobs'>;
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

// What an admin may give, as the stores hold it (STORED_LIMITS): the one definition of these values, used here for
// every surface (chat commands, the CLI) and by the studio's admin API for its bodies (admin-api.ts).

/** An id (workspace, user) as the stores hold it: trimmed text, 1 to 256 characters, no NUL byte. */
export function storedIdSchema(what: string) {
  return z
    .string({ error: `${what} must be text` })
    .trim()
    .min(1, { error: `${what} is empty` })
    .max(STORED_LIMITS.maxIdLength, { error: `${what} has more than ${STORED_LIMITS.maxIdLength} characters` })
    .refine((v) => !v.includes('\u0000'), { error: `${what} contains a NUL byte` });
}

/** A quota value as the stores hold it: a whole number from 0 to 2^31-1 (also from text such as "25"). */
export function quotaValueSchema(what: string) {
  const range = `${what} must be a whole number of 0 or more, up to ${STORED_LIMITS.maxCount}`;
  return z.preprocess(
    (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: range }).int({ error: range }).min(0, { error: range }).max(STORED_LIMITS.maxCount, { error: range }),
  );
}

/** The longest artist or work name the corpus takes: its folder and file names must fit the file system's 255 bytes. */
export const MAX_ARTWORK_NAME = 100;

/** The value, or a UserError ('bad_option') with the schema's first problem. */
function checked<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new UserError('bad_option', `${result.error.issues[0]?.message ?? 'That value cannot be used'}.`);
}

function checkTarget<T extends { platform: Platform; workspaceId: string; userId?: string }>(target: T): T {
  checked(storedIdSchema('The workspace id'), target.workspaceId);
  if (target.userId !== undefined) checked(storedIdSchema('The user id'), target.userId);
  return target;
}

function checkQuotaValues(quota: Partial<Quota>): Partial<Quota> {
  const clean: Partial<Quota> = {};
  for (const [key, value] of Object.entries(quota)) {
    if (value === undefined) continue;
    if (!(QUOTA_FIELDS as readonly string[]).includes(key)) throw new AdminError(`Unknown quota setting "${key}".`);
    if (typeof value !== 'number') throw new UserError('bad_option', `${key} must be a number (got ${JSON.stringify(value)}).`);
    clean[key as keyof Quota] = checked(quotaValueSchema(key), value) as number;
  }
  if (!Object.keys(clean).length) throw new AdminError('Name at least one quota setting to change.');
  return clean;
}

/** An artist or work name short enough for the corpus's folders; `what` names it in the message. */
function checkArtworkName(what: string, name: string, derived: string): void {
  if (name.length > MAX_ARTWORK_NAME || derived.length > MAX_ARTWORK_NAME) {
    throw new UserError('bad_request', `${what} has more than ${MAX_ARTWORK_NAME} characters; give a shorter one.`);
  }
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
    await this.requireAdmin(by, checkTarget(target));
    const change = checkQuotaValues(quota);
    const before = await this.ctx.quotas.quotaOf(target);
    await this.ctx.store.setUserQuota(target, change);
    const after = await this.ctx.quotas.quotaOf(target);
    await this.audit(by, 'quota.set', targetText(target), before, after);
    return after;
  }

  async setRole(by: Requester, target: UserRef, role: Role): Promise<void> {
    await this.requireAdmin(by, checkTarget(target));
    if (role !== 'admin' && role !== 'user') throw new AdminError(`A role is "admin" or "user" (got "${String(role)}").`);
    const before = (await this.ctx.store.userSettings(target)).role ?? null;
    await this.ctx.store.setRole(target, role);
    await this.audit(by, 'role.set', targetText(target), { role: before }, { role });
  }

  async setServerSettings(
    by: Requester,
    workspace: { platform: Platform; workspaceId: string },
    settings: ServerSettingsRecord,
  ): Promise<ServerSettingsRecord> {
    await this.requireAdmin(by, checkTarget(workspace));
    const { allowedChannels, defaultBudget, defaultSize } = settings;
    if (allowedChannels.length > 100) throw new AdminError('A server can allow at most 100 channels.');
    if (defaultBudget !== undefined && !(Number.isInteger(defaultBudget) && defaultBudget >= 5 && defaultBudget <= 3600)) {
      throw new AdminError('The default budget is a whole number of seconds from 5 to 3600.');
    }
    if (defaultSize !== undefined && !(Number.isInteger(defaultSize) && defaultSize >= 32 && defaultSize <= 4096)) {
      throw new AdminError('The default size is a whole number of pixels from 32 to 4096.');
    }
    const before = (await this.ctx.store.serverSettings(workspace.platform, workspace.workspaceId)) ?? EMPTY_SERVER_SETTINGS;
    const after: ServerSettingsRecord = { ...settings, allowedChannels: [...new Set(allowedChannels)] };
    await this.ctx.store.saveServerSettings(workspace.platform, workspace.workspaceId, after, this.ctx.now());
    await this.audit(by, 'server.settings', `${workspace.platform}/${workspace.workspaceId}`, before, after);
    return after;
  }

  async setDefaults(by: Requester, workspace: { platform: Platform; workspaceId: string }, quota: Partial<Quota>): Promise<Quota> {
    await this.requireAdmin(by, checkTarget(workspace));
    const change = checkQuotaValues(quota);
    const before = await this.ctx.quotas.workspaceQuota(workspace.platform, workspace.workspaceId);
    await this.ctx.store.setWorkspaceDefaults(workspace.platform, workspace.workspaceId, change);
    const after = await this.ctx.quotas.workspaceQuota(workspace.platform, workspace.workspaceId);
    await this.audit(by, 'defaults.set', `${workspace.platform}/${workspace.workspaceId}`, before, after);
    return after;
  }

  async resetUsage(by: Requester, target: UserRef): Promise<void> {
    await this.requireAdmin(by, checkTarget(target));
    const before = await this.ctx.quotas.usageOf(target, this.ctx.now());
    await this.ctx.store.resetUsage(target, this.ctx.now());
    await this.audit(by, 'usage.reset', targetText(target), before, await this.ctx.quotas.usageOf(target, this.ctx.now()));
  }

  /** Someone's quota, usage and role: their own, or anyone's in the workspaces the requester is admin of. */
  async showQuota(by: Requester, target: UserRef): Promise<{ quota: Quota; usage: UserUsage; role: Role }> {
    if (!AccessPolicy.owns(by, checkTarget(target))) await this.requireAdmin(by, target);
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
    checkArtworkName('The artist name', artist, folder);
    if (!folder) throw new AdminError(`"${artist}" is not a usable artist name: use letters and digits.`);
    checkArtworkName('The file name', fileName, kebabCase(fileName));
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
    await this.audit(by, 'artwork.add', work, null, {
      artist: folder,
      file,
      width: probe.width,
      height: probe.height,
      bytes: image.length,
    });
    return work;
  }

  async removeArtwork(by: Requester, artist: string, work: string): Promise<void> {
    await this.requireAdmin(by);
    const folder = kebabCase(artist);
    checkArtworkName('The artist name', artist, folder);
    checkArtworkName('The work name', work, work);
    const file = work.includes('/') ? work.slice(work.lastIndexOf('/') + 1) : work;
    if (
      !folder ||
      !file ||
      file.startsWith('.') ||
      /[\\]|\.\./.test(file) ||
      (work.includes('/') && !work.startsWith(`${folder}/`) && kebabCase(work.split('/')[0]!) !== folder)
    ) {
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

// Intake: a request becomes a stored, queued job. Validates the options and images, picks the artwork in artist
// mode, and admits the job with the quota check and the insert in one store transaction.
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobBlob, JobRecord, JobRepository, StoredStyle } from './ports.js';
import type { StylizeOptions } from '../options/types.js';
import { listWorks, pickArtwork, resolveArtist, UnknownArtistError } from '../engine/artists.js';
import { isUserError, refusalCodeOf } from '../errors/index.js';
import { checkWorkingShapes, plannedShapes } from '../engine/inputs.js';
import { probeImage } from '../images/index.js';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from '../engine/validate.js';
import type { AccessPolicy } from './access.js';
import { utcDayStart, type QuotaPolicy } from './quota.js';
import type { EnqueueResult, JobInputs, ReplyTarget, Requester } from './types.js';

export const ADMIN_PRIORITY = 10;
export const USER_PRIORITY = 0;

/** What a new job is made of once its inputs are bytes (new request, or a re-run of stored inputs). */
interface AcceptSpec {
  content?: Uint8Array;
  contentName?: string;
  styles: { image: Uint8Array; weight: number; name: string }[];
  artist?: string;
  artwork?: string;
  options: Partial<StylizeOptions>;
  parentId?: string;
  /** The picture to start from (options.init 'picture'), stored as the job's INIT_BLOB. */
  init?: Uint8Array;
}

/** The blob of a job's starting picture (a finished result, for Upscale and its re-runs). */
export const INIT_BLOB = 'init.png';
/** The blob of a finished job's picture. */
export const RESULT_BLOB = 'result.png';

export type Admission = { ok: true; job: JobRecord } | Extract<EnqueueResult, { ok: false }>;

export interface IntakeDeps {
  store: Pick<JobRepository, 'admitJob' | 'getJob' | 'getBlob'>;
  quotas: QuotaPolicy;
  access: AccessPolicy;
  now: () => number;
  artistsDir: () => string;
  retentionDays: number;
}

const isAbsent = (v: unknown) => v === undefined || v === null;

export class Intake {
  constructor(private readonly deps: IntakeDeps) {}

  /** Validates and stores a new request. Refusals carry the message for the user. */
  async enqueue(requester: Requester, reply: ReplyTarget, inputs: JobInputs): Promise<Admission> {
    const options = { ...(inputs.options ?? {}) };
    const styles = inputs.styles ?? [];
    if (!styles.length) {
      if (!inputs.artist?.trim()) {
        return { ok: false, reason: 'invalid', message: 'Give at least one style image, or the name of an artist.' };
      }
      if (isAbsent(options.seed)) options.seed = randomInt(0, 2 ** 31);
      if (options.pick === 'closest' && inputs.content) {
        // Every work is a candidate; the engine takes the one closest to the photo and the result names it.
        const works = this.artistWorks(inputs.artist.trim());
        if (!works.ok) return works.refusal;
        return this.accept(requester, reply, {
          content: inputs.content,
          contentName: inputs.contentName,
          styles: works.styles,
          artist: works.artist,
          options,
        });
      }
      const picked = this.pickArtwork(inputs.artist.trim(), options.seed!);
      if (!picked.ok) return picked.refusal;
      return this.accept(requester, reply, {
        content: inputs.content,
        contentName: inputs.contentName,
        styles: [{ image: picked.image, weight: 1, name: picked.artwork }],
        artist: picked.artist,
        artwork: picked.artwork,
        options,
      });
    }
    return this.accept(requester, reply, {
      content: inputs.content,
      contentName: inputs.contentName,
      styles: styles.map((s, i) => ({ image: s.image, weight: s.weight ?? 1, name: s.name || `style ${i + 1}` })),
      artist: inputs.artist,
      options,
    });
  }

  /**
   * Queues a copy of a stored job with changed options, for whoever may manage it. fromResult: the copy starts from
   * the job's finished picture (Upscale); otherwise from the same picture the job started from, if any.
   */
  async rerun(jobId: string, by: Requester, reply: ReplyTarget, changes: Partial<StylizeOptions>, fromResult = false): Promise<Admission> {
    const { store } = this.deps;
    const original = await store.getJob(jobId);
    if (!original) return { ok: false, reason: 'invalid', message: `There is no job ${jobId}.` };
    if (!(await this.deps.access.can(by, 'rerun', original))) {
      return { ok: false, reason: 'invalid', message: `Only the person who started job ${jobId} (or an admin) can re-run it.` };
    }
    const content = original.contentFile ? await store.getBlob(jobId, original.contentFile) : undefined;
    const styles = await Promise.all(
      original.styleFiles.map(async (s) => ({ image: await store.getBlob(jobId, s.file), weight: s.weight, name: s.name })),
    );
    if (original.filesPurged || (original.contentFile && !content) || styles.some((s) => !s.image)) {
      return {
        ok: false,
        reason: 'invalid',
        message: `The images of job ${jobId} are no longer kept (they are deleted after ${this.deps.retentionDays} days). Start a new one.`,
      };
    }
    const init = await store.getBlob(jobId, fromResult ? RESULT_BLOB : INIT_BLOB);
    if (fromResult && (original.state !== 'done' || !init)) {
      return { ok: false, reason: 'invalid', message: `Job ${jobId} has no finished picture to start from.` };
    }
    return this.accept(by, reply, {
      init,
      content,
      contentName: original.contentName,
      styles: styles.map((s) => ({ image: s.image!, weight: s.weight, name: s.name })),
      artist: original.artist,
      artwork: original.artwork,
      options: { ...original.options, ...changes },
      parentId: original.id,
    });
  }

  private pickArtwork(
    artist: string,
    seed: number,
  ): { ok: true; artist: string; artwork: string; image: Uint8Array } | { ok: false; refusal: Extract<EnqueueResult, { ok: false }> } {
    try {
      const pick = pickArtwork(this.deps.artistsDir(), artist, seed);
      return { ok: true, artist: pick.artist, artwork: `${pick.artist}/${pick.file}`, image: new Uint8Array(readFileSync(pick.path)) };
    } catch (err) {
      // A broken corpus (unreadable folder, vanished file) is internal: its message names paths.
      if (!isUserError(err)) throw err;
      const reason = err instanceof UnknownArtistError ? 'unknown_artist' : 'invalid';
      return { ok: false, refusal: { ok: false, reason, message: err.message } };
    }
  }

  /** Every work of an artist, as the candidates of a closest pick. */
  private artistWorks(
    name: string,
  ): { ok: true; artist: string; styles: AcceptSpec['styles'] } | { ok: false; refusal: Extract<EnqueueResult, { ok: false }> } {
    try {
      const dir = this.deps.artistsDir();
      const artist = resolveArtist(dir, name);
      const works = listWorks(dir, artist);
      if (works.length === 0)
        return { ok: false, refusal: { ok: false, reason: 'invalid', message: `The artist "${artist}" has no images yet.` } };
      const styles = works.map((file) => ({
        image: new Uint8Array(readFileSync(join(dir, artist, file))),
        weight: 1,
        name: `${artist}/${file}`,
      }));
      return { ok: true, artist, styles };
    } catch (err) {
      if (!isUserError(err)) throw err;
      const reason = err instanceof UnknownArtistError ? 'unknown_artist' : 'invalid';
      return { ok: false, refusal: { ok: false, reason, message: err.message } };
    }
  }

  /** Checks the options, then admits the job (quota check and insert in one transaction). */
  private async accept(requester: Requester, reply: ReplyTarget, spec: AcceptSpec): Promise<Admission> {
    if (!spec.styles.length) return { ok: false, reason: 'invalid', message: 'Give at least one style image.' };
    const { store, quotas, access } = this.deps;
    const [role, quota] = await Promise.all([access.roleOf(requester), quotas.quotaOf(requester)]);
    const options: Partial<StylizeOptions> = { ...spec.options };
    options.size ??= Math.min(DEFAULT_OPTIONS.size, quota.maxSize);
    options.iterations ??= Math.min(DEFAULT_OPTIONS.iterations, quota.maxIterations);
    if (isAbsent(options.seed)) options.seed = randomInt(0, 2 ** 31);
    try {
      const resolved = resolveOptions(options);
      checkRequest({ content: spec.content, styles: spec.styles, options });
      // The pictures' sizes are known here: a shape the engine cannot take is refused now, not queued to fail.
      const content = spec.content ? await probeImage(spec.content) : undefined;
      const styles = await Promise.all(
        spec.styles.map(async (s, i) => ({ name: s.name ?? `style ${i + 1}`, ...(await probeImage(s.image)) })),
      );
      checkWorkingShapes(plannedShapes(content, styles, resolved));
    } catch (err) {
      if (!isUserError(err)) throw err;
      return { ok: false, reason: refusalCodeOf(err.code), message: err.message };
    }
    const now = this.deps.now();
    const id = newJobId();
    const blobs: JobBlob[] = [];
    let contentFile: string | undefined;
    if (spec.content) blobs.push({ name: (contentFile = `content.${imageExtension(spec.content)}`), bytes: spec.content });
    const styleFiles: StoredStyle[] = spec.styles.map((s, i) => {
      const file = `style-${i + 1}.${imageExtension(s.image)}`;
      blobs.push({ name: file, bytes: s.image });
      return { file, weight: s.weight, name: s.name };
    });
    if (spec.init) blobs.push({ name: INIT_BLOB, bytes: spec.init });
    const size = options.size;
    const iterations = options.iterations;
    const admitted = await store.admitJob(
      {
        id,
        platform: requester.platform,
        workspaceId: requester.workspaceId,
        userId: requester.userId,
        userName: requester.userName,
        reply,
        priority: role === 'admin' ? ADMIN_PRIORITY : USER_PRIORITY,
        options,
        styleNames: spec.styles.map((s) => s.name),
        styleFiles,
        contentFile,
        contentName: spec.contentName,
        artist: spec.artist,
        artwork: spec.artwork,
        parentId: spec.parentId,
        createdAt: now,
      },
      blobs,
      utcDayStart(now),
      (snapshot) => quotas.refusal(snapshot, role, size, iterations, now),
    );
    if (!admitted.ok) return { ok: false, reason: 'quota', message: admitted.refusal };
    return admitted;
  }
}

/** 8 lowercase letters and digits: 41 bits, so a clash is not worth a lookup (the primary key refuses one anyway). */
function newJobId(): string {
  for (;;) {
    const id = randomBytes(8).toString('base64url').replace(/[-_]/g, '').slice(0, 8).toLowerCase();
    if (id.length === 8) return id;
  }
}

/** File extension from the first bytes of an encoded image ("bin" when unknown). */
export function imageExtension(b: Uint8Array): string {
  if (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b[0] === 0xff && b[1] === 0xd8) return 'jpg';
  if (b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46) return 'gif';
  if (b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45) return 'webp';
  return 'bin';
}

// The job service: accepts jobs (quota and option checks), keeps them in SQLite, schedules them by role, fair
// share and age onto engine worker threads, fans their events out to the chat adapters, and recovers after a restart.
import { apology, isUserError, newErrorId } from '../errors.js';
import { randomBytes, randomInt } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import PQueue from 'p-queue';
import { openDatabase, type Db } from '../../db/database.js';
import { JobStore, publicJob, userKeyString, type JobRecord, type StoredStyle } from '../../db/jobs-repo.js';
import { SettingsStore } from '../../db/settings-repo.js';
import type { StylizeOptions, StylizeProgress, StylizeRequest } from '../engine/types.js';
import { JobAdmin } from './admin.js';
import { listWorks, pickArtwork, resolveArtist, resolveArtistsDir, UnknownArtistError } from '../engine/artists.js';
import { JobEvents } from './events.js';
import { JobFiles } from './job-files.js';
import {
  BUILTIN_QUOTA,
  REAL_ENGINE_MODULE,
  backendWorkerCount,
  defaultWorkerCount,
  type JobServiceOptions,
} from './options.js';
import { QuotaPolicy } from './quota.js';
import type {
  EnqueueResult,
  Job,
  JobEvent,
  JobInputs,
  JobListener,
  JobProgress,
  JobService,
  Platform,
  Quota,
  ReplyTarget,
  Requester,
  Role,
  ServiceHealth,
  UserUsage,
} from './types.js';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from '../engine/validate.js';
import { EnginePool, EngineRunError } from './worker-pool.js';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const ADMIN_PRIORITY = 10;
const USER_PRIORITY = 0;
/** A job found running at start this many times already is failed instead of re-run. */
const MAX_ATTEMPTS = 3;

/** What a new job is made of once its inputs are bytes (new request, or a re-run of stored inputs). */
interface AcceptSpec {
  content?: Uint8Array;
  contentName?: string;
  styles: { image: Uint8Array; weight: number; name: string }[];
  artist?: string;
  artwork?: string;
  options: Partial<StylizeOptions>;
  parentId?: string;
  /** The picture to start from (options.init 'picture'): stored as init.png beside the inputs. */
  init?: Uint8Array;
}

/** File name of a job's starting picture in its folder (a PNG: a finished result). */
const INIT_FILE = 'init.png';

interface RunningJob {
  record: JobRecord;
  /** Why the run is being stopped early, if it is. */
  stopping?: 'cancel' | 'timeout';
  lastProgressAt: number;
  lastProgressSent?: number;
  timer?: NodeJS.Timeout;
}

const isAbsent = (v: unknown) => v === undefined || v === null;

export class StylebotJobService implements JobService {
  readonly admin: JobAdmin;
  private readonly db: Db;
  private readonly jobs: JobStore;
  private readonly settings: SettingsStore;
  private readonly quotas: QuotaPolicy;
  private readonly files: JobFiles;
  private readonly events: JobEvents;
  private readonly now: () => number;
  private readonly log: (message: string) => void;
  private workerCount: number;
  private readonly admins: Set<string>;
  private readonly timeoutMs: number;
  private readonly throttleMs: number;
  private readonly retentionMs: number;

  private pool: EnginePool | null = null;
  private readonly limiter: PQueue;
  private pending: JobRecord[] = [];
  private readonly running = new Map<string, RunningJob>();
  private readonly runs = new Set<Promise<void>>();
  private readonly positions = new Map<string, number>();
  private started = false;
  private closed = false;
  private retentionTimer?: NodeJS.Timeout;
  private syncTimer?: NodeJS.Timeout;

  constructor(private readonly options: JobServiceOptions) {
    this.db = openDatabase(join(options.dataDir, 'stylebot.db'));
    this.jobs = new JobStore(this.db);
    this.settings = new SettingsStore(this.db);
    this.quotas = new QuotaPolicy(this.jobs, this.settings, { ...BUILTIN_QUOTA, ...options.defaultQuota });
    this.files = new JobFiles(join(options.dataDir, 'jobs'));
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((m) => console.error(`[jobs] ${m}`));
    this.events = new JobEvents(this.log);
    this.workerCount = options.workers ?? defaultWorkerCount(options.backend ?? process.env.STYLEBOT_BACKEND);
    this.admins = new Set(options.admins ?? []);
    this.timeoutMs = (options.jobTimeoutS ?? 1800) * 1000;
    this.throttleMs = options.progressThrottleMs ?? 3000;
    this.retentionMs = (options.retentionDays ?? 7) * DAY_MS;
    this.limiter = new PQueue({ concurrency: this.workerCount });
    this.admin = new JobAdmin({
      jobs: this.jobs,
      settings: this.settings,
      quotas: this.quotas,
      now: this.now,
      roleOf: (r) => this.roleOf(r),
      isGlobalAdmin: (r) => this.isGlobalAdmin(r),
      artistsDir: () => this.artistsDir(),
      showQuota: (u) => this.quotaFor(u, this.roleOfUser(u)),
    });
  }

  // ---- roles and quotas -------------------------------------------------------------------------------------

  /** Admins by configuration (STYLEBOT_ADMINS, by id or "platform:id") or CLI users: admins everywhere. */
  private isGlobalAdmin(r: { platform: Platform; userId: string }): boolean {
    return r.platform === 'cli' || this.admins.has(r.userId) || this.admins.has(`${r.platform}:${r.userId}`);
  }

  private roleOfUser(user: { platform: Platform; workspaceId: string; userId: string }, platformAdmin = false): Role {
    if (this.isGlobalAdmin(user)) return 'admin';
    const stored = this.settings.user(user).role;
    if (stored) return stored;
    return platformAdmin ? 'admin' : 'user';
  }

  roleOf(requester: Requester): Role {
    return this.roleOfUser(requester, requester.isPlatformAdmin === true);
  }

  private quotaFor(user: { platform: Platform; workspaceId: string; userId: string }, role: Role) {
    return { quota: this.quotas.quotaOf(user), usage: this.quotas.usageOf(user, this.now()), role };
  }

  quotaOf(requester: Requester): { quota: Quota; usage: UserUsage; role: Role } {
    return this.quotaFor(requester, this.roleOf(requester));
  }

  // ---- accepting jobs ---------------------------------------------------------------------------------------

  async enqueue(requester: Requester, reply: ReplyTarget, inputs: JobInputs): Promise<EnqueueResult> {
    try {
      return await this.enqueueInputs(requester, reply, inputs);
    } catch (err) {
      return this.unexpected('enqueue', err);
    }
  }

  /** A job that could not be stored (disk full, database locked ...): the user gets a refusal, the log the cause. */
  private unexpected(what: string, err: unknown): EnqueueResult {
    const errorId = newErrorId();
    this.log(`${what} failed (error id ${errorId}): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return { ok: false, reason: 'invalid', message: apology(errorId) };
  }

  private async enqueueInputs(requester: Requester, reply: ReplyTarget, inputs: JobInputs): Promise<EnqueueResult> {
    if (this.closed) return { ok: false, reason: 'invalid', message: 'The bot is shutting down; try again in a minute.' };
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
        return this.accept(requester, reply, { content: inputs.content, contentName: inputs.contentName, styles: works.styles, artist: works.artist, options });
      }
      const picked = await this.pickArtwork(inputs.artist.trim(), options.seed!);
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

  private async pickArtwork(
    artist: string,
    seed: number,
  ): Promise<{ ok: true; artist: string; artwork: string; image: Uint8Array } | { ok: false; refusal: EnqueueResult }> {
    try {
      const pick = pickArtwork(this.artistsDir(), artist, seed);
      return { ok: true, artist: pick.artist, artwork: `${pick.artist}/${pick.file}`, image: new Uint8Array(readFileSync(pick.path)) };
    } catch (err) {
      // A broken corpus (unreadable folder, vanished file) is internal: its message names paths.
      if (!isUserError(err)) throw err;
      const message = err.message;
      const reason = err instanceof UnknownArtistError ? 'unknown_artist' : 'invalid';
      return { ok: false, refusal: { ok: false, reason, message } };
    }
  }

  private artistWorks(
    name: string,
  ): { ok: true; artist: string; styles: AcceptSpec['styles'] } | { ok: false; refusal: EnqueueResult } {
    try {
      const dir = this.artistsDir();
      const artist = resolveArtist(dir, name);
      const works = listWorks(dir, artist);
      if (works.length === 0) throw new Error(`The artist "${artist}" has no images yet.`);
      const styles = works.map((file) => ({ image: new Uint8Array(readFileSync(join(dir, artist, file))), weight: 1, name: `${artist}/${file}` }));
      return { ok: true, artist, styles };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return { ok: false, refusal: { ok: false, reason: err instanceof UnknownArtistError ? 'unknown_artist' : 'invalid', message } };
    }
  }

  /** Checks options and quota, then stores the job (files and row) and queues it — all without yielding. */
  private accept(requester: Requester, reply: ReplyTarget, spec: AcceptSpec): EnqueueResult {
    if (this.closed) return { ok: false, reason: 'invalid', message: 'The bot is shutting down; try again in a minute.' };
    if (!spec.styles.length) return { ok: false, reason: 'invalid', message: 'Give at least one style image.' };
    const role = this.roleOf(requester);
    const quota = this.quotas.quotaOf(requester);
    const options: Partial<StylizeOptions> = { ...spec.options };
    options.size ??= Math.min(DEFAULT_OPTIONS.size, quota.maxSize);
    options.iterations ??= Math.min(DEFAULT_OPTIONS.iterations, quota.maxIterations);
    if (isAbsent(options.seed)) options.seed = randomInt(0, 2 ** 31);
    try {
      resolveOptions(options);
      checkRequest({ content: spec.content, styles: spec.styles, options });
    } catch (err) {
      if (!isUserError(err)) throw err;
      return { ok: false, reason: 'invalid', message: err.message };
    }
    const now = this.now();
    const refusal = this.quotas.refusal(requester, role, options.size, options.iterations, now);
    if (refusal) return { ok: false, reason: 'quota', message: refusal };

    const id = this.newJobId();
    let record: JobRecord;
    try {
      const contentFile = spec.content ? this.files.writeInput(id, 'content', spec.content) : undefined;
      if (spec.init) this.files.writeInput(id, 'init', spec.init);
      const styleFiles: StoredStyle[] = spec.styles.map((s, i) => ({
        file: this.files.writeInput(id, `style-${i + 1}`, s.image),
        weight: s.weight,
        name: s.name,
      }));
      record = this.jobs.insert({
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
      });
    } catch (err) {
      this.files.remove(id);
      throw err;
    }
    this.pending.push(record);
    this.reposition();
    const position = this.positions.get(id) ?? 1;
    this.pump();
    return { ok: true, job: publicJob(this.jobs.get(id) ?? record), position };
  }

  private newJobId(): string {
    for (;;) {
      const id = randomBytes(6).toString('base64url').replace(/[-_]/g, '').slice(0, 8).toLowerCase();
      if (id.length === 8 && !this.jobs.exists(id)) return id;
    }
  }

  async rerun(jobId: string, by: Requester, reply: ReplyTarget, changes: Partial<StylizeOptions>, from?: { result: true }): Promise<EnqueueResult> {
    try {
      return this.rerunJob(jobId, by, reply, changes, from?.result === true);
    } catch (err) {
      return this.unexpected('rerun', err);
    }
  }

  private rerunJob(jobId: string, by: Requester, reply: ReplyTarget, changes: Partial<StylizeOptions>, fromResult = false): EnqueueResult {
    const original = this.jobs.get(jobId);
    if (!original) return { ok: false, reason: 'invalid', message: `There is no job ${jobId}.` };
    if (!this.mayManage(original, by)) {
      return { ok: false, reason: 'invalid', message: `Only the person who started job ${jobId} (or an admin) can re-run it.` };
    }
    const content = original.contentFile ? this.files.read(jobId, original.contentFile) : undefined;
    const styles = original.styleFiles.map((s) => ({ image: this.files.read(jobId, s.file), weight: s.weight, name: s.name }));
    if (original.filesPurged || (original.contentFile && !content) || styles.some((s) => !s.image)) {
      return {
        ok: false,
        reason: 'invalid',
        message: `The images of job ${jobId} are no longer kept (they are deleted after ${this.options.retentionDays ?? 7} days). Start a new one.`,
      };
    }
    // Upscale starts from the job's result; a re-run of a job that started from a picture starts from the same one.
    const init = fromResult ? this.resultImage(jobId) : this.files.read(jobId, INIT_FILE);
    if (fromResult && !init) return { ok: false, reason: 'invalid', message: `Job ${jobId} has no finished picture to start from.` };
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

  // ---- cancelling -------------------------------------------------------------------------------------------

  private mayManage(job: JobRecord, by: Requester): boolean {
    const own = job.platform === by.platform && job.workspaceId === by.workspaceId && job.userId === by.userId;
    if (own) return true;
    if (this.isGlobalAdmin(by)) return true;
    return this.roleOf(by) === 'admin' && job.platform === by.platform && job.workspaceId === by.workspaceId;
  }

  async cancel(jobId: string, by: Requester): Promise<{ ok: boolean; message: string }> {
    const job = this.jobs.get(jobId);
    if (!job) return { ok: false, message: `There is no job ${jobId}.` };
    if (!this.mayManage(job, by)) return { ok: false, message: `Only the person who started job ${jobId} (or an admin) can cancel it.` };
    if (job.state !== 'queued' && job.state !== 'running') return { ok: false, message: `Job ${jobId} is already ${job.state}.` };
    const who = by.userName ?? by.userId;
    if (!this.jobs.markCancelled(jobId, who, this.now())) return { ok: false, message: `Job ${jobId} has just finished.` };
    const own = job.platform === by.platform && job.workspaceId === by.workspaceId && job.userId === by.userId;
    if (!own) this.settings.audit(this.now(), by, 'job.cancel', jobId, { state: job.state, owner: `${job.platform}/${job.workspaceId}/${job.userId}` }, { state: 'cancelled' });
    this.stopTracking(jobId, 'cancel');
    this.emit(jobId, { type: 'cancelled', by: who });
    this.reposition();
    return { ok: true, message: `Cancelled job ${jobId}.` };
  }

  /** Takes a job that left the queue behind our back (cancelled) out of the pending list or stops its run. */
  private stopTracking(jobId: string, reason: 'cancel' | 'timeout'): void {
    this.pending = this.pending.filter((j) => j.id !== jobId);
    this.positions.delete(jobId);
    const run = this.running.get(jobId);
    if (run && !run.stopping) {
      run.stopping = reason;
      this.pool?.abort(jobId);
    }
  }

  // ---- scheduling -------------------------------------------------------------------------------------------

  /** Pending jobs in the order they will start: role priority, then less engine time in the last 24 h, then age. */
  private schedule(): JobRecord[] {
    const used = this.jobs.gpuMsByUserSince(this.now() - DAY_MS);
    const usage = (j: JobRecord) => used.get(userKeyString(j)) ?? 0;
    return [...this.pending].sort((a, b) => b.priority - a.priority || usage(a) - usage(b) || a.seq - b.seq);
  }

  /** Recomputes queue positions; a new job gets 'queued', one that moved gets 'position'. */
  private reposition(): void {
    this.pending = this.schedule();
    this.pending.forEach((job, i) => {
      const position = i + 1;
      const before = this.positions.get(job.id);
      if (before === position) return;
      this.positions.set(job.id, position);
      // Queued jobs do not change while they wait, so the in-memory record is current (no read per event).
      this.events.emit(publicJob(job), before === undefined ? { type: 'queued', position } : { type: 'position', position });
    });
  }

  /** Hands the next jobs to the engine while workers are free. */
  private pump(): void {
    if (!this.started || this.closed || !this.pool) return;
    let took = false;
    while (this.running.size < this.workerCount && this.pending.length) {
      const job = this.pending.shift()!;
      this.positions.delete(job.id);
      took = true;
      if (!this.jobs.markRunning(job.id, this.now())) {
        // Cancelled by another process (stylebot admin cancel) since it was queued.
        const gone = this.jobs.get(job.id);
        if (gone?.state === 'cancelled') this.emit(job.id, { type: 'cancelled', by: gone.cancelledBy ?? 'an admin' });
        continue;
      }
      const run: RunningJob = { record: job, lastProgressAt: 0 };
      this.running.set(job.id, run);
      const done = this.limiter.add(() => this.execute(run)).catch((err: unknown) => {
        this.log(`job ${job.id}: ${err instanceof Error ? err.stack : String(err)}`);
      });
      this.runs.add(done);
      void done.finally(() => this.runs.delete(done));
    }
    if (took) this.reposition();
  }

  private async execute(run: RunningJob): Promise<void> {
    const { id } = run.record;
    try {
      this.emit(id, { type: 'started' });
      const request = this.requestOf(run.record);
      if (!request) {
        this.fail(id, 'The images of this job are missing from the data folder, so it cannot run.');
        return;
      }
      const { result, engineMs } = await this.pool!.run(id, request, {
        onBegin: () => (run.timer ??= setTimeout(() => this.timeOut(run), this.timeoutMs)),
        onProgress: (p) => this.progressed(run, p),
      });
      // A picture that arrives just after its time limit is still delivered; one that was cancelled is not.
      if (this.closed || run.stopping === 'cancel') return;
      this.sendProgress(run, {
        iteration: result.iterations,
        total: result.iterations,
        losses: result.losses.final,
        elapsedMs: Math.round(engineMs),
        etaMs: 0,
      }, undefined, true);
      const png = result.png;
      const path = this.files.writeResult(id, png);
      const info = {
        width: result.width,
        height: result.height,
        iterations: result.iterations,
        backend: result.backend,
        msPerIteration: result.msPerIteration,
        seed: result.seed,
        losses: result.losses,
        ...(result.scales ? { scales: result.scales } : {}),
        ...(result.options?.pick === 'closest' ? { styles: result.styles } : {}),
      };
      if (this.jobs.markDone(id, path, info, engineMs, this.now())) this.emit(id, { type: 'done', png });
    } catch (err) {
      if (this.closed) return; // left 'running' on purpose: the next start re-runs it
      if (run.stopping === 'cancel') return;
      if (run.stopping === 'timeout') {
        this.fail(id, `The job took longer than ${describeLimit(this.timeoutMs)} and was stopped.`);
        return;
      }
      const message =
        err instanceof EngineRunError && err.kind === 'crashed'
          ? err.message.charAt(0).toUpperCase() + err.message.slice(1)
          : `The engine could not paint this image: ${err instanceof Error ? err.message : String(err)}`;
      this.fail(id, message);
    } finally {
      clearTimeout(run.timer);
      this.running.delete(id);
      this.pump();
    }
  }

  /** With backend 'auto', the first worker tells which backend it got: on wasm or cpu, use one worker per core. */
  private backendKnown(name: string | null): void {
    if (!name || this.closed || !this.pool) return;
    const wanted = backendWorkerCount(name) ?? 1;
    if (wanted <= this.workerCount) return;
    this.workerCount = wanted;
    this.limiter.concurrency = wanted;
    this.pool.grow(wanted);
    this.pump();
  }

  private timeOut(run: RunningJob): void {
    if (run.stopping || this.closed) return;
    run.stopping = 'timeout';
    this.pool?.abort(run.record.id);
  }

  private fail(id: string, error: string): void {
    if (this.jobs.markFailed(id, error, this.now())) this.emit(id, { type: 'failed', error });
  }

  private requestOf(job: JobRecord): StylizeRequest | null {
    const content = job.contentFile ? this.files.read(job.id, job.contentFile) : undefined;
    if (job.contentFile && !content) return null;
    const styles = [];
    for (const s of job.styleFiles) {
      const image = this.files.read(job.id, s.file);
      if (!image) return null;
      styles.push({ image, weight: s.weight, name: s.name });
    }
    const init = this.files.read(job.id, INIT_FILE);
    return { content: content ?? null, styles, options: job.options, ...(init ? { init } : {}) };
  }

  private progressed(run: RunningJob, p: StylizeProgress): void {
    if (run.stopping || this.closed) return;
    const progress: JobProgress = {
      iteration: p.iteration,
      total: p.total,
      losses: p.losses,
      elapsedMs: p.elapsedMs,
      etaMs: p.etaMs,
      ...(p.scale ? { scale: p.scale } : {}),
    };
    this.sendProgress(run, progress, p.preview, p.iteration >= p.total);
  }

  /** Saves and emits progress at most once per throttle interval; the final one always goes out (once). */
  private sendProgress(run: RunningJob, progress: JobProgress, preview: Uint8Array | undefined, final: boolean): void {
    const now = Date.now();
    if (run.lastProgressSent === progress.iteration && final) return;
    if (!final && now - run.lastProgressAt < this.throttleMs) return;
    run.lastProgressAt = now;
    run.lastProgressSent = progress.iteration;
    this.jobs.saveProgress(run.record.id, progress);
    this.emit(run.record.id, preview ? { type: 'progress', progress, preview } : { type: 'progress', progress });
  }

  private emit(jobId: string, event: JobEvent): void {
    const record = this.jobs.get(jobId);
    if (record) this.events.emit(publicJob(record), event);
  }

  // ---- reading ----------------------------------------------------------------------------------------------

  onEvents(platform: Platform, listener: JobListener): () => void {
    return this.events.on(platform, listener);
  }

  get(jobId: string): Job | undefined {
    const record = this.jobs.get(jobId);
    return record ? publicJob(record) : undefined;
  }

  /** Running jobs first (position 0), then queued jobs in the order they will start (1 = next). */
  queue(): { job: Job; position: number }[] {
    const running = [...this.running.keys()]
      .map((id) => this.jobs.get(id))
      .filter((j): j is JobRecord => j !== undefined && j.state === 'running')
      .map((j) => ({ job: publicJob(j), position: 0 }));
    const queued = this.schedule().map((j, i) => ({ job: publicJob(this.jobs.get(j.id) ?? j), position: i + 1 }));
    return [...running, ...queued];
  }

  jobsOf(requester: Requester, limit = 10): Job[] {
    return this.jobs
      .list({ platform: requester.platform, workspaceId: requester.workspaceId, userId: requester.userId, limit })
      .map(publicJob);
  }

  artists(): { name: string; works: string[] }[] {
    return this.admin.artists();
  }

  observe(listener: JobListener): () => void {
    return this.events.observe(listener);
  }

  health(): ServiceHealth {
    if (this.closed) return { database: { writable: false, error: 'the job service is closed' }, workers: [] };
    let database: ServiceHealth['database'];
    try {
      // A write lock proves the file and its folder take writes without changing anything.
      this.db.exec('BEGIN IMMEDIATE; ROLLBACK;');
      accessSync(this.options.dataDir, constants.W_OK);
      database = { writable: true };
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      database = { writable: false, error: err instanceof Error ? err.message : String(err) };
    }
    return { database, workers: this.pool?.health() ?? [] };
  }

  resultImage(jobId: string): Uint8Array | undefined {
    const job = this.jobs.get(jobId);
    if (!job?.resultPath || !existsSync(job.resultPath)) return undefined;
    return new Uint8Array(readFileSync(job.resultPath));
  }

  private artistsDir(): string {
    return this.options.artistsDir ?? resolveArtistsDir(process.env, this.options.dataDir);
  }

  // ---- life cycle -------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.purgeOldFiles();
    this.retentionTimer = setInterval(() => this.purgeOldFiles(), HOUR_MS);
    this.retentionTimer.unref();
    this.syncTimer = setInterval(() => this.syncExternalChanges(), this.options.syncIntervalMs ?? 2000);
    this.syncTimer.unref();

    for (const job of this.jobs.inState('running')) {
      if (job.attempts >= MAX_ATTEMPTS) {
        this.fail(job.id, `The job was interrupted ${job.attempts} times (the bot restarted while it was painting), so it was given up.`);
      } else {
        this.jobs.requeue(job.id);
      }
    }
    const known = new Set(this.pending.map((j) => j.id));
    for (const job of this.jobs.inState('queued')) if (!known.has(job.id)) this.pending.push(job);

    const backend = this.options.backend ?? (process.env.STYLEBOT_BACKEND?.trim() || 'auto');
    const growOnBackend = this.options.workers === undefined && backendWorkerCount(backend) === null;
    this.pool = new EnginePool(
      {
        size: this.workerCount,
        engineModule: this.options.engineModule ?? REAL_ENGINE_MODULE,
        backend: this.options.backend,
        modelDir: this.options.modelDir,
        memoryMb: this.options.workerMemoryMb ?? 4096,
        abortGraceMs: this.options.abortGraceMs,
        // Progress events beyond what subscribers are shown would only cost the engine waits and previews.
        progressIntervalMs: this.throttleMs,
      },
      growOnBackend ? (name) => this.backendKnown(name) : undefined,
    );
    this.started = true;
    this.reposition();
    this.pump();
  }

  /** Picks up jobs cancelled by another process on the same database (`stylebot admin cancel`). */
  private syncExternalChanges(): void {
    if (this.closed) return;
    const tracked = [...this.pending.map((j) => j.id), ...this.running.keys()];
    let changed = false;
    for (const id of tracked) {
      const job = this.jobs.get(id);
      if (!job || job.state !== 'cancelled') continue;
      if (!this.pending.some((j) => j.id === id) && this.running.get(id)?.stopping) continue;
      this.stopTracking(id, 'cancel');
      this.emit(id, { type: 'cancelled', by: job.cancelledBy ?? 'an admin' });
      changed = true;
    }
    if (changed) this.reposition();
  }

  /** Deletes the files of jobs finished longer ago than the retention time (rows are kept). Returns how many. */
  purgeOldFiles(): number {
    if (this.closed) return 0;
    const old = this.jobs.purgeCandidates(this.now() - this.retentionMs);
    for (const job of old) {
      this.files.remove(job.id);
      this.jobs.markPurged(job.id);
    }
    return old.length;
  }

  /** Resolves when every event emitted so far has reached the listeners. */
  settled(): Promise<void> {
    return this.events.settled();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.retentionTimer);
    clearInterval(this.syncTimer);
    for (const run of this.running.values()) clearTimeout(run.timer);
    await this.pool?.close();
    await Promise.allSettled([...this.runs]);
    await this.events.settled();
    this.db.close();
  }
}

function describeLimit(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 60 === 0) return `${s / 60} minute${s === 60 ? '' : 's'}`;
  return `${s} second${s === 1 ? '' : 's'}`;
}

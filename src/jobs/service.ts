// The job service: what the chat side sees of the job core. It composes the parts along the lines the
// distribution needs: intake (validate, quota, persist), scheduler (fair share), runner (a worker's engines),
// outbox (durable delivery of final events), maintenance (lease recovery, retention), over one Store, and fans
// the local events (queued, position, started, progress) out to the adapters.
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { PREVIEW_BLOB, type JobRecord, type Store } from './ports.js';
import { publicJob } from './public-job.js';
import type { StylizeOptions } from '../options/types.js';
import { resolveArtistsDir } from '../engine/artists.js';
import { AccessPolicy } from './access.js';
import { JobAdmin } from './admin.js';
import { JobEvents } from './events.js';
import { Intake, RESULT_BLOB } from './intake.js';
import { failureOf, lineLogger, unavailableMessage, newErrorId } from '../errors/index.js';
import { Maintenance } from './maintenance.js';
import { BUILTIN_QUOTA, backendWorkerCount, defaultWorkerCount, type JobServiceOptions } from './options.js';
import { Outbox } from './outbox.js';
import { QuotaPolicy } from './quota.js';
import { RemoteEvents } from './remote-events.js';
import { Runner } from './runner.js';
import { Scheduler } from './scheduler.js';
import type {
  EnqueueResult,
  Job,
  JobAction,
  JobInputs,
  JobListener,
  JobService,
  Platform,
  Quota,
  ReplyTarget,
  Requester,
  Role,
  ServiceHealth,
  StyleDistance,
  UserUsage,
  ServerSettingsRecord,
} from './types.js';
import { EMPTY_SERVER_SETTINGS } from './types.js';

const DAY_MS = 86_400_000;
const REPOSITION_GAP_MS = 100;

/** The default worker name: host:pid (STYLEBOT_WORKER_NAME overrides it). */
export function defaultWorkerName(): string {
  return `${hostname()}:${process.pid}`;
}

export class StylebotJobService implements JobService {
  readonly admin: JobAdmin;
  readonly store: Store;
  readonly runner: Runner;
  readonly outbox: Outbox;
  readonly maintenance: Maintenance;
  private readonly access: AccessPolicy;
  private readonly quotas: QuotaPolicy;
  private readonly intake: Intake;
  private readonly scheduler: Scheduler;
  private readonly events: JobEvents;
  private readonly now: () => number;
  private readonly log: (message: string) => void;

  /** The queue position last told per queued job, and its public view (a queued job does not change while it waits). */
  private readonly positions = new Map<string, number>();
  private readonly queuedViews = new Map<string, Job>();
  /** Jobs painting in other processes whose progress this front relays: the last iteration shown (-1: started). */
  private readonly remote = new Map<string, number>();
  private relaying = false;
  private repositioning?: Promise<void>;
  private repositionAgain = false;
  private pollTimer?: NodeJS.Timeout;
  private feed?: { close(): Promise<void> };
  private started = false;
  private closed = false;

  /** The store and the engine module are chosen by the caller (src/app/compose.ts): the core opens neither. */
  constructor(private readonly options: JobServiceOptions & { store: Store; engineModule: string }) {
    this.store = options.store;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((m) => console.error(`[jobs] ${m}`));
    this.access = new AccessPolicy(this.store, new Set(options.admins ?? []));
    this.quotas = new QuotaPolicy(this.store, { ...BUILTIN_QUOTA, ...options.defaultQuota });
    this.scheduler = new Scheduler(this.store, this.now);
    this.events = new JobEvents(this.log, () => this.outbox.kick(), options.holdEvents ?? true);
    const retentionDays = options.retentionDays ?? 7;
    this.intake = new Intake({
      store: this.store,
      quotas: this.quotas,
      access: this.access,
      now: this.now,
      artistsDir: () => this.artistsDir(),
      retentionDays,
    });
    const worker = options.workerName ?? defaultWorkerName();
    const backend = options.backend ?? (process.env.STYLEBOT_BACKEND?.trim() || 'auto');
    const workers = options.workers ?? defaultWorkerCount(backend);
    const throttleMs = options.progressThrottleMs ?? 3000;
    this.runner = new Runner(
      this.store,
      this.scheduler,
      {
        worker,
        concurrency: workers,
        pool: {
          size: workers,
          engineModule: options.engineModule,
          backend: options.backend,
          modelDir: options.modelDir,
          memoryMb: options.workerMemoryMb ?? 4096,
          abortGraceMs: options.abortGraceMs,
          // Progress events beyond what subscribers are shown would only cost the engine waits and previews.
          progressIntervalMs: throttleMs,
        },
        growOnBackend:
          options.workers === undefined && backendWorkerCount(backend) === null ? (name) => backendWorkerCount(name) : undefined,
        timeoutMs: (options.jobTimeoutS ?? 1800) * 1000,
        progressThrottleMs: throttleMs,
        leaseMs: options.leaseMs ?? 30_000,
        ...(options.costBook ? { costBook: options.costBook } : {}),
        now: this.now,
        log: this.log,
      },
      {
        emit: (job, event) => this.events.emit(job, event),
        changed: () => this.changed(),
      },
    );
    this.outbox = new Outbox(this.store, this.events, {
      front: options.frontName ?? hostname(),
      now: this.now,
      log: this.log,
      ...options.outbox,
    });
    this.maintenance = new Maintenance(this.store, {
      worker,
      retentionMs: retentionDays * DAY_MS,
      recoverEveryMs: options.recoverEveryMs,
      now: this.now,
      log: this.log,
      changed: () => this.changed(),
    });
    this.admin = new JobAdmin({
      store: this.store,
      quotas: this.quotas,
      access: this.access,
      now: this.now,
      artistsDir: () => this.artistsDir(),
      showQuota: async (u) => this.quotaFor(u, await this.access.roleOf(u)),
    });
  }

  // ---- roles and quotas -------------------------------------------------------------------------------------

  roleOf(requester: Requester): Promise<Role> {
    return this.access.roleOf(requester);
  }

  async can(requester: Requester, action: JobAction, jobId: string): Promise<boolean> {
    const job = await this.store.getJob(jobId);
    return job !== undefined && this.access.can(requester, action, job);
  }

  private async quotaFor(user: { platform: Platform; workspaceId: string; userId: string }, role: Role) {
    const [quota, usage] = await Promise.all([this.quotas.quotaOf(user), this.quotas.usageOf(user, this.now())]);
    return { quota, usage, role };
  }

  async quotaOf(requester: Requester): Promise<{ quota: Quota; usage: UserUsage; role: Role }> {
    return this.quotaFor(requester, await this.roleOf(requester));
  }

  // ---- accepting jobs ---------------------------------------------------------------------------------------

  async enqueue(requester: Requester, reply: ReplyTarget, inputs: JobInputs): Promise<EnqueueResult> {
    if (this.closed) return this.shuttingDown();
    try {
      return await this.queued(await this.intake.enqueue(requester, reply, inputs));
    } catch (err) {
      return this.unexpected('enqueue', err);
    }
  }

  async rerun(
    jobId: string,
    by: Requester,
    reply: ReplyTarget,
    changes: Partial<StylizeOptions>,
    from?: { result: true },
  ): Promise<EnqueueResult> {
    if (this.closed) return this.shuttingDown();
    try {
      return await this.queued(await this.intake.rerun(jobId, by, reply, changes, from?.result === true));
    } catch (err) {
      return this.unexpected('rerun', err);
    }
  }

  /** Answers an admitted job with its position (and wakes the runner); passes refusals on. */
  private async queued(admission: Awaited<ReturnType<Intake['enqueue']>>): Promise<EnqueueResult> {
    if (!admission.ok) return admission;
    await this.reposition();
    const position = this.positions.get(admission.job.id) ?? 1;
    this.runner.pump();
    return { ok: true, job: publicJob(admission.job), position };
  }

  /**
   * A job that could not be stored: a store that is down or full is 'unavailable' (retry later), anything else
   * 'internal'; never the client's fault. The log gets the cause under the error id the user sees.
   */
  private unexpected(what: string, err: unknown): EnqueueResult {
    const failure = failureOf(err, lineLogger(this.log), { operation: what });
    return { ok: false, reason: failure.refusal, message: failure.text, ...(failure.errorId ? { errorId: failure.errorId } : {}) };
  }

  /** Asked to take work while stopping: a server that cannot serve now, not a bad request. */
  private shuttingDown(): EnqueueResult {
    const errorId = newErrorId();
    this.log(`refused new work while shutting down (error id ${errorId})`);
    return { ok: false, reason: 'unavailable', message: unavailableMessage(errorId, 'the bot is shutting down'), errorId };
  }

  // ---- cancelling -------------------------------------------------------------------------------------------

  async cancel(jobId: string, by: Requester): Promise<{ ok: boolean; message: string }> {
    const job = await this.store.getJob(jobId);
    if (!job) return { ok: false, message: `There is no job ${jobId}.` };
    if (!(await this.access.can(by, 'cancel', job))) {
      return { ok: false, message: `Only the person who started job ${jobId} (or an admin) can cancel it.` };
    }
    if (job.state !== 'queued' && job.state !== 'running') return { ok: false, message: `Job ${jobId} is already ${job.state}.` };
    const who = by.userName ?? by.userId;
    if (!(await this.store.cancelJob(jobId, who, this.now()))) return { ok: false, message: `Job ${jobId} has just finished.` };
    if (!AccessPolicy.owns(by, job)) {
      await this.store.audit(
        this.now(),
        by,
        'job.cancel',
        jobId,
        { state: job.state, owner: `${job.platform}/${job.workspaceId}/${job.userId}` },
        { state: 'cancelled' },
      );
    }
    this.runner.stop(jobId, 'cancel');
    this.changed();
    return { ok: true, message: `Cancelled job ${jobId}.` };
  }

  // ---- positions --------------------------------------------------------------------------------------------

  /** Something changed the queue or ended a job: new positions, a look for work, a look at the outbox. */
  private changed(): void {
    if (this.closed) return;
    // Positions are for status messages: a process with no chat listener (a worker) has none to keep.
    if (this.events.platforms().length) void this.reposition();
    this.runner.pump();
    this.outbox.kick();
  }

  /** Recomputes queue positions (coalesced); a new job gets 'queued', one that moved gets 'position'. */
  private reposition(): Promise<void> {
    this.repositionAgain = true;
    this.repositioning ??= (async () => {
      try {
        while (this.repositionAgain && !this.closed) {
          this.repositionAgain = false;
          await this.repositionOnce();
          // A pass touches every queued job: under a stream of changes, run at most one per gap (positions are
          // shown to people; a tenth of a second is not noticed, a pass per job start is quadratic work).
          if (this.repositionAgain) await sleep(REPOSITION_GAP_MS);
        }
      } catch (err) {
        this.log(`queue positions: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.repositioning = undefined;
      }
    })();
    return this.repositioning;
  }

  private async repositionOnce(): Promise<void> {
    const order = await this.scheduler.order();
    const waiting = new Set(order.map((j) => j.id));
    for (const id of this.positions.keys()) if (!waiting.has(id)) this.positions.delete(id), this.queuedViews.delete(id);
    for (const [i, entry] of order.entries()) {
      const position = i + 1;
      const before = this.positions.get(entry.id);
      if (before === position) continue;
      let view = this.queuedViews.get(entry.id);
      if (!view) {
        const record = await this.store.getJob(entry.id);
        if (!record || record.state !== 'queued') continue;
        this.queuedViews.set(entry.id, (view = publicJob(record)));
      }
      this.positions.set(entry.id, position);
      this.events.emit(view, before === undefined ? { type: 'queued', position } : { type: 'position', position });
    }
  }

  /**
   * Shows 'started' and progress (with the newest preview) of jobs that workers in other processes paint, for the
   * platforms this front serves; read from the store once per poll, so at most one update per job per poll.
   */
  private async relayRemoteProgress(): Promise<void> {
    const platforms = this.events.platforms();
    if (this.relaying || this.closed || !platforms.length) return;
    this.relaying = true;
    try {
      const local = new Set(this.runner.runningIds());
      const seen = new Set<string>();
      for (const job of await this.store.jobsInState('running')) {
        if (local.has(job.id) || !platforms.includes(job.platform)) continue;
        seen.add(job.id);
        const view = publicJob(job);
        if (!this.remote.has(job.id)) {
          this.remote.set(job.id, -1);
          this.events.emit(view, { type: 'started' });
        }
        const progress = job.progress;
        if (!progress || progress.iteration === this.remote.get(job.id)) continue;
        this.remote.set(job.id, progress.iteration);
        const preview = await this.store.getBlob(job.id, PREVIEW_BLOB);
        this.events.emit(view, preview ? { type: 'progress', progress, preview } : { type: 'progress', progress });
      }
      for (const id of this.remote.keys()) if (!seen.has(id)) this.remote.delete(id);
    } catch (err) {
      this.log(`relaying progress: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.relaying = false;
    }
  }

  // ---- reading ----------------------------------------------------------------------------------------------

  onEvents(platform: Platform, listener: JobListener): () => void {
    return this.events.on(platform, listener);
  }

  async get(jobId: string): Promise<Job | undefined> {
    const record = await this.store.getJob(jobId);
    return record ? publicJob(record) : undefined;
  }

  async queue(): Promise<{ job: Job; position: number }[]> {
    const [running, order] = await Promise.all([this.store.jobsInState('running'), this.scheduler.order()]);
    const queued = await Promise.all(order.map((q) => this.store.getJob(q.id)));
    return [
      ...running.map((j) => ({ job: publicJob(j), position: 0 })),
      ...queued
        .filter((j): j is JobRecord => j !== undefined && j.state === 'queued')
        .map((j, i) => ({ job: publicJob(j), position: i + 1 })),
    ];
  }

  async jobsOf(requester: Requester, limit = 10): Promise<Job[]> {
    const jobs = await this.store.listJobs({
      platform: requester.platform,
      workspaceId: requester.workspaceId,
      userId: requester.userId,
      limit,
    });
    return jobs.map(publicJob);
  }

  artists(): { name: string; works: string[] }[] {
    return this.admin.artists();
  }

  async styleDistance(a: Uint8Array, b: Uint8Array): Promise<StyleDistance> {
    try {
      return await this.runner.styleDistance(a, b);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(message.charAt(0).toUpperCase() + message.slice(1));
    }
  }

  observe(listener: JobListener): () => void {
    return this.events.observe(listener);
  }

  async health(): Promise<ServiceHealth> {
    if (this.closed) return { database: { writable: false, error: 'the job service is closed' }, workers: [] };
    let database: ServiceHealth['database'];
    try {
      await this.store.checkWritable();
      database = { writable: true };
    } catch (err) {
      database = { writable: false, error: err instanceof Error ? err.message : String(err) };
    }
    return { database, workers: this.runner.health() };
  }

  async resultImage(jobId: string): Promise<Uint8Array | undefined> {
    const job = await this.store.getJob(jobId);
    if (!job || job.state !== 'done' || job.filesPurged) return undefined;
    return this.store.getBlob(jobId, RESULT_BLOB);
  }

  async serverSettings(platform: Platform, workspaceId: string): Promise<ServerSettingsRecord> {
    return (await this.store.serverSettings(platform, workspaceId)) ?? { ...EMPTY_SERVER_SETTINGS, allowedChannels: [] };
  }

  async deleteResult(jobId: string, by: Requester): Promise<{ ok: boolean; message: string }> {
    const job = await this.store.getJob(jobId);
    if (!job) return { ok: false, message: `There is no job ${jobId}.` };
    if (!(await this.access.can(by, 'manage', job)))
      return { ok: false, message: `Only the person who started job ${jobId} (or an admin) can delete its picture.` };
    if (job.state === 'queued' || job.state === 'running')
      return { ok: false, message: `Job ${jobId} is still ${job.state}: cancel it instead.` };
    await this.store.purgeJob(jobId);
    if (!AccessPolicy.owns(by, job)) {
      await this.store.audit(
        this.now(),
        by,
        'job.delete',
        jobId,
        { owner: `${job.platform}/${job.workspaceId}/${job.userId}` },
        { purged: true },
      );
    }
    return { ok: true, message: `Deleted the picture of job ${jobId}.` };
  }

  private artistsDir(): string {
    return this.options.artistsDir ?? resolveArtistsDir(process.env, this.options.dataDir);
  }

  // ---- life cycle -------------------------------------------------------------------------------------------

  async start(): Promise<void> {
    if (this.started || this.closed) return;
    this.started = true;
    await this.maintenance.start();
    // A worker-only process delivers nothing; starting its outbox would drop the claims of a live front.
    if (this.options.holdEvents !== false) await this.outbox.start();
    await this.reposition();
    this.runner.start();
    await this.watchStore();
    // Jobs queued, cancels made and progress painted by other processes on the same store: pushed at once where the
    // store announces changes (watchStore), else read here once per poll.
    this.pollTimer = setInterval(() => {
      this.changed();
      if (!this.feed) void this.relayRemoteProgress();
    }, this.options.pollMs ?? 1000);
    this.pollTimer.unref();
  }

  /** Follows jobs other processes paint where the store announces changes (PostgreSQL); see RemoteEvents. */
  private async watchStore(): Promise<void> {
    const remote = new RemoteEvents(this.store, {
      worker: this.runner.worker,
      paintingHere: (id) => this.runner.runningIds().includes(id),
      serves: (platform) => this.events.platforms().includes(platform as Platform),
      stopHere: (id) => this.runner.stop(id, 'cancel'),
      emit: (job, event) => this.events.emit(job, event),
      changed: () => this.changed(),
      kickOutbox: () => this.outbox.kick(),
      log: this.log,
    });
    if (!this.store.watch) return;
    try {
      this.feed = await this.store.watch(
        { job: (c) => remote.jobChanged(c), delivery: () => remote.deliveryQueued(), resync: () => remote.resync() },
        this.log,
      );
    } catch (err) {
      this.log(`change notifications unavailable, polling only: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Deletes the images of jobs finished longer ago than the retention time (rows are kept). Returns how many. */
  purgeOldFiles(): Promise<number> {
    return this.maintenance.purge();
  }

  /** Resolves when every event emitted so far has reached the listeners and no delivery is in flight. */
  async settled(): Promise<void> {
    await this.repositioning;
    await this.outbox.idle();
    await this.events.settled();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.pollTimer);
    await this.feed?.close();
    this.maintenance.close();
    await this.runner.close();
    if (this.options.releaseOnClose) {
      await this.store.releaseLeases(this.runner.worker).catch((e: unknown) => this.log(`releasing leases: ${String(e)}`));
    }
    await this.outbox.close();
    await this.repositioning;
    await this.events.settled();
    await this.store.close();
  }
}

// The runner: one worker process's engine work. It leases the job the scheduler ranks first, paints it on an
// engine worker thread, renews the lease while it runs, saves throttled progress, and stores the result (which
// queues the delivery in the same transaction). p-queue is the local dispatcher: it holds one task per engine
// slot, so concurrency and abort on shutdown are its job, not a hand-written loop's.
import PQueue from 'p-queue';
import { apology, newErrorId } from '../errors.js';
import { INIT_BLOB } from './intake.js';
import { embedSettings, settingsOf } from '../reproduce/settings.js';

const DAY_MS = 86_400_000;
import type { JobRecord, JobRepository, Leases } from './ports.js';
import { publicJob } from './public-job.js';
import type { StylizeProgress, StylizeRequest, StylizeResult } from '../engine/types.js';
import { samplesOfRun, type CostBook } from '../engine/cost-book.js';
import type { Scheduler } from './scheduler.js';
import type { Job, JobEvent, JobProgress, JobResultInfo, StyleDistance } from './types.js';
import { EnginePool, EngineRunError, type EnginePoolOptions } from './worker-pool.js';
import { MeasuredTimeLeft } from './eta.js';

export interface RunnerOptions {
  /** This worker's name in leases (STYLEBOT_WORKER_NAME, default host:pid). */
  worker: string;
  /** Engine threads = jobs painted at once. 0 = no engine (a front only). */
  concurrency: number;
  pool: EnginePoolOptions;
  /** Grow to the backend's worker count once the first engine thread reports its backend. */
  growOnBackend?: (backend: string) => number | null;
  /** Per-job time limit (ms), counted from when the engine thread takes the job. */
  timeoutMs: number;
  /** Progress saved and shown at most this often (the last one always). */
  progressThrottleMs: number;
  /** A lease lasts this long; it is renewed every leaseMs / 3. */
  leaseMs: number;
  /** Where finished jobs' measured iteration costs go (engine/cost-book.ts); absent = not recorded. */
  costBook?: CostBook;
  now: () => number;
  log: (message: string) => void;
}

export interface RunnerHooks {
  /** A local event of a job this runner holds: started, progress. */
  emit(job: Job, event: JobEvent): void;
  /** A job left the queue (leased) or ended here: positions and the outbox may have changed. */
  changed(): void;
}

interface Run {
  record: JobRecord;
  /** Why the run is being stopped early, if it is. */
  stopping?: 'cancel' | 'timeout' | 'lost';
  lastProgressAt: number;
  lastProgressSent?: number;
  /** The time left, from this run's own progress reports. */
  timeLeft: MeasuredTimeLeft;
  timer?: NodeJS.Timeout;
  heartbeat?: NodeJS.Timeout;
}

/** Counters for /metrics and tests. */
export interface RunnerCounters {
  leased: number;
  progressWritesDropped: number;
}

export class Runner {
  private pool: EnginePool | null = null;
  private readonly queue: PQueue;
  private readonly shutdown = new AbortController();
  private readonly runs = new Map<string, Run>();
  private closed = false;
  private concurrency: number;
  /** Counts pump() calls: a taker that found nothing looks again when the queue changed while it looked. */
  private kicks = 0;
  private started = false;
  private distanceTasks = 0;
  readonly counters: RunnerCounters = { leased: 0, progressWritesDropped: 0 };

  constructor(
    private readonly store: JobRepository & Leases,
    private readonly scheduler: Scheduler,
    private readonly options: RunnerOptions,
    private readonly hooks: RunnerHooks,
  ) {
    this.concurrency = options.concurrency;
    this.queue = new PQueue({ concurrency: Math.max(1, options.concurrency) });
  }

  get worker(): string {
    return this.options.worker;
  }

  /** Ids of the jobs painting here now. */
  runningIds(): string[] {
    return [...this.runs.keys()];
  }

  start(): void {
    this.started = this.ensurePool();
    this.pump();
  }

  private ensurePool(): boolean {
    if (this.pool) return true;
    if (this.closed || this.concurrency === 0) return false;
    const grow = this.options.growOnBackend;
    this.pool = new EnginePool(
      { ...this.options.pool, size: this.concurrency },
      grow ? (name) => name && this.grow(grow(name) ?? 1) : undefined,
    );
    return true;
  }

  /** Each engine worker's state, for health checks (none when this process runs no engine). */
  health(): { alive: boolean; busy: boolean; backend: string | null }[] {
    return this.pool?.health() ?? [];
  }

  /**
   * A style distance on the engine pool: p-queue runs it in the next free slot, ahead of the takers that would
   * lease the next painting (priority), so a /compare does not wait behind the whole queue.
   */
  async styleDistance(a: Uint8Array, b: Uint8Array): Promise<StyleDistance> {
    if (!this.ensurePool()) throw new Error('this bot runs no engine of its own, so it cannot compare styles here');
    const task = `distance-${++this.distanceTasks}`;
    return this.queue.add(() => this.pool!.distance(task, a, b), { priority: 1, signal: this.shutdown.signal });
  }

  /** Fills free engine slots with takers; each taker leases the best queued job when p-queue runs it. */
  pump(): void {
    if (!this.started || !this.pool || this.closed) return;
    this.kicks++;
    while (this.queue.size + this.queue.pending < this.concurrency) {
      this.queue
        .add(() => this.takeAndRun(), { signal: this.shutdown.signal })
        // The slot is free only once p-queue has seen the task end: look for the next job then.
        .then((ran) => ran && this.pump())
        .catch((err: unknown) => {
          if (!this.closed) this.options.log(`runner: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        });
    }
  }

  private grow(wanted: number): void {
    if (wanted <= this.concurrency || this.closed || !this.pool) return;
    this.concurrency = wanted;
    this.queue.concurrency = wanted;
    this.pool.grow(wanted);
    this.pump();
  }

  /** Leases the first job in fair-share order that no other worker took first, and paints it. */
  /** Resolves true when it painted a job (then the next one is looked for), false when there was none. */
  private async takeAndRun(): Promise<boolean> {
    let record: JobRecord | undefined;
    for (;;) {
      if (this.closed) return false;
      const seen = this.kicks;
      record = await this.leaseNext();
      if (record) break;
      if (seen === this.kicks) return false;
    }
    try {
      await this.execute(record);
    } finally {
      this.runs.delete(record.id);
      this.scheduler.invalidateUsage();
      this.hooks.changed();
    }
    return true;
  }

  private async leaseNext(): Promise<JobRecord | undefined> {
    if (this.store.leaseNext) {
      // The store ranks and leases in one step (PostgreSQL: SKIP LOCKED), so workers do not race down one list.
      const now = this.options.now();
      const leased = await this.store.leaseNext(this.worker, now, now + this.options.leaseMs, now - DAY_MS);
      if (leased) {
        this.counters.leased++;
        this.runs.set(leased.id, { record: leased, lastProgressAt: 0, timeLeft: new MeasuredTimeLeft() });
        this.hooks.changed();
      }
      return leased;
    }
    for (const candidate of await this.scheduler.order()) {
      if (this.closed) return undefined;
      const now = this.options.now();
      const leased = await this.store.leaseJob(candidate.id, this.worker, now, now + this.options.leaseMs);
      if (leased) {
        this.counters.leased++;
        this.runs.set(leased.id, { record: leased, lastProgressAt: 0, timeLeft: new MeasuredTimeLeft() });
        this.hooks.changed();
        return leased;
      }
    }
    return undefined;
  }

  private async execute(record: JobRecord): Promise<void> {
    const run = this.runs.get(record.id)!;
    const { id } = record;
    run.heartbeat = setInterval(() => void this.renew(run), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    run.heartbeat.unref();
    try {
      this.hooks.emit(publicJob(record), { type: 'started' });
      const request = await this.requestOf(record);
      if (!request) {
        await this.fail(run, 'The images of this job are missing from the database, so it cannot run.');
        return;
      }
      if (run.stopping) return;
      const { result, engineMs } = await this.pool!.run(id, request, {
        onBegin: () => (run.timer ??= setTimeout(() => this.stop(run, 'timeout'), this.options.timeoutMs)),
        onProgress: (p) => this.progressed(run, p),
      });
      // A picture that arrives just after its time limit is still delivered; one that was cancelled is not.
      if (this.closed || run.stopping === 'cancel' || run.stopping === 'lost') return;
      this.sendProgress(
        run,
        { iteration: result.iterations, total: result.iterations, losses: result.losses.final, elapsedMs: Math.round(engineMs), etaMs: 0 },
        undefined,
        true,
      );
      const info: JobResultInfo = {
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
      // The picture carries its settings (iTXt), so the file alone can be painted again (`stylize --from`).
      const png = embedSettings(result.png, settingsOf(request, result));
      await this.store.completeJob(id, this.worker, png, info, engineMs, this.options.now());
      this.recordCosts(result);
    } catch (err) {
      if (this.closed) return; // left 'running' on purpose: its lease runs out and the job runs again
      if (run.stopping === 'cancel' || run.stopping === 'lost') return;
      if (run.stopping === 'timeout') {
        await this.fail(run, `The job took longer than ${describeLimit(this.options.timeoutMs)} and was stopped.`);
        return;
      }
      if (!(err instanceof EngineRunError)) throw err; // a storage failure: the lease runs out and the job is retried
      let message: string;
      if (err.kind === 'crashed') message = err.message.charAt(0).toUpperCase() + err.message.slice(1);
      else if (err.userReadable) message = `The engine could not paint this image: ${err.message}`;
      else {
        // Anything the engine did not write for the user (a tfjs or ORT message, a path) stays in the log.
        const errorId = newErrorId();
        this.options.log(`job ${id} failed (error id ${errorId}): ${err.detail ?? err.message}`);
        message = apology(errorId);
      }
      await this.fail(run, message);
    } finally {
      clearTimeout(run.timer);
      clearInterval(run.heartbeat);
    }
  }

  /** Teaches the cost book what this job's iterations cost (side work: a failure is logged, never the job's). */
  private recordCosts(result: StylizeResult): void {
    const book = this.options.costBook;
    if (!book || !result.scales) return;
    try {
      book.record(result.backend, result.threads ?? 1, samplesOfRun(result.scales, this.options.now()));
    } catch (err) {
      this.options.log(`runner: could not record engine costs: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async fail(run: Run, error: string): Promise<void> {
    await this.store.failJob(run.record.id, error, this.options.now(), this.worker);
  }

  /** Renews the lease; a lease we no longer hold (cancelled elsewhere, or taken over) stops the run. */
  private async renew(run: Run): Promise<void> {
    if (run.stopping || this.closed) return;
    try {
      const held = await this.store.heartbeat(run.record.id, this.worker, this.options.now() + this.options.leaseMs);
      if (!held) this.stop(run, 'lost');
    } catch (err) {
      // Busy or unreachable: the lease has room for two more tries before it runs out.
      this.options.log(`job ${run.record.id}: lease renewal failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Stops a job painting here (cancelled, timed out, or no longer ours). */
  stop(run: Run | string, reason: 'cancel' | 'timeout' | 'lost'): void {
    const r = typeof run === 'string' ? this.runs.get(run) : run;
    if (!r || r.stopping || this.closed) return;
    r.stopping = reason;
    this.pool?.abort(r.record.id);
  }

  private async requestOf(job: JobRecord): Promise<StylizeRequest | null> {
    const content = job.contentFile ? await this.store.getBlob(job.id, job.contentFile) : undefined;
    if (job.contentFile && !content) return null;
    const styles = [];
    for (const s of job.styleFiles) {
      const image = await this.store.getBlob(job.id, s.file);
      if (!image) return null;
      styles.push({ image, weight: s.weight, name: s.name });
    }
    const init = await this.store.getBlob(job.id, INIT_BLOB);
    return { content: content ?? null, styles, options: job.options, ...(init ? { init } : {}) };
  }

  private progressed(run: Run, p: StylizeProgress): void {
    if (run.stopping || this.closed) return;
    const etaMs = run.timeLeft.update({ elapsedMs: p.elapsedMs, workDone: p.workDone ?? p.iteration / p.total });
    const progress: JobProgress = {
      iteration: p.iteration,
      total: p.total,
      losses: p.losses,
      elapsedMs: p.elapsedMs,
      ...(etaMs !== undefined ? { etaMs } : {}),
      ...(p.scale ? { scale: p.scale } : {}),
    };
    this.sendProgress(run, progress, p.preview, p.iteration >= p.total);
  }

  /**
   * Saves and emits progress at most once per throttle interval; the final one always goes out (once). The save is
   * best effort: when the database is busy it is dropped and counted, never fatal. A save that finds the job no
   * longer ours (cancelled by another process) stops the run.
   */
  private sendProgress(run: Run, progress: JobProgress, preview: Uint8Array | undefined, final: boolean): void {
    const now = Date.now();
    if (run.lastProgressSent === progress.iteration && final) return;
    if (!final && now - run.lastProgressAt < this.options.progressThrottleMs) return;
    run.lastProgressAt = now;
    run.lastProgressSent = progress.iteration;
    run.record = { ...run.record, progress };
    this.store.saveProgress(run.record.id, this.worker, progress, preview).then(
      (held) => {
        if (!held && !final) this.stop(run, 'lost');
      },
      () => void this.counters.progressWritesDropped++,
    );
    this.hooks.emit(publicJob(run.record), preview ? { type: 'progress', progress, preview } : { type: 'progress', progress });
  }

  /** Stops taking work and terminates the engine threads; jobs painting here stay leased until the lease runs out. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.shutdown.abort();
    for (const run of this.runs.values()) clearTimeout(run.timer), clearInterval(run.heartbeat);
    this.queue.clear();
    await this.pool?.close();
    await this.queue.onIdle();
  }
}

function describeLimit(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s % 60 === 0) return `${s / 60} minute${s === 60 ? '' : 's'}`;
  return `${s} second${s === 1 ? '' : 's'}`;
}

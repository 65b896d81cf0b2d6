// A fixed set of engine worker threads. Each runs one job at a time; a worker that crashes or runs out of
// memory fails only its own job and is replaced.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { StylizeProgress, StylizeRequest, StylizeResult } from '../engine/types.js';
import type { StyleDistance } from './types.js';
import type { EngineWorkerData, FromWorker, ToWorker } from './worker-protocol.js';

const BOOTSTRAP = fileURLToPath(new URL('./engine-worker.mjs', import.meta.url));

export type EngineFailureKind = 'crashed' | 'failed' | 'aborted';

/** Why a run ended without a picture. */
export class EngineRunError extends Error {
  constructor(
    readonly kind: EngineFailureKind,
    message: string,
    /** The engine failed with a UserError: its message is written for the user. */
    readonly userReadable = false,
    /** The engine's stack, for the log. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'EngineRunError';
  }
}

export interface EngineRun {
  result: StylizeResult;
  /** Wall time of the engine call inside the worker. */
  engineMs: number;
}

export interface EnginePoolOptions {
  size: number;
  engineModule: string;
  backend?: string;
  modelDir?: string;
  /** V8 heap limit of each worker (MB). */
  memoryMb: number;
  /** After an abort, how long a worker may take to stop before it is terminated and replaced. */
  abortGraceMs?: number;
  /** The engine makes at most one progress event (and preview) this often. */
  progressIntervalMs?: number;
}

export interface RunHooks {
  onProgress: (progress: StylizeProgress) => void;
  /** The worker has started on the job (a fresh worker first loads the engine). */
  onBegin?: () => void;
}

interface ActiveRun extends RunHooks {
  jobId: string;
  resolve: (run: EngineRun) => void;
  /** Set for a style-distance task instead of a painting. */
  resolveDistance?: (distance: StyleDistance) => void;
  reject: (err: EngineRunError) => void;
  killTimer?: NodeJS.Timeout;
  /** Set when we terminate the worker ourselves, so its exit is not reported as a crash. */
  killedForAbort?: boolean;
}

class EngineSlot {
  private worker!: Worker;
  private run: ActiveRun | null = null;
  private closing = false;
  /** The worker's engine runs native code that must not be cut off by terminate() (onnxruntime: see close()). */
  private native = false;
  /** Deaths since the worker last finished loading: a worker that cannot even start is restarted ever more slowly. */
  private deathsInARow = 0;
  private respawnTimer?: NodeJS.Timeout;
  /** Shared with every worker this slot starts: 1 = stop the current job (see EngineWorkerData.abortFlag). */
  private readonly abortFlag = new Int32Array(new SharedArrayBuffer(4));
  /** False from a worker's death until its replacement is started. */
  private alive = false;
  /** The backend the current worker reported (null until it does, or when it could not start one). */
  private backend: string | null = null;

  constructor(
    private readonly options: EnginePoolOptions,
    private readonly onBackend?: (name: string | null) => void,
  ) {
    this.spawn();
  }

  get busy(): boolean {
    return this.run !== null;
  }

  get jobId(): string | undefined {
    return this.run?.jobId;
  }

  get health(): { alive: boolean; busy: boolean; backend: string | null } {
    return { alive: this.alive, busy: this.busy, backend: this.backend };
  }

  private spawn(): void {
    const data: EngineWorkerData = {
      engineModule: this.options.engineModule,
      backend: this.options.backend,
      abortFlag: this.abortFlag.buffer as SharedArrayBuffer,
      progressIntervalMs: this.options.progressIntervalMs,
    };
    const env = { ...process.env };
    if (this.options.modelDir) env.STYLEBOT_MODEL_DIR = this.options.modelDir;
    const worker = new Worker(BOOTSTRAP, {
      workerData: data,
      env,
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
    });
    this.worker = worker;
    this.alive = true;
    this.backend = null;
    let gone = false;
    const lost = (reason: string) => {
      if (gone) return;
      gone = true;
      this.lost(worker, reason);
    };
    worker.on('message', (message: FromWorker) => this.received(message));
    worker.on('error', (err) => lost(err.message || String(err)));
    worker.on('exit', (code) => lost(`the engine worker exited with code ${code}`));
  }

  private received(message: FromWorker): void {
    const run = this.run;
    if (message.type === 'backend') {
      this.backend = message.name;
      this.native = message.name?.startsWith('onnxruntime') ?? false;
      this.onBackend?.(message.name);
      return;
    }
    if (message.type === 'ready') {
      this.deathsInARow = 0;
      return;
    }
    if (!run || message.jobId !== run.jobId) return;
    if (message.type === 'progress') {
      run.onProgress(message.progress);
      return;
    }
    if (message.type === 'begun') {
      run.onBegin?.();
      return;
    }
    this.finish();
    if (message.type === 'done') run.resolve({ result: message.result, engineMs: message.engineMs });
    else if (message.type === 'distance') run.resolveDistance?.({ total: message.total, perLayer: message.perLayer });
    else run.reject(new EngineRunError(message.aborted ? 'aborted' : 'failed', message.message, message.userReadable, message.detail));
  }

  private finish(): void {
    if (this.run?.killTimer) clearTimeout(this.run.killTimer);
    this.run = null;
  }

  /** The worker died: fail its job (unless we killed it on purpose) and start a fresh one. */
  private lost(worker: Worker, reason: string): void {
    if (worker !== this.worker) return;
    this.alive = false;
    const run = this.run;
    this.finish();
    if (run) {
      if (run.killedForAbort) run.reject(new EngineRunError('aborted', 'stopped'));
      else if (this.closing) run.reject(new EngineRunError('aborted', 'the job service is shutting down'));
      else run.reject(new EngineRunError('crashed', `the engine crashed while painting this image: ${reason}`));
    }
    if (this.closing) return;
    this.deathsInARow++;
    const delay = this.deathsInARow <= 1 ? 0 : Math.min(30_000, 500 * 2 ** (this.deathsInARow - 2));
    this.respawnTimer = setTimeout(() => this.respawnNow(), delay);
    this.respawnTimer.unref();
  }

  private respawnNow(): void {
    clearTimeout(this.respawnTimer);
    this.respawnTimer = undefined;
    if (!this.closing) this.spawn();
  }

  start(jobId: string, request: StylizeRequest, hooks: RunHooks): Promise<EngineRun> {
    if (this.run) throw new Error('engine slot is busy');
    if (this.respawnTimer) this.respawnNow();
    Atomics.store(this.abortFlag, 0, 0);
    return new Promise<EngineRun>((resolve, reject) => {
      this.run = { jobId, ...hooks, resolve, reject };
      const message: ToWorker = { type: 'run', jobId, request };
      this.worker.postMessage(message);
    });
  }

  /** Computes a style distance on this slot's worker (the engine module's styleDistance). */
  distance(taskId: string, a: Uint8Array, b: Uint8Array): Promise<StyleDistance> {
    if (this.run) throw new Error('engine slot is busy');
    if (this.respawnTimer) this.respawnNow();
    return new Promise<StyleDistance>((resolveDistance, reject) => {
      this.run = { jobId: taskId, onProgress: () => undefined, resolve: () => undefined, resolveDistance, reject };
      const message: ToWorker = { type: 'distance', jobId: taskId, a, b };
      this.worker.postMessage(message);
    });
  }

  abort(graceMs: number): void {
    const run = this.run;
    if (!run) return;
    Atomics.store(this.abortFlag, 0, 1);
    const message: ToWorker = { type: 'abort', jobId: run.jobId };
    this.worker.postMessage(message);
    run.killTimer ??= setTimeout(() => {
      // A native engine stops at its next step (the flag is set); terminating it mid-step would end the process.
      if (this.run !== run || this.native) return;
      run.killedForAbort = true;
      void this.worker.terminate();
    }, graceMs);
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.respawnTimer);
    // onnxruntime's native binding aborts the whole process when its thread is terminated inside a run: let the
    // running job stop at its next step first (it stays 'running' in the store and resumes at the next start).
    if (this.run) {
      Atomics.store(this.abortFlag, 0, 1);
      const deadline = Date.now() + (this.options.abortGraceMs ?? 15_000);
      while (this.run && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await this.worker.terminate();
  }
}

export class EnginePool {
  private readonly slots: EngineSlot[];
  private closed = false;

  /** onBackend hears the backend each worker started (once per worker start). */
  constructor(
    private readonly options: EnginePoolOptions,
    private readonly onBackend?: (name: string | null) => void,
  ) {
    this.slots = Array.from({ length: Math.max(1, options.size) }, () => new EngineSlot(options, onBackend));
  }

  get size(): number {
    return this.slots.length;
  }

  /** Each worker's state, for health checks. */
  health(): { alive: boolean; busy: boolean; backend: string | null }[] {
    return this.slots.map((s) => s.health);
  }

  /** Adds workers up to `size`. */
  grow(size: number): void {
    while (!this.closed && this.slots.length < size) this.slots.push(new EngineSlot(this.options, this.onBackend));
  }

  /** Paints on a free worker. Rejects with EngineRunError. The caller must not run more jobs than `size` at once. */
  run(jobId: string, request: StylizeRequest, hooks: RunHooks): Promise<EngineRun> {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot) return Promise.reject(new Error('no free engine worker'));
    return slot.start(jobId, request, hooks);
  }

  /** A style distance on a free worker. Rejects with EngineRunError. Counts as one of the `size` tasks at once. */
  distance(taskId: string, a: Uint8Array, b: Uint8Array): Promise<StyleDistance> {
    const slot = this.slots.find((s) => !s.busy);
    if (!slot) return Promise.reject(new Error('no free engine worker'));
    return slot.distance(taskId, a, b);
  }

  /** Asks the worker running jobId to stop; if it has not stopped within the grace time it is terminated and replaced. */
  abort(jobId: string): void {
    this.slots.find((s) => s.jobId === jobId)?.abort(this.options.abortGraceMs ?? 15_000);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.close()));
  }
}

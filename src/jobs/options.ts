// Options of the job service, with their defaults and how they are read from the environment.
import { availableParallelism } from 'node:os';
import type { CostBook } from '../engine/cost-book.js';
import { resolve } from 'node:path';
import type { BackendName } from '../options/types.js';
import type { Store } from './ports.js';
import type { OutboxOptions } from './outbox.js';
import type { Quota } from './types.js';

export interface JobServiceOptions {
  /** Folder holding stylebot.db and jobs/<id>/ (inputs and outputs). Env STYLEBOT_DATA_DIR, default ./data. */
  dataDir: string;
  /** Measured engine costs (engine/cost-book.ts); default the book in <dataDir>/engine-costs.json. */
  costBook?: CostBook;
  /** The artists corpus (artist mode, /artist add). Default: STYLEBOT_ARTISTS_DIR, else <dataDir>/artists (resolveArtistsDir). */
  artistsDir?: string;
  /**
   * Engine worker threads = jobs running at once. Env STYLEBOT_WORKERS; default 1 on a GPU backend, else one per
   * core. 0 = no engine in this process (a front whose jobs run in `stylebot worker` processes).
   */
  workers?: number;
  /**
   * Module each worker loads: exports stylize(request, hooks) and optionally initBackend(backend). Default: the real
   * engine. Env STYLEBOT_ENGINE_MODULE (tests and benchmarks point it at a fake engine).
   */
  engineModule?: string;
  /** Hold the events of platforms that have no listener yet (a chat front). A worker-only process drops them. Default true. */
  holdEvents?: boolean;
  /** On close, hand this worker's running jobs back to the queue at once instead of when their lease runs out. Default false. */
  releaseOnClose?: boolean;
  /** Per-job time limit in seconds (env STYLEBOT_JOB_TIMEOUT_S, default 1800). */
  jobTimeoutS?: number;
  /** Outputs of finished jobs older than this are deleted (rows kept). Env STYLEBOT_RETENTION_DAYS, default 7. */
  retentionDays?: number;
  /** User ids (or "platform:userId") that are always admins. Env STYLEBOT_ADMINS, comma-separated. */
  admins?: string[];
  /** At most one progress event per job this often (the last one always goes out). Env STYLEBOT_PROGRESS_MS, default 3000. */
  progressThrottleMs?: number;
  /** Built-in quota, under workspace defaults and per-user overrides. */
  defaultQuota?: Partial<Quota>;
  /** VGG-19 weights folder, passed to workers as STYLEBOT_MODEL_DIR. */
  modelDir?: string;
  /** Engine backend for workers ('auto' or a BackendName). Env STYLEBOT_BACKEND. */
  backend?: BackendName | 'auto';
  /** After a cancel or time-out, how long a worker may take to stop before it is terminated and replaced. Default 15000. */
  abortGraceMs?: number;
  /** Heap limit of each worker thread in MB (a worker over it fails only its job). Default 4096. */
  workerMemoryMb?: number;
  /** How often to look at the shared store for work queued and jobs cancelled by other processes. Default 1000 ms. */
  pollMs?: number;
  /** The store; src/app/compose.ts opens SQLite at <dataDir>/stylebot.db when none is given. */
  store?: Store;
  /** This process's name in job leases (env STYLEBOT_WORKER_NAME, default host:pid). */
  workerName?: string;
  /** This process's name in outbox claims (env STYLEBOT_FRONT_NAME, default the host name). */
  frontName?: string;
  /** A job lease lasts this long and is renewed every third of it; a dead worker's jobs rerun after it. Default 30000 ms. */
  leaseMs?: number;
  /** How often maintenance looks for expired leases. Default 5000 ms. */
  recoverEveryMs?: number;
  /** Outbox timing: poll, claim, backoff and give-up limits (see OutboxOptions). */
  outbox?: Partial<Omit<OutboxOptions, 'front' | 'now' | 'log'>>;
  /** Clock, for tests. */
  now?: () => number;
  /** Where to log problems that reach no user (listener errors). Default console.error. */
  log?: (message: string) => void;
}

export const BUILTIN_QUOTA: Readonly<Quota> = Object.freeze({
  jobsPerDay: 20,
  gpuSecondsPerDay: 1800,
  maxQueued: 3,
  maxSize: 512,
  maxIterations: 500,
});

/**
 * Workers when none are configured: one per core for the single-threaded wasm and cpu backends, else one
 * (a GPU backend owns the device; native tensorflow uses every core itself). With 'auto' the service starts one
 * worker and grows the pool once that worker reports which backend it got (see backendWorkerCount).
 */
export function defaultWorkerCount(backend?: string): number {
  return backendWorkerCount(backend ?? 'auto') ?? 1;
}

/** Workers for a known backend, or null for 'auto' (not known until a worker starts). Accepts tfjs names too. */
export function backendWorkerCount(backend: string): number | null {
  if (backend === 'auto' || backend === '') return null;
  return backend === 'wasm' || backend === 'cpu' ? Math.max(1, availableParallelism()) : 1;
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, problems: string[]): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    problems.push(`${name} must be a positive number, got "${raw}"`);
    return undefined;
  }
  return n;
}

/** Reads the job service options from the environment; throws one Error listing every problem. */
export function jobServiceOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): JobServiceOptions {
  const problems: string[] = [];
  const rawWorkers = env.STYLEBOT_WORKERS?.trim();
  const workers = rawWorkers ? Number(rawWorkers) : undefined;
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 0)) {
    problems.push(`STYLEBOT_WORKERS must be a whole number of 0 or more, got "${rawWorkers}"`);
  }
  const leaseS = positiveNumber(env, 'STYLEBOT_LEASE_S', problems);
  // Read by the onnxruntime engine in each worker (src/engine/onnx/session.ts); checked here so a typo shows at start.
  const threads = positiveNumber(env, 'STYLEBOT_THREADS', problems);
  if (threads !== undefined && !Number.isInteger(threads)) problems.push('STYLEBOT_THREADS must be a whole number');
  const options: JobServiceOptions = {
    dataDir: resolve(env.STYLEBOT_DATA_DIR?.trim() || './data'),
    artistsDir: env.STYLEBOT_ARTISTS_DIR?.trim() || undefined,
    workers,
    jobTimeoutS: positiveNumber(env, 'STYLEBOT_JOB_TIMEOUT_S', problems),
    retentionDays: positiveNumber(env, 'STYLEBOT_RETENTION_DAYS', problems),
    progressThrottleMs: positiveNumber(env, 'STYLEBOT_PROGRESS_MS', problems),
    admins: (env.STYLEBOT_ADMINS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    modelDir: env.STYLEBOT_MODEL_DIR?.trim() || undefined,
    workerName: env.STYLEBOT_WORKER_NAME?.trim() || undefined,
    leaseMs: leaseS === undefined ? undefined : leaseS * 1000,
    engineModule: env.STYLEBOT_ENGINE_MODULE?.trim() ? resolve(env.STYLEBOT_ENGINE_MODULE.trim()) : undefined,
    frontName: env.STYLEBOT_FRONT_NAME?.trim() || undefined,
    backend: (env.STYLEBOT_BACKEND?.trim() || undefined) as BackendName | 'auto' | undefined,
  };
  if (problems.length) throw new Error(`Invalid job settings:\n- ${problems.join('\n- ')}`);
  return options;
}

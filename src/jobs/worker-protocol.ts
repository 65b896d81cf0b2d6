// Messages between the job service and its engine worker threads.
import type { StylizeProgress, StylizeRequest, StylizeResult } from '../engine/types.js';

export interface EngineWorkerData {
  /** Absolute path of the engine module (exports stylize, optionally initBackend). */
  engineModule: string;
  backend?: string;
  /**
   * One Int32 the parent sets to 1 to stop the current job. The engine runs its tensor work synchronously, so the
   * worker's event loop (and an 'abort' message) may not get a turn before the job ends; shared memory always does.
   */
  abortFlag: SharedArrayBuffer;
  /** Passed to stylize() as minProgressIntervalMs: the service shows at most one progress update this often. */
  progressIntervalMs?: number;
}

export type ToWorker =
  | { type: 'run'; jobId: string; request: StylizeRequest }
  /** The Gram-matrix style distance of two encoded images (/compare). */
  | { type: 'distance'; jobId: string; a: Uint8Array; b: Uint8Array }
  | { type: 'abort'; jobId: string };

export type FromWorker =
  | { type: 'ready' }
  /** The engine backend this worker initialised (tfjs name, e.g. "wasm", "webgpu"), or null when it failed. */
  | { type: 'backend'; name: string | null }
  /** The worker has taken the job (after its own start-up); the time limit counts from here. */
  | { type: 'begun'; jobId: string }
  | { type: 'progress'; jobId: string; progress: StylizeProgress }
  | { type: 'done'; jobId: string; result: StylizeResult; engineMs: number }
  | { type: 'distance'; jobId: string; total: number; perLayer: number[] }
  /** userReadable: a UserError (src/errors.ts), whose message may be shown as is; detail: the stack, for the log. */
  | { type: 'error'; jobId: string; message: string; aborted: boolean; userReadable: boolean; detail?: string };

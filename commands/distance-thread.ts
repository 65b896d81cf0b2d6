// Runs styleDistance in the /compare worker thread and waits for its answer (or gives up after a time limit).
// One worker serves every /compare while it is in use, so VGG-19 is loaded once, not on every request; it is
// ended after a while without requests (its memory goes back) and replaced if it fails or hangs.
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const BOOTSTRAP = fileURLToPath(new URL('./compare-worker.mjs', import.meta.url));
const TIME_LIMIT_MS = 5 * 60 * 1000;
const IDLE_MS = 10 * 60 * 1000;

export interface StyleDistance {
  total: number;
  perLayer: number[];
}

type Answer = { id: number } & (({ ok: true } & StyleDistance) | { ok: false; message: string });

interface Pending {
  resolve(distance: StyleDistance): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

let worker: Worker | null = null;
let idleTimer: NodeJS.Timeout | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

export function styleDistanceInWorker(a: Uint8Array, b: Uint8Array): Promise<StyleDistance> {
  const thread = worker ?? startWorker();
  clearTimeout(idleTimer);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    // Requests wait their turn in the worker, so the limit is generous; a worker past it is stuck and replaced.
    const timer = setTimeout(() => stopWorker(thread, new Error('comparing took too long')), TIME_LIMIT_MS);
    pending.set(id, { resolve, reject, timer });
    thread.postMessage({ id, a, b });
  });
}

/** The thread id of the live compare worker, if one is running (tests check that it is reused). */
export function compareWorkerThreadId(): number | undefined {
  return worker?.threadId;
}

function startWorker(): Worker {
  const thread = new Worker(BOOTSTRAP, { resourceLimits: { maxOldGenerationSizeMb: 2048 } });
  thread.unref(); // an idle compare worker never keeps the process alive
  thread.on('message', (answer: Answer) => {
    const request = pending.get(answer.id);
    if (!request) return;
    pending.delete(answer.id);
    clearTimeout(request.timer);
    if (answer.ok) request.resolve({ total: answer.total, perLayer: answer.perLayer });
    else request.reject(new Error(answer.message));
    if (pending.size === 0) idleTimer = setTimeout(() => stopWorker(thread, null), IDLE_MS).unref();
  });
  thread.once('error', (error) => stopWorker(thread, error));
  thread.once('exit', (code) => stopWorker(thread, new Error(`the engine stopped unexpectedly (exit code ${code})`)));
  worker = thread;
  return thread;
}

/** Ends the worker; requests still waiting on it fail with `reason`. */
function stopWorker(thread: Worker, reason: Error | null): void {
  if (worker !== thread) return;
  worker = null;
  clearTimeout(idleTimer);
  for (const [id, request] of pending) {
    clearTimeout(request.timer);
    request.reject(reason ?? new Error('the compare worker was stopped'));
    pending.delete(id);
  }
  void thread.terminate();
}

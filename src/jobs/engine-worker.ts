// Runs inside a worker thread: loads the engine module once, then paints one job at a time on request.
import { parentPort, workerData } from 'node:worker_threads';
import { isUserError } from '../errors.js';
import { pathToFileURL } from 'node:url';
import type { StylizeHooks, StylizeRequest, StylizeResult } from '../engine/types.js';
import type { ToWorker, FromWorker, EngineWorkerData } from './worker-protocol.js';

interface EngineModule {
  stylize(request: StylizeRequest, hooks: StylizeHooks): Promise<StylizeResult>;
  initBackend?(backend?: string): Promise<string>;
  styleDistance?(a: Uint8Array, b: Uint8Array): Promise<{ total: number; perLayer: number[] }>;
}

const port = parentPort!;
const data = workerData as EngineWorkerData;
const post = (message: FromWorker) => port.postMessage(message);
const abortFlag = new Int32Array(data.abortFlag);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** The error message of a failed run, whether the user may read it, and its stack for the log. */
const errorOf = (err: unknown) => ({
  message: messageOf(err),
  userReadable: isUserError(err),
  detail: err instanceof Error ? err.stack : undefined,
});

const engine = (await import(pathToFileURL(data.engineModule).href)) as EngineModule;
// Warm the backend up now so the first job does not pay for it; a failure is reported with each job instead.
const backendReady: Promise<string | null> = engine.initBackend
  ? engine.initBackend(data.backend).then(
      (name) => (post({ type: 'backend', name }), null),
      (err: unknown) => (post({ type: 'backend', name: null }), messageOf(err)),
    )
  : Promise.resolve(null);
let current: { jobId: string; controller: AbortController } | null = null;

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') {
    if (current?.jobId === message.jobId) current.controller.abort(new Error('cancelled'));
    return;
  }
  if (message.type === 'distance') {
    void distance(message.jobId, message.a, message.b);
    return;
  }
  void run(message.jobId, message.request);
});

async function distance(jobId: string, a: Uint8Array, b: Uint8Array): Promise<void> {
  post({ type: 'begun', jobId });
  try {
    const backendProblem = await backendReady;
    if (backendProblem) throw new Error(`no engine backend could start: ${backendProblem}`);
    if (!engine.styleDistance) throw new Error('this engine cannot compare styles');
    const d = await engine.styleDistance(a, b);
    post({ type: 'distance', jobId, total: d.total, perLayer: d.perLayer });
  } catch (err) {
    post({ type: 'error', jobId, ...errorOf(err), aborted: false });
  }
}

/** An AbortController whose signal also reads the shared abort flag, so the engine sees a stop between two steps. */
function sharedAbortController(): AbortController {
  const controller = new AbortController();
  const { signal } = controller;
  Object.defineProperty(signal, 'aborted', {
    get: () => {
      if (signal.reason === undefined && Atomics.load(abortFlag, 0) === 1) controller.abort(new Error('cancelled'));
      return signal.reason !== undefined;
    },
  });
  return controller;
}

async function run(jobId: string, request: StylizeRequest): Promise<void> {
  const controller = sharedAbortController();
  current = { jobId, controller };
  post({ type: 'begun', jobId });
  try {
    const backendProblem = await backendReady;
    if (backendProblem) throw new Error(`no engine backend could start: ${backendProblem}`);
    const started = performance.now();
    const result = await engine.stylize(request, {
      signal: controller.signal,
      onProgress: (progress) => post({ type: 'progress', jobId, progress }),
      minProgressIntervalMs: data.progressIntervalMs,
    });
    const engineMs = performance.now() - started;
    post({ type: 'done', jobId, result, engineMs });
  } catch (err) {
    post({ type: 'error', jobId, ...errorOf(err), aborted: controller.signal.aborted });
  } finally {
    current = null;
  }
}

post({ type: 'ready' });

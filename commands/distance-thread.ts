// Runs styleDistance in a one-off worker thread and waits for its answer (or gives up after a time limit).
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

const BOOTSTRAP = fileURLToPath(new URL('./compare-worker.mjs', import.meta.url));
const TIME_LIMIT_MS = 5 * 60 * 1000;

export interface StyleDistance {
  total: number;
  perLayer: number[];
}

type Answer = ({ ok: true } & StyleDistance) | { ok: false; message: string };

export function styleDistanceInWorker(a: Uint8Array, b: Uint8Array): Promise<StyleDistance> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(BOOTSTRAP, { workerData: { a, b }, resourceLimits: { maxOldGenerationSizeMb: 2048 } });
    let settled = false;
    const finish = (settle: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      settle();
      void worker.terminate();
    };
    const timer = setTimeout(() => finish(() => reject(new Error('comparing took too long'))), TIME_LIMIT_MS);
    worker.once('message', (answer: Answer) =>
      finish(() => (answer.ok ? resolve({ total: answer.total, perLayer: answer.perLayer }) : reject(new Error(answer.message)))),
    );
    worker.once('error', (error) => finish(() => reject(error)));
    worker.once('exit', (code) => finish(() => reject(new Error(`the engine stopped unexpectedly (exit code ${code})`))));
  });
}

// One /compare in a worker thread: the style distance needs VGG-19 on tfjs, which would otherwise block the bot's
// event loop (and its chat connections) for seconds.
import { parentPort, workerData } from 'node:worker_threads';
import { styleDistance } from '../src/engine/distance.js';

const { a, b } = workerData as { a: Uint8Array; b: Uint8Array };
try {
  const distance = await styleDistance(a, b);
  parentPort!.postMessage({ ok: true, total: distance.total, perLayer: distance.perLayer });
} catch (error) {
  parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
}

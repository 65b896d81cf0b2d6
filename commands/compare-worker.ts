// The /compare worker thread: the style distance needs VGG-19 on tfjs, which would otherwise block the bot's event
// loop (and its chat connections) for seconds. The thread stays alive between requests, so the weights (cached by
// loadVggWeights) are read once, and it answers one request at a time, in order.
import { parentPort } from 'node:worker_threads';
import { styleDistance } from '../src/engine/distance.js';

interface Request {
  id: number;
  a: Uint8Array;
  b: Uint8Array;
}

let previous: Promise<void> = Promise.resolve();

parentPort!.on('message', ({ id, a, b }: Request) => {
  previous = previous.then(async () => {
    try {
      const distance = await styleDistance(a, b);
      parentPort!.postMessage({ id, ok: true, total: distance.total, perLayer: distance.perLayer });
    } catch (error) {
      parentPort!.postMessage({ id, ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  });
});

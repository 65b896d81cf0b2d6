// The /compare worker thread: one worker serves successive and concurrent requests (VGG-19 is loaded once), each
// answer goes to the request that asked for it, and an engine error reaches the caller without killing the worker.
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareWorkerThreadId, styleDistanceInWorker } from '../../commands/distance-thread.js';
import { MODEL_DIR } from '../helpers/shared.js';

let red: Uint8Array;
let striped: Uint8Array;

beforeAll(async () => {
  process.env.STYLEBOT_MODEL_DIR = MODEL_DIR; // the worker copies the environment when it starts
  red = new Uint8Array(await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toBuffer());
  const stripes = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < 64 * 64; i++) stripes.fill(Math.floor(i / 4) % 2 ? 255 : 0, i * 3, i * 3 + 3);
  striped = new Uint8Array(await sharp(stripes, { raw: { width: 64, height: 64, channels: 3 } }).png().toBuffer());
});

describe('styleDistanceInWorker', () => {
  it('answers concurrent requests each with its own result, on one reused worker', async () => {
    const first = await styleDistanceInWorker(red, striped);
    const thread = compareWorkerThreadId();
    expect(thread).toBeGreaterThan(0);
    expect(first.total).toBeGreaterThan(0);
    expect(first.perLayer).toHaveLength(5);

    const [same, apart] = await Promise.all([styleDistanceInWorker(striped, striped), styleDistanceInWorker(striped, red)]);
    expect(same.total).toBe(0);
    expect(apart.total).toBeCloseTo(first.total, 3);
    expect(compareWorkerThreadId()).toBe(thread);
  });

  it('passes an engine error back to the caller and keeps serving', async () => {
    const thread = compareWorkerThreadId();
    await expect(styleDistanceInWorker(new Uint8Array([1, 2, 3]), red)).rejects.toThrow();
    expect((await styleDistanceInWorker(red, red)).total).toBe(0);
    expect(compareWorkerThreadId()).toBe(thread);
  });
});

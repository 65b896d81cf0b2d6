// /compare's style distance runs on the job service's engine pool: concurrent requests each get their own answer,
// an engine error reaches the caller without breaking the pool, and a distance goes ahead of queued paintings.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { EventLog, realInputs, realService, removeTempDirs, user } from './helpers.js';

let red: Uint8Array;
let striped: Uint8Array;
let service: StylebotJobService;

beforeAll(async () => {
  red = new Uint8Array(
    await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 40, b: 40 } } })
      .png()
      .toBuffer(),
  );
  const stripes = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < 64 * 64; i++) stripes.fill(Math.floor(i / 4) % 2 ? 255 : 0, i * 3, i * 3 + 3);
  striped = new Uint8Array(
    await sharp(stripes, { raw: { width: 64, height: 64, channels: 3 } })
      .png()
      .toBuffer(),
  );
  service = realService({ defaultQuota: { maxQueued: 5 } });
  await service.start();
});
afterAll(async () => {
  await service?.close();
  removeTempDirs();
});

describe('styleDistance on the engine pool', () => {
  it('answers concurrent requests each with its own result', async () => {
    const first = await service.styleDistance(red, striped);
    expect(first.total).toBeGreaterThan(0);
    expect(first.perLayer).toHaveLength(5);
    const [same, apart] = await Promise.all([service.styleDistance(striped, striped), service.styleDistance(striped, red)]);
    expect(same.total).toBe(0);
    expect(apart.total).toBeCloseTo(first.total, 3);
  });

  it('passes an engine error back to the caller and keeps serving', async () => {
    await expect(service.styleDistance(new Uint8Array([1, 2, 3]), red)).rejects.toThrow(/^[A-Z]/);
    expect((await service.styleDistance(red, red)).total).toBe(0);
  });

  it('goes ahead of paintings that wait in the queue', async () => {
    const log = new EventLog(service);
    const running = await service.enqueue(user('alice'), {}, realInputs(30));
    const waiting = await service.enqueue(user('bob'), {}, realInputs(2));
    if (!running.ok || !waiting.ok) throw new Error('refused');
    await log.wait((r) => r.job.id === running.job.id && r.event.type === 'progress');
    const distance = await service.styleDistance(red, striped);
    expect(distance.total).toBeGreaterThan(0);
    // The second painting had not started when the distance was answered.
    expect(log.types(waiting.job.id)).not.toContain('started');
    await log.final(waiting.job.id, 120_000);
  }, 180_000);

  it('a front with no engine says so', async () => {
    const front = realService({ workers: 0 });
    await expect(front.styleDistance(red, red)).rejects.toThrow(/runs no engine/);
    await front.close();
  });
});

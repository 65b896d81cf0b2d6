// The outbox on its own terms: a final event that a listener refuses is offered again with backoff until it is
// accepted; past the limit it is abandoned and the user is told where to find the result; a cancel made by
// another process on the same store reaches the job painting here within one progress interval.
import { afterEach, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import type { Job, JobEvent } from '../../src/jobs/types.js';
import { EventLog, fakeInputs, fakeService, removeTempDirs, tempDir, user } from './helpers.js';

const services: StylebotJobService[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  removeTempDirs();
});
const open = (...args: Parameters<typeof fakeService>) => {
  const s = fakeService(...args);
  services.push(s);
  return s;
};

test('a refused result is offered again with backoff until the platform takes it', async () => {
  const service = open({ outbox: { pollMs: 20, retryBaseMs: 100, retryMaxMs: 400 } });
  const tries: number[] = [];
  service.onEvents('discord', (_job: Job, event: JobEvent) => {
    if (event.type !== 'done') return;
    tries.push(Date.now());
    if (tries.length < 4) throw new Error('503 Service Unavailable');
  });
  await service.start();
  const r = await service.enqueue(user('alice'), {}, fakeInputs());
  if (!r.ok) throw new Error(r.message);
  while (tries.length < 4) await new Promise((res) => setTimeout(res, 20));
  await service.settled();
  const gaps = tries.slice(1).map((t, i) => t - tries[i]!);
  expect(gaps[0]).toBeGreaterThanOrEqual(90);
  expect(gaps[1]).toBeGreaterThanOrEqual(190);
  expect(gaps[2]).toBeGreaterThanOrEqual(390);
  const [delivery] = await service.store.deliveriesOf(r.job.id);
  expect(delivery).toMatchObject({ state: 'delivered', attempts: 3, lastError: '503 Service Unavailable' });
  await new Promise((res) => setTimeout(res, 300));
  expect(tries).toHaveLength(4);
});

test('past the limit the delivery is abandoned and the user is told where to find the picture', async () => {
  const service = open({ outbox: { pollMs: 20, retryBaseMs: 20, retryMaxMs: 20, maxAttempts: 3 } });
  const seen: JobEvent[] = [];
  service.onEvents('discord', (_job, event) => {
    seen.push(event);
    if (event.type === 'done') return Promise.reject(new Error('413 Payload Too Large'));
  });
  await service.start();
  const r = await service.enqueue(user('alice'), {}, fakeInputs());
  if (!r.ok) throw new Error(r.message);
  while (!seen.some((e) => e.type === 'undeliverable')) await new Promise((res) => setTimeout(res, 20));
  expect(seen.filter((e) => e.type === 'done')).toHaveLength(3);
  expect(seen.find((e) => e.type === 'undeliverable')).toEqual({
    type: 'undeliverable',
    kind: 'done',
    message: expect.stringMatching(new RegExp(`Job ${r.job.id} is finished.*/jobs.*studio`)),
  });
  expect(await service.store.deliveriesOf(r.job.id)).toEqual([
    expect.objectContaining({ state: 'abandoned', lastError: '413 Payload Too Large' }),
  ]);
  // The picture is still there for /jobs and the studio.
  expect(await service.resultImage(r.job.id)).toBeInstanceOf(Uint8Array);
});

test('a cancel from another process on the same store stops the job painting here within a progress interval', async () => {
  const dataDir = tempDir();
  const worker = open({ dataDir, progressThrottleMs: 100, defaultQuota: { maxQueued: 5 } });
  const log = new EventLog(worker);
  await worker.start();
  const front = open({ dataDir, workers: 0 });
  const r = await front.enqueue(user('alice'), {}, fakeInputs('sleep:50', 400));
  if (!r.ok) throw new Error(r.message);
  worker.runner.pump();
  await log.wait((e) => e.job.id === r.job.id && e.event.type === 'progress');
  const t = Date.now();
  expect(await front.cancel(r.job.id, user('alice'))).toMatchObject({ ok: true });
  expect((await log.final(r.job.id)).event).toEqual({ type: 'cancelled', by: 'alice' });
  // The worker learns it from its next progress write (every 100 ms here) and stops the engine.
  while (worker.runner.runningIds().length && Date.now() - t < 5000) await new Promise((res) => setTimeout(res, 10));
  expect(worker.runner.runningIds()).toEqual([]);
  expect(Date.now() - t).toBeLessThan(1500);
  const job = (await front.get(r.job.id))!;
  expect(job.progress!.iteration).toBeLessThan(400);
});

// How many engine workers run: configured, or with backend 'auto' one per core once a worker reports wasm.
import { availableParallelism } from 'node:os';
import { afterEach, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { backendWorkerCount, jobServiceOptionsFromEnv } from '../../src/jobs/options.js';
import { EventLog, fakeInputs, fakeService, removeTempDirs, user } from './helpers.js';

let service: StylebotJobService | undefined;
afterEach(async () => {
  delete process.env.FAKE_BACKEND_NAME;
  await service?.close();
  service = undefined;
  removeTempDirs();
});

/** Largest number of jobs that were running at the same time. */
function mostAtOnce(log: EventLog): number {
  let now = 0;
  let most = 0;
  for (const { event } of log.events) {
    if (event.type === 'started') most = Math.max(most, ++now);
    if (event.type === 'done' || event.type === 'failed') now--;
  }
  return most;
}

test('backend auto: one worker, then one per core when it turns out to be wasm', async () => {
  process.env.FAKE_BACKEND_NAME = 'wasm';
  service = fakeService({ workers: undefined, backend: 'auto', defaultQuota: { maxQueued: 10 } });
  const log = new EventLog(service);
  await service.start();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await service.enqueue(user(`u${i}`), {}, fakeInputs('sleep:150', 4));
    if (r.ok) ids.push(r.job.id);
  }
  await Promise.all(ids.map((id) => log.final(id)));
  expect(mostAtOnce(log)).toBe(Math.min(4, availableParallelism()));
});

test('a GPU backend keeps one worker', async () => {
  process.env.FAKE_BACKEND_NAME = 'webgpu';
  service = fakeService({ workers: undefined, backend: 'auto', defaultQuota: { maxQueued: 10 } });
  const log = new EventLog(service);
  await service.start();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await service.enqueue(user(`u${i}`), {}, fakeInputs('sleep:50', 3));
    if (r.ok) ids.push(r.job.id);
  }
  await Promise.all(ids.map((id) => log.final(id)));
  expect(mostAtOnce(log)).toBe(1);
});

test('worker counts per backend, and options from the environment', () => {
  expect(backendWorkerCount('auto')).toBeNull();
  expect(backendWorkerCount('webgpu')).toBe(1);
  expect(backendWorkerCount('tensorflow')).toBe(1);
  expect(backendWorkerCount('wasm')).toBe(availableParallelism());
  const options = jobServiceOptionsFromEnv({
    STYLEBOT_DATA_DIR: '/tmp/sb',
    STYLEBOT_WORKERS: '3',
    STYLEBOT_ADMINS: 'u1, discord:u2 ,',
    STYLEBOT_JOB_TIMEOUT_S: '60',
  });
  expect(options).toMatchObject({ dataDir: '/tmp/sb', workers: 3, admins: ['u1', 'discord:u2'], jobTimeoutS: 60 });
  expect(() => jobServiceOptionsFromEnv({ STYLEBOT_WORKERS: 'two', STYLEBOT_JOB_TIMEOUT_S: '-1' })).toThrow(
    /STYLEBOT_WORKERS must be a whole number of 0 or more, got "two".*\n.*STYLEBOT_JOB_TIMEOUT_S must be a positive number/,
  );
  // 0: a front that runs no engine of its own (its jobs run in `stylebot worker` processes).
  expect(jobServiceOptionsFromEnv({ STYLEBOT_WORKERS: '0', STYLEBOT_WORKER_NAME: 'gpu-a', STYLEBOT_LEASE_S: '10' })).toMatchObject({
    workers: 0,
    workerName: 'gpu-a',
    leaseMs: 10_000,
  });
});

// The job service on PostgreSQL across processes' boundaries, within one test process: a front (no engine) and
// a worker (the fake engine) with stores of their own on one database. What the front shows of a job painted
// elsewhere, how fast a cancel reaches the remote worker, and how fast an idle worker starts a new job: with
// change notifications, and with them turned off (the polling the service falls back to).
import { afterEach, expect, test } from 'vitest';
import { PostgresStore } from '../../db/postgres/store.js';
import type { Store } from '../../src/jobs/ports.js';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { EventLog, fakeInputs, fakeService, removeTempDirs, user } from '../jobs/helpers.js';
import { createTestDatabase, describePostgres, type TestDatabase } from './postgres-helpers.js';

const PROGRESS_MS = 400;

describePostgres('the job service on a shared PostgreSQL store', () => {
  let database: TestDatabase;
  const services: StylebotJobService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.close();
    await database?.drop();
    removeTempDirs();
  });

  /** A store of its own (another process would have one), optionally without change notifications. */
  async function store(notifications: boolean): Promise<Store> {
    const s = await PostgresStore.open({ url: database.url, max: 3 });
    if (!notifications) Object.defineProperty(s, 'watch', { value: undefined });
    return s;
  }

  async function deployment(notifications: boolean) {
    database = await createTestDatabase();
    const front = fakeService({ store: await store(notifications), workers: 0, workerName: 'front', progressThrottleMs: PROGRESS_MS });
    const worker = fakeService({ store: await store(notifications), workers: 1, workerName: 'gpu-1', progressThrottleMs: PROGRESS_MS });
    services.push(front, worker);
    const events = new EventLog(front);
    await front.start();
    await worker.start();
    return { front, worker, events };
  }

  /** ms until `test` holds, polling every 2 ms. */
  async function timeUntil(test: () => boolean, timeoutMs = 10_000): Promise<number> {
    const t0 = performance.now();
    while (!test()) {
      if (performance.now() - t0 > timeoutMs) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 2));
    }
    return performance.now() - t0;
  }

  for (const notifications of [true, false]) {
    const how = notifications ? 'with notifications' : 'polling only';

    test(`${how}: the front shows a remote job's start and progress, and its cancel stops the remote engine within one progress interval`, async () => {
      const { front, worker, events } = await deployment(notifications);
      const r = await front.enqueue(user('alice'), {}, fakeInputs('sleep:20', 500));
      expect(r.ok).toBe(true);
      const id = r.ok ? r.job.id : '';
      await events.wait((e) => e.job.id === id && e.event.type === 'progress', 10_000);
      // 'queued' comes first when the front's position pass sees the job before the worker leases it.
      expect(
        events
          .types(id)
          .filter((t) => t !== 'queued')
          .slice(0, 2),
      ).toEqual(['started', 'progress']);
      expect(events.events.find((e) => e.job.id === id && e.event.type === 'started')!.job).toMatchObject({ worker: 'gpu-1', attempts: 1 });
      expect(worker.runner.runningIds()).toEqual([id]);

      expect((await front.cancel(id, user('alice'))).ok).toBe(true);
      const stopMs = await timeUntil(() => worker.runner.runningIds().length === 0);
      expect(stopMs).toBeLessThan(PROGRESS_MS + 300);
      await events.final(id);
      expect(events.types(id).filter((t) => t === 'cancelled')).toHaveLength(1);
      console.log(`${how}: cancel reached the remote worker in ${Math.round(stopMs)} ms (progress interval ${PROGRESS_MS} ms)`);
    });
  }

  test('an idle remote worker starts a new job at once with notifications, at the next poll without', async () => {
    const starts: Record<string, number[]> = {};
    for (const notifications of [true, false]) {
      const { front, events } = await deployment(notifications);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await front.enqueue(user(`u${i}`), {}, fakeInputs('sleep:0', 1));
        if (!r.ok) throw new Error(r.message);
        await events.final(r.job.id, 10_000);
        const job = (await front.get(r.job.id))!;
        times.push(job.startedAt! - job.createdAt);
      }
      starts[String(notifications)] = times.sort((a, b) => a - b);
      for (const s of services.splice(0)) await s.close();
      await database.drop();
    }
    console.log(`enqueue to start on an idle remote worker (ms): notifications ${starts.true}; polling ${starts.false}`);
    expect(starts.true![2]).toBeLessThan(150);
    // Polling: at the worker's next look at the queue (every 1000 ms; where within it depends on the two clocks' phase).
    expect(starts.false![4]).toBeLessThan(1_300);
  });
});

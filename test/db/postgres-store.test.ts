// The Store contract on PostgreSQL (a real server: the test cluster), plus what only the shared store must do:
// admissions from two fronts at once, fair-share leasing by several workers at once, and change notifications.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { describeStoreContract } from './contract/index.js';
import { PostgresStore } from '../../db/postgres/store.js';
import type { ChangeFeed, DeliveryQueued, JobChange } from '../../db/postgres/changes.js';
import type { AdmissionSnapshot, NewJob, UserKey } from '../../src/jobs/ports.js';
import { createTestDatabase, describePostgres, type TestDatabase } from './postgres-helpers.js';

describePostgres('PostgreSQL store', () => {
  let database: TestDatabase | undefined;
  describeStoreContract(
    'PostgreSQL',
    async () => {
      database = await createTestDatabase();
      return PostgresStore.open({ url: database.url, max: 4 });
    },
    async () => {
      await database?.drop();
      database = undefined;
    },
  );
});

describePostgres('PostgreSQL store shared by several processes', () => {
  let database: TestDatabase;
  const stores: PostgresStore[] = [];
  const feeds: ChangeFeed[] = [];
  /** A store with its own pool, as another process would have. */
  const open = async () => {
    const store = await PostgresStore.open({ url: database.url, max: 3 });
    stores.push(store);
    return store;
  };
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const f of feeds.splice(0)) await f.close();
    for (const s of stores.splice(0)) await s.close();
    await database.drop();
  });

  const ALICE: UserKey = { platform: 'discord', workspaceId: 'g1', userId: 'alice' };
  const BOB: UserKey = { platform: 'discord', workspaceId: 'g1', userId: 'bob' };
  const ADMIN: UserKey = { platform: 'slack', workspaceId: 'T1', userId: 'root' };
  const job = (user: UserKey, priority = 0): NewJob => ({
    id: randomUUID().slice(0, 8),
    platform: user.platform as NewJob['platform'],
    workspaceId: user.workspaceId,
    userId: user.userId,
    reply: {},
    priority,
    options: { size: 64 },
    styleNames: ['s'],
    styleFiles: [],
    createdAt: 1,
  });
  const admitted = async (store: PostgresStore, user: UserKey, priority = 0) => {
    const r = await store.admitJob(job(user, priority), [], 0, () => null);
    if (!r.ok) throw new Error(r.refusal);
    return r.job;
  };

  test("two fronts admitting a user's jobs at the same moment cannot pass the queue limit together", async () => {
    const [frontA, frontB] = [await open(), await open()];
    const limit = (s: AdmissionSnapshot) => (s.queuedNow >= 3 ? 'three waiting already' : null);
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? frontA : frontB).admitJob(job(ALICE), [], 0, limit)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(await frontA.countQueued(ALICE)).toBe(3);
    // Another user is not held up by Alice's lock.
    expect((await frontB.admitJob(job(BOB), [], 0, limit)).ok).toBe(true);
  });

  test('leaseNext takes admins first, then the user with less engine time in the window, then first come', async () => {
    const store = await open();
    // Alice has used 5 s of engine time today; Bob none.
    const past = await admitted(store, ALICE);
    await store.leaseJob(past.id, 'w', 10, 100_000);
    await store.completeJob(
      past.id,
      'w',
      new Uint8Array([1]),
      {
        width: 1,
        height: 1,
        iterations: 1,
        backend: 'cpu',
        msPerIteration: 1,
        seed: 1,
        losses: { initial: { content: 0, style: 0, tv: 0, total: 0 }, final: { content: 0, style: 0, tv: 0, total: 0 } },
      },
      5_000,
      1_000,
    );
    const a1 = await admitted(store, ALICE);
    const b1 = await admitted(store, BOB);
    const root = await admitted(store, ADMIN, 10);
    const b2 = await admitted(store, BOB);
    const order: string[] = [];
    for (;;) {
      const next = await store.leaseNext('w1', 2_000, 60_000, 0);
      if (!next) break;
      order.push(next.id);
      expect(next).toMatchObject({ state: 'running', worker: 'w1', attempts: 1, leaseExpiresAt: 60_000 });
    }
    expect(order).toEqual([root.id, b1.id, b2.id, a1.id]);
    // Outside the usage window Alice's time no longer counts: plain first come.
    await store.releaseLeases('w1');
    const again: string[] = [];
    for (let next; (next = await store.leaseNext('w1', 3_000, 60_000, 2_000)); ) again.push(next.id);
    expect(again).toEqual([root.id, a1.id, b1.id, b2.id]);
  });

  test('four workers leasing at once take every job exactly once', async () => {
    const front = await open();
    for (let i = 0; i < 40; i++) await admitted(front, { ...ALICE, userId: `u${i % 7}` });
    const workers = await Promise.all([1, 2, 3, 4].map(() => open()));
    const taken = await Promise.all(
      workers.map(async (store, w) => {
        const ids: string[] = [];
        for (let next; (next = await store.leaseNext(`w${w}`, 1, 60_000, 0)); ) ids.push(next.id);
        return ids;
      }),
    );
    const all = taken.flat();
    expect(all).toHaveLength(40);
    expect(new Set(all).size).toBe(40);
    expect(taken.filter((ids) => ids.length > 0).length).toBeGreaterThan(1);
    expect((await front.jobsInState('running')).every((j) => j.attempts === 1)).toBe(true);
  });

  test('changes made by one process reach another at once, and after a lost connection it is told to resync', async () => {
    const front = await open();
    const worker = await open();
    const changes: JobChange[] = [];
    const deliveries: DeliveryQueued[] = [];
    let resyncs = 0;
    const waitFor = async (test: () => boolean, what: string) => {
      const until = Date.now() + 10_000;
      while (!test()) {
        if (Date.now() > until) throw new Error(`no notification: ${what}; got ${JSON.stringify(changes)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    feeds.push(await front.watch({ job: (c) => changes.push(c), delivery: (d) => deliveries.push(d), resync: () => resyncs++ }));
    const queued = await admitted(front, ALICE);
    await waitFor(() => changes.some((c) => c.id === queued.id && c.state === 'queued'), 'queued');
    await worker.leaseJob(queued.id, 'gpu1:7', 1, 60_000);
    await waitFor(() => changes.some((c) => c.state === 'running' && c.worker === 'gpu1:7' && c.attempts === 1), 'running');
    await worker.saveProgress(queued.id, 'gpu1:7', { iteration: 4, total: 9, elapsedMs: 1, etaMs: 1 });
    await waitFor(() => changes.some((c) => c.iteration === 4), 'progress');
    const heartbeats = changes.length;
    await worker.heartbeat(queued.id, 'gpu1:7', 90_000);
    await front.cancelJob(queued.id, 'alice', 5);
    await waitFor(() => changes.some((c) => c.state === 'cancelled'), 'cancelled');
    expect(changes.length).toBe(heartbeats + 1); // a heartbeat alone announces nothing
    await waitFor(() => deliveries.some((d) => d.platform === 'discord'), 'delivery');

    // The server drops the listening connection: the feed reconnects and asks for a resync.
    await front.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE '% listen'`,
    );
    await waitFor(() => resyncs === 1 && feeds[0]!.connected, 'resync');
    const later = await admitted(worker, BOB);
    await waitFor(() => changes.some((c) => c.id === later.id), 'a change after reconnecting');
  });
});

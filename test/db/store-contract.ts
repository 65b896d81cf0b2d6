// The Store contract: what the job core relies on from any store. Run against SQLite (sqlite-store.test.ts) and
// PostgreSQL (db/postgres tests) with describeStoreContract(name, makeStore).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { AdmissionSnapshot, NewJob, Store, UserKey } from '../../db/store.js';
import { PREVIEW_BLOB, userKeyString } from '../../db/store.js';
import type { JobResultInfo } from '../../src/jobs/types.js';

/** makeStore returns a fresh, empty, migrated store; cleanup (optional) runs after each test. */
export function describeStoreContract(name: string, makeStore: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
      await cleanup?.();
    });

    const ALICE: UserKey = { platform: 'discord', workspaceId: 'g1', userId: 'alice' };
    const BOB: UserKey = { platform: 'slack', workspaceId: 'T1', userId: 'bob' };
    const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);
    const INFO: JobResultInfo = {
      width: 64,
      height: 48,
      iterations: 3,
      backend: 'cpu',
      msPerIteration: 12.5,
      seed: 7,
      losses: { initial: { content: 1, style: 2, tv: 0, total: 3 }, final: { content: 0.5, style: 1, tv: 0, total: 1.5 } },
    };

    function newJob(user: UserKey, extra: Partial<NewJob> = {}): NewJob {
      return {
        id: randomUUID().slice(0, 8),
        platform: user.platform as NewJob['platform'],
        workspaceId: user.workspaceId,
        userId: user.userId,
        userName: user.userId,
        reply: { channel: 'c1', token: 'x' },
        priority: 0,
        options: { size: 64, iterations: 3 },
        styleNames: ['wave.png'],
        styleFiles: [{ file: 'style-0.png', weight: 1, name: 'wave.png' }],
        contentFile: 'content.jpg',
        contentName: 'photo.jpg',
        createdAt: 1_000,
        ...extra,
      };
    }
    const admitAny = () => null;

    async function admit(user: UserKey, extra: Partial<NewJob> = {}) {
      const result = await store.admitJob(
        newJob(user, extra),
        [
          { name: 'content.jpg', bytes: bytes(10, 1) },
          { name: 'style-0.png', bytes: bytes(20, 2) },
        ],
        0,
        admitAny,
      );
      if (!result.ok) throw new Error(result.refusal);
      return result.job;
    }

    it('admits a job with its blobs, in acceptance order, and reads it back', async () => {
      const a = await admit(ALICE, { createdAt: 5 });
      const b = await admit(BOB, { createdAt: 6 });
      expect(a).toMatchObject({ state: 'queued', attempts: 0, gpuMs: 0, filesPurged: false, userId: 'alice', reply: { channel: 'c1' } });
      expect(b.seq).toBeGreaterThan(a.seq);
      expect(await store.getBlob(a.id, 'content.jpg')).toEqual(bytes(10, 1));
      expect(await store.getBlob(a.id, 'style-0.png')).toEqual(bytes(20, 2));
      expect(await store.getBlob(a.id, 'missing.png')).toBeUndefined();
      expect(await store.getJob('nope')).toBeUndefined();
      expect((await store.jobsInState('queued')).map((j) => j.id)).toEqual([a.id, b.id]);
      expect((await store.listJobs({ userId: 'bob' })).map((j) => j.id)).toEqual([b.id]);
      expect((await store.listJobs()).map((j) => j.id)).toEqual([b.id, a.id]);
      expect((await store.queuedJobs()).map((j) => [j.id, j.userId])).toEqual([
        [a.id, 'alice'],
        [b.id, 'bob'],
      ]);
    });

    it('admission sees the usage snapshot inside its transaction and refuses over the limit', async () => {
      await store.setUserQuota(ALICE, { maxQueued: 2 });
      const decide = (s: AdmissionSnapshot) =>
        s.queuedNow >= (s.user.quota.maxQueued ?? 3) ? `you have ${s.queuedNow} queued` : null;
      // Five admissions at once: exactly two get in, however the store interleaves them.
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.admitJob(newJob(ALICE), [], 0, decide)),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(2);
      expect(results.find((r) => !r.ok)).toEqual({ ok: false, refusal: 'you have 2 queued' });
      expect(await store.countQueued(ALICE)).toBe(2);
      expect(await store.countJobsSince(ALICE, 0)).toBe(2);
    });

    it('a job is leased by one worker at a time, counting attempts', async () => {
      const job = await admit(ALICE);
      const [one, two] = await Promise.all([store.leaseJob(job.id, 'w1', 2_000, 32_000), store.leaseJob(job.id, 'w2', 2_000, 32_000)]);
      const winner = one ?? two;
      expect([one, two].filter(Boolean)).toHaveLength(1);
      expect(winner).toMatchObject({ state: 'running', attempts: 1, startedAt: 2_000, leaseExpiresAt: 32_000 });
      const holder = winner!.worker!;
      const other = holder === 'w1' ? 'w2' : 'w1';
      expect(await store.heartbeat(job.id, holder, 40_000)).toBe(true);
      expect(await store.heartbeat(job.id, other, 40_000)).toBe(false);
      expect((await store.getJob(job.id))!.leaseExpiresAt).toBe(40_000);
      expect(await store.saveProgress(job.id, other, { iteration: 1, total: 3, elapsedMs: 1, etaMs: 2 })).toBe(false);
      expect(await store.saveProgress(job.id, holder, { iteration: 2, total: 3, elapsedMs: 1, etaMs: 2 }, bytes(5, 9))).toBe(true);
      expect((await store.getJob(job.id))!.progress).toMatchObject({ iteration: 2 });
      expect(await store.getBlob(job.id, PREVIEW_BLOB)).toEqual(bytes(5, 9));
      expect(await store.leaseJob(job.id, other, 3_000, 33_000)).toBeUndefined();
    });

    it('done stores the result, charges engine time and queues one delivery, for the lease holder only', async () => {
      const job = await admit(ALICE);
      await store.leaseJob(job.id, 'w1', 2_000, 32_000);
      expect(await store.completeJob(job.id, 'w2', bytes(3, 7), INFO, 1234.4, 5_000)).toBe(false);
      expect(await store.completeJob(job.id, 'w1', bytes(3, 7), INFO, 1234.4, 5_000)).toBe(true);
      expect(await store.completeJob(job.id, 'w1', bytes(3, 7), INFO, 1234.4, 5_000)).toBe(false);
      const done = (await store.getJob(job.id))!;
      expect(done).toMatchObject({ state: 'done', gpuMs: 1234, finishedAt: 5_000, result: INFO, worker: 'w1' });
      expect(await store.getBlob(job.id, 'result.png')).toEqual(bytes(3, 7));
      expect(await store.gpuMsSince(ALICE, 0)).toBe(1234);
      expect((await store.gpuMsByUserSince(0)).get(userKeyString(ALICE))).toBe(1234);
      expect(await store.gpuMsSince(ALICE, 6_000)).toBe(0);
      const deliveries = await store.deliveriesOf(job.id);
      expect(deliveries).toEqual([
        expect.objectContaining({ jobId: job.id, platform: 'discord', kind: 'done', state: 'undelivered', attempts: 0, nextAttemptAt: 5_000 }),
      ]);
    });

    it('fail and cancel end a job once and queue its delivery', async () => {
      const a = await admit(ALICE);
      const b = await admit(BOB);
      expect(await store.cancelJob(a.id, 'alice', 3_000)).toBe(true);
      expect(await store.cancelJob(a.id, 'alice', 3_000)).toBe(false);
      expect(await store.failJob(a.id, 'x', 3_000)).toBe(false);
      expect(await store.getJob(a.id)).toMatchObject({ state: 'cancelled', cancelledBy: 'alice', finishedAt: 3_000 });
      await store.leaseJob(b.id, 'w1', 2_000, 32_000);
      expect(await store.failJob(b.id, 'boom', 4_000, 'w2')).toBe(false);
      expect(await store.failJob(b.id, 'boom', 4_000, 'w1')).toBe(true);
      expect(await store.getJob(b.id)).toMatchObject({ state: 'failed', error: 'boom' });
      expect(await store.heartbeat(b.id, 'w1', 50_000)).toBe(false);
      expect((await store.deliveriesOf(a.id)).map((d) => d.kind)).toEqual(['cancelled']);
      expect((await store.deliveriesOf(b.id)).map((d) => [d.kind, d.platform])).toEqual([['failed', 'slack']]);
    });

    it('expired leases are requeued with the attempt counted, and failed on the last attempt', async () => {
      const job = await admit(ALICE);
      const other = await admit(BOB);
      await store.leaseJob(other.id, 'w2', 0, 100_000);
      for (let attempt = 1; attempt <= 3; attempt++) {
        const leased = await store.leaseJob(job.id, `w${attempt}`, attempt * 1000, attempt * 1000 + 500);
        expect(leased?.attempts).toBe(attempt);
        // Not yet expired: nothing happens.
        expect(await store.recoverExpiredLeases(attempt * 1000 + 400, 3, () => 'x')).toEqual({ requeued: [], failed: [] });
        const recovery = await store.recoverExpiredLeases(attempt * 1000 + 600, 3, (n) => `gave up after ${n}`);
        if (attempt < 3) {
          expect(recovery.requeued.map((j) => [j.id, j.state, j.attempts])).toEqual([[job.id, 'queued', attempt]]);
          expect(recovery.failed).toEqual([]);
        } else {
          expect(recovery.requeued).toEqual([]);
          expect(recovery.failed.map((j) => [j.id, j.state, j.error])).toEqual([[job.id, 'failed', 'gave up after 3']]);
        }
      }
      expect((await store.deliveriesOf(job.id)).map((d) => d.kind)).toEqual(['failed']);
      expect((await store.getJob(other.id))!.state).toBe('running');
    });

    it('a worker releases its leases on a clean stop', async () => {
      const a = await admit(ALICE);
      const b = await admit(BOB);
      await store.leaseJob(a.id, 'w1', 1, 10_000);
      await store.leaseJob(b.id, 'w2', 1, 10_000);
      expect(await store.releaseLeases('w1')).toEqual([a.id]);
      expect(await store.getJob(a.id)).toMatchObject({ state: 'queued', attempts: 1 });
      expect((await store.getJob(b.id))!.state).toBe('running');
    });

    it('the outbox: a delivery is claimed by one front at a time, retried when due, delivered or abandoned once', async () => {
      const job = await admit(ALICE);
      await store.leaseJob(job.id, 'w1', 1, 10_000);
      await store.completeJob(job.id, 'w1', bytes(2, 1), INFO, 10, 100);
      const slackJob = await admit(BOB);
      await store.cancelJob(slackJob.id, 'bob', 100);

      expect(await store.claimDeliveries(['discord'], 'front-a', 50, 1_000, 10)).toEqual([]); // not due yet
      const [one, two] = await Promise.all([
        store.claimDeliveries(['discord'], 'front-a', 200, 1_000, 10),
        store.claimDeliveries(['discord'], 'front-b', 200, 1_000, 10),
      ]);
      expect([...one, ...two].map((d) => d.jobId)).toEqual([job.id]);
      const holder = one.length ? 'front-a' : 'front-b';
      const d = [...one, ...two][0]!;
      expect(d).toMatchObject({ kind: 'done', claimedBy: holder, claimedUntil: 1_000 });

      expect(await store.deliveryFailed(d.id, 'someone-else', 'x', 0)).toBe(false);
      expect(await store.deliveryFailed(d.id, holder, '503 Service Unavailable', 5_000)).toBe(true);
      expect(await store.claimDeliveries(['discord'], 'front-a', 4_000, 9_000, 10)).toEqual([]);
      const again = await store.claimDeliveries(['discord'], 'front-a', 5_000, 9_000, 10);
      expect(again).toEqual([expect.objectContaining({ id: d.id, attempts: 1, lastError: '503 Service Unavailable' })]);
      // A claim that lapsed (its front died) can be taken over; one that is live cannot.
      expect(await store.claimDeliveries(['discord'], 'front-b', 8_000, 20_000, 10)).toEqual([]);
      expect((await store.claimDeliveries(['discord'], 'front-b', 9_500, 20_000, 10)).map((x) => x.id)).toEqual([d.id]);
      expect(await store.markDelivered(d.id, 'front-a', 9_600)).toBe(false);
      expect(await store.markDelivered(d.id, 'front-b', 9_600)).toBe(true);
      expect(await store.markDelivered(d.id, 'front-b', 9_600)).toBe(false);
      expect(await store.claimDeliveries(['discord'], 'front-a', 99_000, 100_000, 10)).toEqual([]);
      expect((await store.deliveriesOf(job.id))[0]).toMatchObject({ state: 'delivered', deliveredAt: 9_600 });

      // A front that restarts drops its own claims at once.
      const [s] = await store.claimDeliveries(['slack', 'discord'], 'front-a', 200, 50_000, 10);
      expect(s).toMatchObject({ jobId: slackJob.id, kind: 'cancelled', platform: 'slack' });
      expect(await store.claimDeliveries(['slack'], 'front-a', 300, 50_000, 10)).toEqual([]);
      expect(await store.releaseClaims('front-a')).toBe(1);
      const [s2] = await store.claimDeliveries(['slack'], 'front-a', 300, 50_000, 10);
      expect(await store.abandonDelivery(s2!.id, 'front-a', 'gave up', 400)).toBe(true);
      expect((await store.deliveriesOf(slackJob.id))[0]).toMatchObject({ state: 'abandoned', lastError: 'gave up' });
      expect(await store.claimDeliveries(['slack'], 'front-a', 99_000, 100_000, 10)).toEqual([]);
    });

    it('retention purges blobs of finished jobs and keeps the rows', async () => {
      const old = await admit(ALICE);
      const running = await admit(BOB);
      await store.cancelJob(old.id, 'alice', 1_000);
      await store.leaseJob(running.id, 'w1', 1, 10_000);
      expect((await store.purgeCandidates(2_000)).map((j) => j.id)).toEqual([old.id]);
      expect(await store.purgeCandidates(500)).toEqual([]);
      await store.purgeJob(old.id);
      expect(await store.getJob(old.id)).toMatchObject({ filesPurged: true, state: 'cancelled' });
      expect(await store.getBlob(old.id, 'content.jpg')).toBeUndefined();
      expect(await store.purgeCandidates(2_000)).toEqual([]);
    });

    it('settings, roles, usage resets, stats and the audit log', async () => {
      expect(await store.workspaceDefaults('discord', 'g1')).toEqual({});
      await store.setWorkspaceDefaults('discord', 'g1', { jobsPerDay: 5, maxSize: 256 });
      await store.setWorkspaceDefaults('discord', 'g1', { maxSize: 128 });
      expect(await store.workspaceDefaults('discord', 'g1')).toEqual({ jobsPerDay: 5, maxSize: 128 });
      expect(await store.userSettings(ALICE)).toEqual({ quota: {} });
      await store.setUserQuota(ALICE, { maxIterations: 50 });
      await store.setRole(ALICE, 'admin');
      await store.resetUsage(ALICE, 777);
      expect(await store.userSettings(ALICE)).toEqual({ role: 'admin', quota: { maxIterations: 50 }, usageResetAt: 777 });
      expect(await store.userSettings(BOB)).toEqual({ quota: {} });

      const day = Date.UTC(2026, 0, 2);
      const a = await admit(ALICE, { createdAt: day + 10 });
      await admit(BOB, { createdAt: day + 20 });
      await store.leaseJob(a.id, 'w', day + 30, day + 60_000);
      await store.completeJob(a.id, 'w', bytes(1, 1), INFO, 2_500, day + 40);
      const stats = await store.stats(day);
      expect(stats.perUser[0]).toMatchObject({ platform: 'discord', workspaceId: 'g1', userId: 'alice', jobs: 1, gpuSeconds: 2.5 });
      expect(stats.perDay).toEqual([{ day: '2026-01-02', jobs: 2, gpuSeconds: 2.5 }]);
      expect((await store.stats(day, 'T1')).perUser.map((u) => u.userId)).toEqual(['bob']);

      await store.audit(1, ALICE, 'quota.set', 'discord/g1/bob', { a: 1 }, { a: 2 });
      await store.audit(2, ALICE, 'role.set', 'discord/g1/bob', undefined, { role: 'admin' });
      const log = await store.auditLog(10);
      expect(log.map((e) => e.action)).toEqual(['role.set', 'quota.set']);
      expect(log[1]).toMatchObject({ at: 1, actor: ALICE, target: 'discord/g1/bob', before: { a: 1 }, after: { a: 2 } });
      expect(log[0]!.before).toBeUndefined();
      expect(await store.auditLog(1)).toHaveLength(1);
    });
  });
}

// The JobRepository contract: admission with its blobs, reads, the queue and cancelling.
import { expect, it } from 'vitest';
import type { AdmissionSnapshot } from '../../../src/jobs/ports.js';
import { ALICE, BOB, bytes, newJob, type StoreFixture } from './fixture.js';

export function jobRepositoryContract(f: StoreFixture): void {
  it('admits a job with its blobs, in acceptance order, and reads it back', async () => {
    const a = await f.admit(ALICE, { createdAt: 5 });
    const b = await f.admit(BOB, { createdAt: 6 });
    expect(a).toMatchObject({ state: 'queued', attempts: 0, gpuMs: 0, filesPurged: false, userId: 'alice', reply: { channel: 'c1' } });
    expect(b.seq).toBeGreaterThan(a.seq);
    expect(await f.store.getBlob(a.id, 'content.jpg')).toEqual(bytes(10, 1));
    expect(await f.store.getBlob(a.id, 'style-0.png')).toEqual(bytes(20, 2));
    expect(await f.store.getBlob(a.id, 'missing.png')).toBeUndefined();
    expect(await f.store.getJob('nope')).toBeUndefined();
    expect((await f.store.jobsInState('queued')).map((j) => j.id)).toEqual([a.id, b.id]);
    expect((await f.store.listJobs({ userId: 'bob' })).map((j) => j.id)).toEqual([b.id]);
    expect((await f.store.listJobs()).map((j) => j.id)).toEqual([b.id, a.id]);
    expect((await f.store.queuedJobs()).map((j) => [j.id, j.userId])).toEqual([
      [a.id, 'alice'],
      [b.id, 'bob'],
    ]);
  });

  it('lists jobs by state, user, platform and workspace, newest first, up to a limit', async () => {
    const a = await f.admit(ALICE);
    const b = await f.admit(BOB);
    const c = await f.admit(ALICE);
    await f.store.cancelJob(c.id, 'alice', 2_000);
    const ids = async (filter: Parameters<typeof f.store.listJobs>[0]) => (await f.store.listJobs(filter)).map((j) => j.id);
    expect(await ids({ state: 'queued' })).toEqual([b.id, a.id]);
    expect(await ids({ state: 'cancelled', userId: 'alice' })).toEqual([c.id]);
    expect(await ids({ platform: 'slack' })).toEqual([b.id]);
    expect(await ids({ workspaceId: 'g1' })).toEqual([c.id, a.id]);
    expect(await ids({ limit: 1 })).toEqual([c.id]);
  });

  it('admission sees the usage snapshot inside its transaction and refuses over the limit', async () => {
    await f.store.setUserQuota(ALICE, { maxQueued: 2 });
    const decide = (s: AdmissionSnapshot) => (s.queuedNow >= (s.user.quota.maxQueued ?? 3) ? `you have ${s.queuedNow} queued` : null);
    // Five admissions at once: exactly two get in, however the store interleaves them.
    const results = await Promise.all(Array.from({ length: 5 }, () => f.store.admitJob(newJob(ALICE), [], 0, decide)));
    expect(results.filter((r) => r.ok)).toHaveLength(2);
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, refusal: 'you have 2 queued' });
    expect(await f.store.countQueued(ALICE)).toBe(2);
    expect(await f.store.countJobsSince(ALICE, 0)).toBe(2);
  });

  it("admission counts the user's usage from their last reset, as the quota policy does", async () => {
    await f.admit(ALICE, { createdAt: 100 });
    await f.admit(ALICE, { createdAt: 200 });
    await f.store.resetUsage(ALICE, 150);
    let seen: AdmissionSnapshot | undefined;
    const result = await f.store.admitJob(newJob(ALICE, { createdAt: 300 }), [], 0, (s) => ((seen = s), null));
    expect(result.ok).toBe(true);
    expect(seen).toMatchObject({ jobsToday: 1, queuedNow: 2, user: { usageResetAt: 150 } });
  });

  it('cancel ends a queued job once and queues its delivery', async () => {
    const a = await f.admit(ALICE);
    expect(await f.store.cancelJob(a.id, 'alice', 3_000)).toBe(true);
    expect(await f.store.cancelJob(a.id, 'alice', 3_000)).toBe(false);
    expect(await f.store.failJob(a.id, 'x', 3_000)).toBe(false);
    expect(await f.store.getJob(a.id)).toMatchObject({ state: 'cancelled', cancelledBy: 'alice', finishedAt: 3_000 });
    expect((await f.store.deliveriesOf(a.id)).map((d) => d.kind)).toEqual(['cancelled']);
    expect(await f.store.cancelJob('nope', 'alice', 3_000)).toBe(false);
  });
}

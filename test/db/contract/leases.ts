// The Leases contract: one worker at a time, heartbeats, progress, and the outcome of a run.
import { expect, it } from 'vitest';
import { PREVIEW_BLOB, userKeyString } from '../../../src/jobs/ports.js';
import { ALICE, BOB, bytes, INFO, type StoreFixture } from './fixture.js';

export function leasesContract(f: StoreFixture): void {
  it('a job is leased by one worker at a time, counting attempts', async () => {
    const job = await f.admit(ALICE);
    const [one, two] = await Promise.all([f.store.leaseJob(job.id, 'w1', 2_000, 32_000), f.store.leaseJob(job.id, 'w2', 2_000, 32_000)]);
    const winner = one ?? two;
    expect([one, two].filter(Boolean)).toHaveLength(1);
    expect(winner).toMatchObject({ state: 'running', attempts: 1, startedAt: 2_000, leaseExpiresAt: 32_000 });
    const holder = winner!.worker!;
    const other = holder === 'w1' ? 'w2' : 'w1';
    expect(await f.store.heartbeat(job.id, holder, 40_000)).toBe(true);
    expect(await f.store.heartbeat(job.id, other, 40_000)).toBe(false);
    expect((await f.store.getJob(job.id))!.leaseExpiresAt).toBe(40_000);
    expect(await f.store.saveProgress(job.id, other, { iteration: 1, total: 3, elapsedMs: 1, etaMs: 2 })).toBe(false);
    expect(await f.store.saveProgress(job.id, holder, { iteration: 2, total: 3, elapsedMs: 1, etaMs: 2 }, bytes(5, 9))).toBe(true);
    expect((await f.store.getJob(job.id))!.progress).toMatchObject({ iteration: 2 });
    expect(await f.store.getBlob(job.id, PREVIEW_BLOB)).toEqual(bytes(5, 9));
    expect(await f.store.leaseJob(job.id, other, 3_000, 33_000)).toBeUndefined();
  });

  it('done stores the result, charges engine time and queues one delivery, for the lease holder only', async () => {
    const job = await f.admit(ALICE);
    await f.store.leaseJob(job.id, 'w1', 2_000, 32_000);
    expect(await f.store.completeJob(job.id, 'w2', bytes(3, 7), INFO, 1234.4, 5_000)).toBe(false);
    expect(await f.store.completeJob(job.id, 'w1', bytes(3, 7), INFO, 1234.4, 5_000)).toBe(true);
    expect(await f.store.completeJob(job.id, 'w1', bytes(3, 7), INFO, 1234.4, 5_000)).toBe(false);
    const done = (await f.store.getJob(job.id))!;
    expect(done).toMatchObject({ state: 'done', gpuMs: 1234, finishedAt: 5_000, result: INFO, worker: 'w1' });
    expect(await f.store.getBlob(job.id, 'result.png')).toEqual(bytes(3, 7));
    expect(await f.store.gpuMsSince(ALICE, 0)).toBe(1234);
    expect((await f.store.gpuMsByUserSince(0)).get(userKeyString(ALICE))).toBe(1234);
    expect(await f.store.gpuMsSince(ALICE, 6_000)).toBe(0);
    const deliveries = await f.store.deliveriesOf(job.id);
    expect(deliveries).toEqual([
      expect.objectContaining({
        jobId: job.id,
        platform: 'discord',
        kind: 'done',
        state: 'undelivered',
        attempts: 0,
        nextAttemptAt: 5_000,
      }),
    ]);
  });

  it('fail ends a running job once, for its worker only, and queues its delivery', async () => {
    const b = await f.admit(BOB);
    await f.store.leaseJob(b.id, 'w1', 2_000, 32_000);
    expect(await f.store.failJob(b.id, 'boom', 4_000, 'w2')).toBe(false);
    expect(await f.store.failJob(b.id, 'boom', 4_000, 'w1')).toBe(true);
    expect(await f.store.failJob(b.id, 'boom', 4_000, 'w1')).toBe(false);
    expect(await f.store.getJob(b.id)).toMatchObject({ state: 'failed', error: 'boom', finishedAt: 4_000 });
    expect(await f.store.heartbeat(b.id, 'w1', 50_000)).toBe(false);
    expect((await f.store.deliveriesOf(b.id)).map((d) => [d.kind, d.platform])).toEqual([['failed', 'slack']]);
    // Without a worker, a queued job fails too.
    const a = await f.admit(ALICE);
    expect(await f.store.failJob(a.id, 'no', 5_000)).toBe(true);
    expect(await f.store.getJob(a.id)).toMatchObject({ state: 'failed', error: 'no' });
  });

  it('a worker releases its leases on a clean stop', async () => {
    const a = await f.admit(ALICE);
    const b = await f.admit(BOB);
    await f.store.leaseJob(a.id, 'w1', 1, 10_000);
    await f.store.leaseJob(b.id, 'w2', 1, 10_000);
    expect(await f.store.releaseLeases('w1')).toEqual([a.id]);
    expect(await f.store.getJob(a.id)).toMatchObject({ state: 'queued', attempts: 1 });
    expect((await f.store.getJob(b.id))!.state).toBe('running');
  });
}

// The Maintenance contract: expired leases requeued or failed, and retention's purge.
import { expect, it } from 'vitest';
import { ALICE, BOB, type StoreFixture } from './fixture.js';

export function maintenanceContract(f: StoreFixture): void {
  it('expired leases are requeued with the attempt counted, and failed on the last attempt', async () => {
    const job = await f.admit(ALICE);
    const other = await f.admit(BOB);
    await f.store.leaseJob(other.id, 'w2', 0, 100_000);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const leased = await f.store.leaseJob(job.id, `w${attempt}`, attempt * 1000, attempt * 1000 + 500);
      expect(leased?.attempts).toBe(attempt);
      // Not yet expired: nothing happens.
      expect(await f.store.recoverExpiredLeases(attempt * 1000 + 400, 3, () => 'x')).toEqual({ requeued: [], failed: [] });
      const recovery = await f.store.recoverExpiredLeases(attempt * 1000 + 600, 3, (n) => `gave up after ${n}`);
      if (attempt < 3) {
        expect(recovery.requeued.map((j) => [j.id, j.state, j.attempts])).toEqual([[job.id, 'queued', attempt]]);
        expect(recovery.failed).toEqual([]);
      } else {
        expect(recovery.requeued).toEqual([]);
        expect(recovery.failed.map((j) => [j.id, j.state, j.error])).toEqual([[job.id, 'failed', 'gave up after 3']]);
      }
    }
    expect((await f.store.deliveriesOf(job.id)).map((d) => d.kind)).toEqual(['failed']);
    expect((await f.store.getJob(other.id))!.state).toBe('running');
  });

  it('retention purges blobs of finished jobs and keeps the rows', async () => {
    const old = await f.admit(ALICE);
    const running = await f.admit(BOB);
    await f.store.cancelJob(old.id, 'alice', 1_000);
    await f.store.leaseJob(running.id, 'w1', 1, 10_000);
    expect((await f.store.purgeCandidates(2_000)).map((j) => j.id)).toEqual([old.id]);
    expect(await f.store.purgeCandidates(500)).toEqual([]);
    await f.store.purgeJob(old.id);
    expect(await f.store.getJob(old.id)).toMatchObject({ filesPurged: true, state: 'cancelled' });
    expect(await f.store.getBlob(old.id, 'content.jpg')).toBeUndefined();
    expect(await f.store.getBlob(running.id, 'content.jpg')).toBeDefined();
    expect(await f.store.purgeCandidates(2_000)).toEqual([]);
  });
}

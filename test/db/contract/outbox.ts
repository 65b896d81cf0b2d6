// The Outbox contract: a delivery is claimed by one front at a time, retried when due, delivered or abandoned once.
import { expect, it } from 'vitest';
import { ALICE, BOB, bytes, INFO, type StoreFixture } from './fixture.js';

export function outboxContract(f: StoreFixture): void {
  it('a delivery is claimed by one front at a time, retried when due, delivered or abandoned once', async () => {
    const { store } = f;
    const job = await f.admit(ALICE);
    await store.leaseJob(job.id, 'w1', 1, 10_000);
    await store.completeJob(job.id, 'w1', bytes(2, 1), INFO, 10, 100);
    const slackJob = await f.admit(BOB);
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

  it('claims at most the limit, and nothing for no platforms', async () => {
    for (let i = 0; i < 3; i++) await f.store.cancelJob((await f.admit(ALICE)).id, 'alice', 100);
    expect(await f.store.claimDeliveries([], 'front-a', 200, 1_000, 10)).toEqual([]);
    expect(await f.store.claimDeliveries(['discord'], 'front-a', 200, 1_000, 2)).toHaveLength(2);
    expect(await f.store.claimDeliveries(['discord'], 'front-b', 200, 1_000, 10)).toHaveLength(1);
  });
}

// The Quotas contract: workspace defaults, a user's settings, usage counts and statistics.
import { expect, it } from 'vitest';
import { ALICE, BOB, bytes, INFO, type StoreFixture } from './fixture.js';

export function quotasContract(f: StoreFixture): void {
  it('workspace defaults and user settings change only the fields given', async () => {
    const { store } = f;
    expect(await store.workspaceDefaults('discord', 'g1')).toEqual({});
    await store.setWorkspaceDefaults('discord', 'g1', { jobsPerDay: 5, maxSize: 256 });
    await store.setWorkspaceDefaults('discord', 'g1', { maxSize: 128 });
    expect(await store.workspaceDefaults('discord', 'g1')).toEqual({ jobsPerDay: 5, maxSize: 128 });
    expect(await store.workspaceDefaults('discord', 'g2')).toEqual({});
    expect(await store.userSettings(ALICE)).toEqual({ quota: {} });
    await store.setUserQuota(ALICE, { maxIterations: 50 });
    await store.setUserQuota(ALICE, { maxQueued: 4 });
    await store.setRole(ALICE, 'admin');
    await store.resetUsage(ALICE, 777);
    expect(await store.userSettings(ALICE)).toEqual({ role: 'admin', quota: { maxIterations: 50, maxQueued: 4 }, usageResetAt: 777 });
    await store.setRole(ALICE, 'user');
    expect((await store.userSettings(ALICE)).role).toBe('user');
    expect(await store.userSettings(BOB)).toEqual({ quota: {} });
  });

  it('usage per user and per UTC day, of one workspace or all', async () => {
    const { store } = f;
    const day = Date.UTC(2026, 0, 2);
    const a = await f.admit(ALICE, { createdAt: day + 10 });
    await f.admit(BOB, { createdAt: day + 20 });
    await store.leaseJob(a.id, 'w', day + 30, day + 60_000);
    await store.completeJob(a.id, 'w', bytes(1, 1), INFO, 2_500, day + 40);
    expect(await store.countJobsSince(ALICE, day)).toBe(1);
    expect(await store.countJobsSince(ALICE, day + 11)).toBe(0);
    expect(await store.countQueued(BOB)).toBe(1);
    const stats = await store.stats(day);
    expect(stats.perUser[0]).toMatchObject({ platform: 'discord', workspaceId: 'g1', userId: 'alice', jobs: 1, gpuSeconds: 2.5 });
    expect(stats.perDay).toEqual([{ day: '2026-01-02', jobs: 2, gpuSeconds: 2.5 }]);
    expect((await store.stats(day, 'T1')).perUser.map((u) => u.userId)).toEqual(['bob']);
  });
}

// What both stores hold (STORED_LIMITS): the same answer from SQLite and PostgreSQL for a count past 2^31-1, a NUL
// byte or an over-long id, and names with NUL bytes or too many characters.
import { expect, it } from 'vitest';
import { STORED_LIMITS, StoreInputError } from '../../../src/jobs/ports.js';
import { ALICE, newJob, type StoreFixture } from './fixture.js';

const NUL_USER = { ...ALICE, userId: 'a\u0000b' };

export function storedValuesContract(f: StoreFixture): void {
  it('holds quota counts up to 2^31-1 and refuses larger, negative or fractional ones', async () => {
    await f.store.setUserQuota(ALICE, { jobsPerDay: STORED_LIMITS.maxCount });
    await f.store.setWorkspaceDefaults('discord', 'g1', { maxSize: STORED_LIMITS.maxCount });
    for (const bad of [STORED_LIMITS.maxCount + 1, 1e300, -1, 1.5, Number.NaN]) {
      await expect(f.store.setUserQuota(ALICE, { jobsPerDay: bad })).rejects.toThrow(StoreInputError);
      await expect(f.store.setWorkspaceDefaults('discord', 'g1', { maxSize: bad })).rejects.toThrow(StoreInputError);
    }
    expect((await f.store.userSettings(ALICE)).quota).toEqual({ jobsPerDay: STORED_LIMITS.maxCount });
    expect(await f.store.workspaceDefaults('discord', 'g1')).toEqual({ maxSize: STORED_LIMITS.maxCount });
  });

  it('refuses a user or workspace id with a NUL byte, or longer than the limit, in settings, reads and admission', async () => {
    const long = { ...ALICE, userId: 'u'.repeat(STORED_LIMITS.maxIdLength + 1) };
    for (const user of [NUL_USER, long, { ...ALICE, workspaceId: 'g\u00001' }]) {
      await expect(f.store.setUserQuota(user, { maxQueued: 1 })).rejects.toThrow(StoreInputError);
      await expect(f.store.setRole(user, 'admin')).rejects.toThrow(StoreInputError);
      await expect(f.store.resetUsage(user, 1)).rejects.toThrow(StoreInputError);
      await expect(f.store.userSettings(user)).rejects.toThrow(StoreInputError);
      await expect(f.store.countQueued(user)).rejects.toThrow(StoreInputError);
      await expect(f.store.admitJob(newJob(user), [], 0, () => null)).rejects.toThrow(StoreInputError);
      await expect(f.store.audit(1, user, 'role.set', 'x', null, null)).rejects.toThrow(StoreInputError);
    }
    await expect(f.store.setWorkspaceDefaults('discord', 'g\u00001', { maxQueued: 1 })).rejects.toThrow(/workspace id contains a NUL byte/);
    await expect(f.store.listJobs({ userId: 'a\u0000b' })).rejects.toThrow(StoreInputError);
    await expect(f.store.stats(0, 'g\u00001')).rejects.toThrow(StoreInputError);
    expect(await f.store.listJobs()).toEqual([]);
  });

  it('answers a job id no store can hold as a job that is not there', async () => {
    const job = await f.admit(ALICE);
    expect(await f.store.getJob(`${job.id}\u0000`)).toBeUndefined();
    expect(await f.store.getBlob(job.id, 'content.jpg\u0000')).toBeUndefined();
    expect(await f.store.cancelJob(`${job.id}\u0000`, 'alice', 1)).toBe(false);
    expect((await f.store.getJob(job.id))!.state).toBe('queued');
  });

  it('stores names without NUL bytes and cut to the limit', async () => {
    const long = `${'é'.repeat(STORED_LIMITS.maxNameLength - 1)}😀tail`;
    const job = await f.admit(ALICE, {
      userName: 'Al\u0000ice',
      contentName: 'pho\u0000to.png',
      styleNames: ['wa\u0000ve.png', long],
      styleFiles: [
        { file: 'style-0.png', weight: 1, name: 'wa\u0000ve.png' },
        { file: 'style-1.png', weight: 1, name: long },
      ],
      artist: 'mo\u0000net',
      artwork: 'x'.repeat(STORED_LIMITS.maxNameLength + 50),
    });
    const cut = 'é'.repeat(STORED_LIMITS.maxNameLength - 1); // the emoji's two halves would pass the limit: dropped whole
    const expected = {
      userName: 'Alice',
      contentName: 'photo.png',
      styleNames: ['wave.png', cut],
      artist: 'monet',
      artwork: 'x'.repeat(STORED_LIMITS.maxNameLength),
    };
    expect(job).toMatchObject(expected);
    expect(job.styleFiles.map((s) => s.name)).toEqual(['wave.png', cut]);
    expect(await f.store.getJob(job.id)).toMatchObject(expected);
  });

  it('keeps audit values with the NUL bytes of their strings removed', async () => {
    await f.store.audit(1, ALICE, 'quota.set', 'discord/g1/bob', { note: 'a\u0000b' }, ['c\u0000d']);
    const [entry] = await f.store.auditLog(1);
    expect(entry).toMatchObject({ before: { note: 'ab' }, after: ['cd'] });
  });
}

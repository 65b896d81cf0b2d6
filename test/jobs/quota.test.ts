// Quota refusals (which limit, usage, reset time), resets at UTC midnight, roles and overrides.
import { afterEach, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { CLI, EventLog, fakeInputs, fakeService, realInputs, realService, removeTempDirs, user } from './helpers.js';

let service: StylebotJobService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  removeTempDirs();
});

const NOON = Date.UTC(2026, 10, 22, 12, 0, 0);
const clock = (start = NOON) => {
  let t = start;
  return { now: () => t, set: (v: number) => (t = v) };
};

test('jobs per day: refused with the limit, the usage and the reset time; accepted again after midnight', async () => {
  const c = clock();
  service = fakeService({ now: c.now, defaultQuota: { jobsPerDay: 2, maxQueued: 10 } });
  for (let i = 0; i < 2; i++) expect((await service.enqueue(user('alice'), {}, fakeInputs())).ok).toBe(true);
  const refused = await service.enqueue(user('alice'), {}, fakeInputs());
  expect(refused).toEqual({
    ok: false,
    reason: 'quota',
    message: 'You have used all 2 of your jobs for today (2/2). It resets at 00:00 UTC (2026-11-23T00:00:00.000Z), in 12 h 0 min.',
  });
  expect((await service.quotaOf(user('alice'))).usage).toMatchObject({ jobsToday: 2, queuedNow: 2, resetsAt: Date.UTC(2026, 10, 23) });
  // Another user is not affected.
  expect((await service.enqueue(user('bob'), {}, fakeInputs())).ok).toBe(true);
  c.set(Date.UTC(2026, 10, 23, 0, 0, 1));
  expect((await service.enqueue(user('alice'), {}, fakeInputs())).ok).toBe(true);
});

test('cancelled jobs do not count', async () => {
  service = fakeService({ defaultQuota: { jobsPerDay: 1, maxQueued: 5 } });
  const first = await service.enqueue(user('alice'), {}, fakeInputs());
  if (!first.ok) throw new Error(first.message);
  expect((await service.enqueue(user('alice'), {}, fakeInputs())).ok).toBe(false);
  await service.cancel(first.job.id, user('alice'));
  expect((await service.enqueue(user('alice'), {}, fakeInputs())).ok).toBe(true);
});

test('max queued counts waiting jobs only', async () => {
  service = fakeService({ defaultQuota: { maxQueued: 2 } });
  expect((await service.enqueue(user('alice'), {}, fakeInputs())).ok).toBe(true);
  expect((await service.enqueue(user('alice'), {}, fakeInputs())).ok).toBe(true);
  const refused = await service.enqueue(user('alice'), {}, fakeInputs());
  expect(refused).toMatchObject({ ok: false, reason: 'quota', message: expect.stringContaining('You already have 2 jobs waiting') });
  expect(refused.ok || refused.message).toMatch(/\(2\)/);
});

test('GPU seconds: a done job is charged its engine time; over the limit is refused until the admin resets usage', async () => {
  service = realService({ defaultQuota: { maxQueued: 5 } });
  const log = new EventLog(service);
  await service.start();
  const r = await service.enqueue(user('alice'), {}, realInputs(2));
  if (!r.ok) throw new Error(r.message);
  expect((await log.final(r.job.id)).event.type).toBe('done');
  const charged = (await service.get(r.job.id))!.gpuMs;
  expect(charged).toBeGreaterThan(0);
  const used = Math.round(charged / 100) / 10;
  expect((await service.quotaOf(user('alice'))).usage.gpuSecondsToday).toBe(used);
  const root = user('root', { isPlatformAdmin: true });
  const limit = Math.floor(used);
  await service.admin.setQuota(root, { platform: 'discord', workspaceId: 'guild1', userId: 'alice' }, { gpuSecondsPerDay: limit });
  const refused = await service.enqueue(user('alice'), {}, realInputs(2));
  expect(refused).toMatchObject({
    ok: false,
    reason: 'quota',
    message: expect.stringContaining(`You have used your engine time for today (${used}/${limit} GPU seconds). It resets at 00:00 UTC`),
  });
  await service.admin.resetUsage(root, user('alice'));
  expect((await service.quotaOf(user('alice'))).usage).toMatchObject({ jobsToday: 0, gpuSecondsToday: 0 });
  expect((await service.enqueue(user('alice'), {}, fakeInputs())).ok).toBe(true);
});

test('size and iterations over the limit are refused before queueing; defaults stay within it', async () => {
  service = fakeService({ defaultQuota: { maxSize: 256, maxIterations: 100 } });
  const big = await service.enqueue(user('alice'), {}, { ...fakeInputs(), options: { size: 512 } });
  expect(big).toEqual({ ok: false, reason: 'quota', message: 'Size 512 px is over your limit of 256 px. Ask for size 256 or smaller.' });
  const long = await service.enqueue(user('alice'), {}, { ...fakeInputs(), options: { iterations: 101 } });
  expect(long).toMatchObject({ ok: false, reason: 'quota', message: expect.stringContaining('101 iterations is over your limit of 100') });
  const plain = await service.enqueue(user('alice'), {}, { ...fakeInputs(), options: {} });
  expect(plain.ok && plain.job.options).toMatchObject({ size: 256, iterations: 100, seed: expect.any(Number) });
  expect(await service.admin.listJobs(CLI)).toHaveLength(1);
});

test('invalid options are refused with the engine message', async () => {
  service = fakeService();
  const r = await service.enqueue(user('alice'), {}, { ...fakeInputs(), options: { size: 64, optimizer: 'sgd' as never } });
  expect(r).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringContaining('optimizer must be lbfgs or adam') });
  const none = await service.enqueue(user('alice'), {}, { styles: [], options: {} });
  expect(none).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringMatching(/style image, or the name of an artist/) });
});

test('admins have no limits; workspace defaults and per-user overrides apply in that order', async () => {
  service = fakeService({ admins: ['discord:boss'], defaultQuota: { maxQueued: 1 } });
  const boss = user('boss');
  expect(await service.roleOf(boss)).toBe('admin');
  for (let i = 0; i < 3; i++) expect((await service.enqueue(boss, {}, { ...fakeInputs(), options: { size: 2048 } })).ok).toBe(true);
  await service.admin.setDefaults(boss, { platform: 'discord', workspaceId: 'guild1' }, { maxQueued: 2, jobsPerDay: 5 });
  await service.admin.setQuota(boss, { platform: 'discord', workspaceId: 'guild1', userId: 'carol' }, { maxQueued: 3 });
  expect((await service.quotaOf(user('alice'))).quota).toMatchObject({ maxQueued: 2, jobsPerDay: 5, maxSize: 512 });
  expect((await service.quotaOf(user('carol'))).quota).toMatchObject({ maxQueued: 3, jobsPerDay: 5 });
  expect((await service.quotaOf(user('dave', { workspaceId: 'other' }))).quota).toMatchObject({ maxQueued: 1, jobsPerDay: 20 });
  await service.admin.setRole(boss, { platform: 'discord', workspaceId: 'guild1', userId: 'alice' }, 'admin');
  expect(await service.roleOf(user('alice'))).toBe('admin');
  await service.admin.setRole(boss, { platform: 'discord', workspaceId: 'guild1', userId: 'mod' }, 'user');
  expect(await service.roleOf(user('mod', { isPlatformAdmin: true }))).toBe('user');
  await expect(
    service.admin.setQuota(user('alice2'), { platform: 'discord', workspaceId: 'guild1', userId: 'x' }, { maxQueued: 9 }),
  ).rejects.toThrow('Only an admin can do that.');
});

// Admin operations: audit rows, statistics, retention, and the artists corpus.
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import Database from 'better-sqlite3';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { ARTISTS_DIR } from '../helpers/shared.js';
import { CLI, EventLog, fakeService, PNG_1PX, realInputs, realService, removeTempDirs, tempDir, user } from './helpers.js';

let service: StylebotJobService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  removeTempDirs();
});

const root = user('root', { isPlatformAdmin: true });
const alice = { platform: 'discord' as const, workspaceId: 'guild1', userId: 'alice' };

test('every admin change is written to the audit table with who, what, when, before and after', async () => {
  const dataDir = tempDir();
  let t = Date.UTC(2026, 10, 22, 9);
  service = fakeService({ dataDir, now: () => t });
  await service.admin.setQuota(root, alice, { jobsPerDay: 50 });
  t += 1000;
  await service.admin.setRole(root, alice, 'admin');
  await service.admin.setDefaults(root, { platform: 'discord', workspaceId: 'guild1' }, { maxSize: 1024 });
  await service.admin.resetUsage(root, alice);
  const log = await service.admin.auditLog(CLI);
  expect(log.map((e) => e.action)).toEqual(['usage.reset', 'defaults.set', 'role.set', 'quota.set']);
  expect(log[3]).toMatchObject({
    at: Date.UTC(2026, 10, 22, 9),
    actor: { platform: 'discord', workspaceId: 'guild1', userId: 'root' },
    target: 'discord/guild1/alice',
    before: { jobsPerDay: 20 },
    after: { jobsPerDay: 50 },
  });
  expect(log[2]).toMatchObject({ before: { role: null }, after: { role: 'admin' } });
  await service.close();
  service = undefined;
  const db = new Database(join(dataDir, 'stylebot.db'), { readonly: true });
  expect((db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n).toBe(4);
  db.close();
});

test('admins of one workspace cannot change another; bad values are refused', async () => {
  service = fakeService();
  await expect(service.admin.setQuota(root, { ...alice, workspaceId: 'other' }, { maxQueued: 1 })).rejects.toThrow(/own workspace/);
  await expect(service.admin.setQuota(root, alice, { maxQueued: -1 })).rejects.toThrow(/whole number of 0 or more/);
  await expect(service.admin.setQuota(root, alice, {})).rejects.toThrow(/at least one/);
  expect(await service.admin.auditLog(CLI)).toEqual([]);
});

test('stats count jobs and GPU seconds per user and per day', async () => {
  service = realService({ defaultQuota: { maxQueued: 10 } });
  const log = new EventLog(service);
  await service.start();
  const ids: string[] = [];
  for (const u of ['alice', 'alice', 'bob']) {
    const r = await service.enqueue(user(u), {}, realInputs(1));
    if (r.ok) ids.push(r.job.id);
  }
  await Promise.all(ids.map((id) => log.final(id)));
  const stats = await service.admin.stats(CLI, 'guild1', 1);
  expect(stats.perUser.map((u) => [u.userId, u.jobs])).toEqual(
    expect.arrayContaining([
      ['alice', 2],
      ['bob', 1],
    ]),
  );
  expect(stats.perDay).toHaveLength(1);
  expect(stats.perDay[0]!.jobs).toBe(3);
  const charged = (await Promise.all(ids.map((id) => service!.get(id)))).reduce((sum, job) => sum + job!.gpuMs, 0) / 1000;
  expect(stats.perDay[0]!.gpuSeconds).toBeCloseTo(charged, 3);
  expect(charged).toBeGreaterThan(0);
  expect((await service.admin.stats(CLI, 'elsewhere')).perUser).toEqual([]);
});

test('retention deletes the files of old jobs and keeps their rows', async () => {
  let t = Date.now();
  const dataDir = tempDir();
  service = realService({ dataDir, now: () => t, retentionDays: 7 });
  const log = new EventLog(service);
  await service.start();
  const r = await service.enqueue(user('alice'), {}, realInputs(1));
  if (!r.ok) throw new Error(r.message);
  await log.final(r.job.id);
  const final = await log.final(r.job.id);
  if (final.event.type !== 'done') throw new Error(final.event.type);
  expect(await service.resultImage(r.job.id)).toEqual(final.event.png);
  t += 6 * 86_400_000;
  expect(await service.purgeOldFiles()).toBe(0);
  t += 2 * 86_400_000;
  expect(await service.purgeOldFiles()).toBe(1);
  expect(existsSync(join(dataDir, 'jobs', r.job.id))).toBe(false);
  expect(await service.get(r.job.id)).toMatchObject({ state: 'done', resultPath: undefined });
  expect(await service.resultImage(r.job.id)).toBeUndefined();
  const again = await service.rerun(r.job.id, user('alice'), {}, { seed: 1 });
  expect(again).toMatchObject({ ok: false, message: expect.stringMatching(/no longer kept/) });
});

test('artists corpus: add (validated, kebab-case folder), list, remove; path tricks refused', async () => {
  const artistsDir = tempDir();
  cpSync(join(ARTISTS_DIR, 'klimt'), join(artistsDir, 'klimt'), { recursive: true });
  service = fakeService({ artistsDir });
  const image = new Uint8Array(readFileSync(join(ARTISTS_DIR, 'klimt', 'the-kiss.jpg')));
  const work = await service.admin.addArtwork(root, 'Egon Schiele', 'Self Portrait.JPG', image);
  expect(work).toBe('egon-schiele/self-portrait.jpg');
  expect(service.artists().find((a) => a.name === 'egon-schiele')).toEqual({ name: 'egon-schiele', works: ['self-portrait.jpg'] });
  await expect(service.admin.addArtwork(root, 'egon schiele', 'self-portrait.jpg', image)).rejects.toThrow(/already exists/);
  await expect(service.admin.addArtwork(root, 'x', '../../etc/passwd', image)).rejects.toThrow(/not an acceptable file name/);
  await expect(service.admin.addArtwork(root, '../..', 'a.jpg', image)).rejects.toThrow(/not a usable artist name/);
  await expect(service.admin.addArtwork(root, 'x', 'a.jpg', new TextEncoder().encode('not an image'))).rejects.toThrow(
    /not a usable image/,
  );
  await expect(service.admin.addArtwork(user('alice'), 'x', 'a.jpg', image)).rejects.toThrow('Only an admin can do that.');
  await expect(service.admin.removeArtwork(root, 'klimt', '../klimt/the-kiss.jpg')).rejects.toThrow();
  await service.admin.removeArtwork(root, 'Egon Schiele', 'self-portrait.jpg');
  expect(existsSync(join(artistsDir, 'egon-schiele'))).toBe(false);
  expect((await service.admin.auditLog(CLI)).map((e) => [e.action, e.target])).toEqual([
    ['artwork.remove', 'egon-schiele/self-portrait.jpg'],
    ['artwork.add', 'egon-schiele/self-portrait.jpg'],
  ]);
});

test('artist mode picks a work at accept time, stores the seed, and refuses unknown artists', async () => {
  service = fakeService({ artistsDir: ARTISTS_DIR });
  const r = await service.enqueue(user('alice'), {}, { content: PNG_1PX, styles: [], artist: 'Van Gogh', options: { size: 64 } });
  if (!r.ok) throw new Error(r.message);
  expect(r.job.artist).toBe('van-gogh');
  expect(r.job.artwork).toMatch(/^van-gogh\/.+\.(jpg|png)$/);
  expect(r.job.styleNames).toEqual([r.job.artwork]);
  expect(typeof r.job.options.seed).toBe('number');
  const same = await service.enqueue(
    user('bob'),
    {},
    { content: PNG_1PX, styles: [], artist: 'van gogh', options: { size: 64, seed: r.job.options.seed } },
  );
  expect(same.ok && same.job.artwork).toBe(r.job.artwork);
  const unknown = await service.enqueue(user('carol'), {}, { content: PNG_1PX, styles: [], artist: 'Van Gohg', options: {} });
  expect(unknown).toMatchObject({ ok: false, reason: 'unknown_artist', message: expect.stringContaining('van-gogh') });
});

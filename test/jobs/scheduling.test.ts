// Scheduling order, positions, cancellation, crashes and time limits — on the fake engine (order only).
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { CLI, EventLog, fakeInputs, fakeService, realInputs, realService, removeTempDirs, user } from './helpers.js';

const many = { maxQueued: 1000, jobsPerDay: 1000 };
let service: StylebotJobService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  removeTempDirs();
});

const startedOrder = (log: EventLog) => log.events.filter((r) => r.event.type === 'started').map((r) => r.job.userId);
const ok = <T extends { ok: boolean }>(r: T) => {
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r)}`);
  return r as Extract<T, { ok: true }>;
};

describe('order', () => {
  test('admins go first, then FIFO among equals', async () => {
    service = fakeService({ defaultQuota: many, admins: ['boss'] });
    const log = new EventLog(service);
    const a = ok(await service.enqueue(user('u1'), {}, fakeInputs()));
    const b = ok(await service.enqueue(user('u2'), {}, fakeInputs()));
    const c = ok(await service.enqueue(user('boss'), {}, fakeInputs()));
    const d = ok(await service.enqueue(user('mod', { isPlatformAdmin: true }), {}, fakeInputs()));
    expect([a.position, b.position, c.position, d.position]).toEqual([1, 2, 1, 2]);
    expect(c.job.priority).toBeGreaterThan(a.job.priority);
    await service.settled();
    // u1 and u2 moved down when the admins arrived.
    expect(log.of(a.job.id)).toEqual([
      { type: 'queued', position: 1 },
      { type: 'position', position: 2 },
      { type: 'position', position: 3 },
    ]);
    expect((await service.queue()).map((q) => [q.job.userId, q.position])).toEqual([
      ['boss', 1],
      ['mod', 2],
      ['u1', 3],
      ['u2', 4],
    ]);
    await service.start();
    await log.final(b.job.id);
    expect(startedOrder(log)).toEqual(['boss', 'mod', 'u1', 'u2']);
  });

  test('fair share: a user with less engine time in the last 24 h goes first', async () => {
    service = fakeService({ defaultQuota: many });
    const log = new EventLog(service);
    await service.start();
    const first = ok(await service.enqueue(user('heavy'), {}, fakeInputs('sleep:60', 5)));
    await log.final(first.job.id);
    expect((await service.get(first.job.id))!.gpuMs).toBeGreaterThan(200);
    const blocker = ok(await service.enqueue(user('other'), {}, fakeInputs('sleep:100', 3)));
    await log.wait((r) => r.job.id === blocker.job.id && r.event.type === 'started');
    const heavy2 = ok(await service.enqueue(user('heavy'), {}, fakeInputs()));
    const light = ok(await service.enqueue(user('light'), {}, fakeInputs()));
    expect(heavy2.position).toBe(1);
    expect(light.position).toBe(1);
    await service.settled();
    expect(log.of(heavy2.job.id)).toContainEqual({ type: 'position', position: 2 });
    await log.final(heavy2.job.id);
    expect(startedOrder(log)).toEqual(['heavy', 'other', 'light', 'heavy']);
  });

  test('40 users x 3 concurrent enqueues: every job runs exactly once', async () => {
    service = fakeService({ workers: 2, defaultQuota: many });
    const log = new EventLog(service);
    await service.start();
    const results = await Promise.all(
      Array.from({ length: 120 }, (_, i) => service!.enqueue(user(`user${i % 40}`), { n: i }, fakeInputs('sleep:1', 1))),
    );
    const ids = results.map((r) => ok(r).job.id);
    expect(new Set(ids).size).toBe(120);
    await Promise.all(ids.map((id) => log.final(id)));
    for (const id of ids) {
      expect(log.types(id).filter((t) => t === 'started')).toHaveLength(1);
      expect(log.types(id).filter((t) => t === 'done')).toHaveLength(1);
      expect((await service.get(id))!.state).toBe('done');
    }
    expect(await service.admin.listJobs(CLI, { state: 'done' })).toHaveLength(120);
  });
});

describe('cancel', () => {
  test('a queued job, by its owner; others are refused', async () => {
    service = fakeService({ defaultQuota: many });
    const log = new EventLog(service);
    const job = ok(await service.enqueue(user('alice'), {}, fakeInputs())).job;
    const later = ok(await service.enqueue(user('bob'), {}, fakeInputs())).job;
    const refused = await service.cancel(job.id, user('mallory'));
    expect(refused).toEqual({ ok: false, message: expect.stringMatching(/only the person who started/i) });
    expect(await service.cancel(job.id, user('alice'))).toEqual({ ok: true, message: `Cancelled job ${job.id}.` });
    expect((await service.get(job.id))!.state).toBe('cancelled');
    await service.settled();
    expect(log.of(later.id)).toContainEqual({ type: 'position', position: 1 });
    await service.start();
    await log.final(later.id);
    expect(log.types(job.id)).toEqual(['queued', 'cancelled']);
    expect(await service.cancel(job.id, user('alice'))).toMatchObject({ ok: false, message: expect.stringMatching(/already cancelled/) });
    expect(await service.cancel('nosuchjob', user('alice'))).toMatchObject({ ok: false });
  });

  test('a running job (real engine), by an admin of the workspace, stops at once; the next job still runs', async () => {
    // A grace time longer than the test: the engine itself must notice the abort (no worker termination).
    service = realService({ defaultQuota: many, abortGraceMs: 600_000 });
    const log = new EventLog(service);
    await service.start();
    const slow = ok(await service.enqueue(user('alice'), {}, realInputs(500))).job;
    const next = ok(await service.enqueue(user('bob'), {}, realInputs(2))).job;
    await log.wait((r) => r.job.id === slow.id && r.event.type === 'progress');
    const admin = user('mod', { isPlatformAdmin: true });
    expect((await service.cancel(slow.id, admin)).ok).toBe(true);
    expect((await log.final(slow.id)).event).toEqual({ type: 'cancelled', by: 'mod' });
    expect((await log.final(next.id, 60_000)).event.type).toBe('done');
    expect(await service.get(slow.id)).toMatchObject({ state: 'cancelled', gpuMs: 0 });
    expect((await service.get(slow.id))!.progress!.iteration).toBeLessThan(500);
  });
});

describe('failures', () => {
  test.each([
    ['exit', /crashed while painting this image: the engine worker exited with code 3/],
    ['throw', /crashed while painting this image: fake engine blew up/],
  ])('a worker that dies (%s) fails only its job and is replaced', async (script, message) => {
    service = fakeService({ defaultQuota: many });
    const log = new EventLog(service);
    await service.start();
    const bad = ok(await service.enqueue(user('alice'), {}, fakeInputs(script))).job;
    const good = ok(await service.enqueue(user('bob'), {}, fakeInputs())).job;
    const failed = await log.final(bad.id);
    expect(failed.event).toEqual({ type: 'failed', error: expect.stringMatching(message) });
    expect(await service.get(bad.id)).toMatchObject({ state: 'failed', gpuMs: 0 });
    expect((await log.final(good.id)).event.type).toBe('done');
  });

  test('an engine module that cannot load fails each job with the reason', async () => {
    const engineModule = fileURLToPath(new URL('./fixtures/broken-engine.ts', import.meta.url));
    service = fakeService({ engineModule, defaultQuota: many });
    const log = new EventLog(service);
    await service.start();
    for (let i = 0; i < 2; i++) {
      const job = ok(await service.enqueue(user('alice'), {}, fakeInputs())).job;
      expect((await log.final(job.id)).event).toEqual({
        type: 'failed',
        error: 'The engine crashed while painting this image: the engine module failed to load',
      });
    }
  });

  test('an engine error fails the job with its message', async () => {
    service = fakeService();
    const log = new EventLog(service);
    await service.start();
    const job = ok(await service.enqueue(user('alice'), {}, fakeInputs('fail'))).job;
    expect((await log.final(job.id)).event).toEqual({
      type: 'failed',
      error: 'The engine could not paint this image: the style image is upside down',
    });
  });

  test('an internal engine error reaches the user only as an apology with an error id, and the log in full', async () => {
    const lines: string[] = [];
    service = fakeService({ log: (line) => lines.push(line) });
    const log = new EventLog(service);
    await service.start();
    const job = ok(await service.enqueue(user('alice'), {}, fakeInputs('bug'))).job;
    const end = (await log.final(job.id)).event;
    if (end.type !== 'failed') throw new Error(JSON.stringify(end));
    const id = /error id ([0-9a-f]{8})/.exec(end.error)?.[1];
    expect(end.error).toMatch(/^Sorry, that failed on the bot's side \(error id [0-9a-f]{8}\)/);
    expect(end.error).not.toMatch(/ENOENT|\/srv\//);
    expect(lines.some((line) => line.includes(`error id ${id}`) && line.includes('/srv/stylebot/models/x.bin'))).toBe(true);
  });

  test('the time limit stops a job, even one that ignores the abort', async () => {
    service = fakeService({ jobTimeoutS: 1, abortGraceMs: 500, defaultQuota: many });
    const log = new EventLog(service);
    await service.start();
    const slow = ok(await service.enqueue(user('alice'), {}, fakeInputs('sleep:100', 400))).job;
    const stuck = ok(await service.enqueue(user('bob'), {}, fakeInputs('hang'))).job;
    const next = ok(await service.enqueue(user('carol'), {}, fakeInputs())).job;
    expect((await log.final(slow.id)).event).toEqual({ type: 'failed', error: 'The job took longer than 1 second and was stopped.' });
    expect((await log.final(stuck.id, 20_000)).event).toMatchObject({
      type: 'failed',
      error: expect.stringMatching(/longer than 1 second/),
    });
    expect((await log.final(next.id)).event.type).toBe('done');
  }, 60_000);
});

test('progress (real engine) is throttled, the last one always goes out, and it is saved', async () => {
  service = realService({ progressThrottleMs: 60_000 });
  const log = new EventLog(service);
  await service.start();
  const job = ok(await service.enqueue(user('alice'), {}, realInputs(4))).job;
  expect((await log.final(job.id)).event.type).toBe('done');
  const progress = log.of(job.id).filter((e) => e.type === 'progress');
  expect(progress.map((e) => (e.type === 'progress' ? e.progress.iteration : -1))).toEqual([1, 4]);
  expect((await service.get(job.id))!.progress).toMatchObject({ iteration: 4, total: 4 });
});

describe('progress', () => {
  test('the engine is asked for progress no more often than subscribers are shown it (STYLEBOT_PROGRESS_MS)', async () => {
    service = fakeService({ defaultQuota: many, progressThrottleMs: 1234 });
    const log = new EventLog(service);
    await service.start();
    const job = ok(await service.enqueue(user('alice'), {}, fakeInputs('hooks'))).job;
    expect((await log.final(job.id)).event).toEqual({ type: 'failed', error: expect.stringMatching(/minProgressIntervalMs=1234/) });
  });
});

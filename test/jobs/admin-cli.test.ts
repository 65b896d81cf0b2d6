// `stylebot admin ...` on the database a running service uses.
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { run } from '../../src/cli/admin.js';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { EventLog, realInputs, realService, removeTempDirs, tempDir, user } from './helpers.js';

let out: string[];
let err: string[];
let service: StylebotJobService | undefined;
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await service?.close();
  service = undefined;
  removeTempDirs();
});

test('quota, defaults, role and usage commands change the database and are audited', async () => {
  const dir = tempDir();
  const admin = (...args: string[]) => run([...args, '--data-dir', dir]);
  expect(await admin('quota', 'set', 'discord', 'g1', 'alice', '--jobs-per-day', '40', '--max-size', '1024')).toBe(0);
  expect(await admin('defaults', 'set', 'discord', 'g1', '--max-queued', '5')).toBe(0);
  expect(await admin('role', 'set', 'discord', 'g1', 'bob', 'admin')).toBe(0);
  expect(await admin('usage', 'reset', 'discord', 'g1', 'alice')).toBe(0);
  out = [];
  expect(await admin('quota', 'show', 'discord', 'g1', 'alice')).toBe(0);
  expect(out.join('\n')).toContain('quota: jobs/day 40, GPU s/day 1800, max queued 5, max size 1024, max iterations 500');
  expect(out.join('\n')).toContain('role user');
  out = [];
  expect(await admin('quota', 'show', 'discord', 'g1', 'bob')).toBe(0);
  expect(out[0]).toContain('role admin');
  out = [];
  expect(await admin('audit')).toBe(0);
  expect(out).toHaveLength(4);
  expect(out[0]).toMatch(/cli\/local\/\S+  usage\.reset discord\/g1\/alice/);
  expect(out[3]).toMatch(/quota\.set discord\/g1\/alice  \{.*"jobsPerDay":20.*\} -> \{.*"jobsPerDay":40/);
});

test('bad command lines get a clear message and exit code 2', async () => {
  const dir = tempDir();
  expect(await run(['quota', 'set', 'discord', 'g1', 'alice', '--jobs-per-day', 'lots', '--data-dir', dir])).toBe(2);
  expect(err.at(-1)).toMatch(/--jobs-per-day must be a whole number/);
  expect(await run(['role', 'set', 'irc', 'g1', 'bob', 'admin', '--data-dir', dir])).toBe(2);
  expect(err.at(-1)).toMatch(/PLATFORM must be one of discord, slack, web, cli/);
  expect(await run(['frobnicate', '--data-dir', dir])).toBe(2);
  expect(await run(['--help'])).toBe(0);
  expect(out.join('\n')).toContain('quota show PLATFORM WORKSPACE USER');
});

test('jobs lists jobs; cancel stops a running job of the serving process, which tells the chat', async () => {
  const dataDir = tempDir();
  service = realService({ dataDir, pollMs: 100, abortGraceMs: 600_000 });
  const log = new EventLog(service);
  await service.start();
  const r = await service.enqueue(user('alice'), {}, realInputs(500));
  if (!r.ok) throw new Error(r.message);
  await log.wait((e) => e.job.id === r.job.id && e.event.type === 'progress');
  expect(await run(['jobs', '--state', 'running', '--data-dir', dataDir])).toBe(0);
  expect(out.join('\n')).toMatch(new RegExp(`${r.job.id}  running .* discord/guild1/alice`));
  expect(await run(['cancel', r.job.id, '--data-dir', dataDir])).toBe(0);
  expect(out.at(-1)).toBe(`Cancelled job ${r.job.id}.`);
  const final = await log.final(r.job.id, 10_000);
  expect(final.event).toMatchObject({ type: 'cancelled' });
  // The engine stopped (the worker is free again): a short job now runs.
  const next = await service.enqueue(user('bob'), {}, realInputs(1));
  if (!next.ok) throw new Error(next.message);
  expect((await log.final(next.job.id, 60_000)).event.type).toBe('done');
  expect((await service.get(r.job.id))!.state).toBe('cancelled');
  expect(await run(['cancel', r.job.id, '--data-dir', dataDir])).toBe(1);
  expect(err.at(-1)).toMatch(/already cancelled/);
  out = [];
  expect(await run(['audit', '--data-dir', dataDir])).toBe(0);
  expect(out[0]).toMatch(
    new RegExp(
      `cli/local/\\S+  job\\.cancel ${r.job.id}  \\{"state":"running","owner":"discord/guild1/alice"\\} -> \\{"state":"cancelled"\\}`,
    ),
  );
});

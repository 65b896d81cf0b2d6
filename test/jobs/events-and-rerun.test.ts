// Event delivery per platform, re-runs, out-of-memory workers and a clean shutdown.
import { afterEach, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import type { JobEvent } from '../../src/jobs/types.js';
import { EventLog, fakeInputs, fakeService, realInputs, realService, removeTempDirs, tempDir, user } from './helpers.js';

let service: StylebotJobService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  removeTempDirs();
});

test('listeners get only their platform; a failing listener hurts nobody; early events wait for a listener', async () => {
  service = realService({ defaultQuota: { maxQueued: 5 } });
  const discord = new EventLog(service, 'discord');
  service.onEvents('discord', () => {
    throw new Error('adapter bug');
  });
  await service.start();
  const slackJob = await service.enqueue({ platform: 'slack', workspaceId: 'T1', userId: 'U1' }, { channel: 'C1' }, realInputs(3));
  const discordJob = await service.enqueue(user('alice'), {}, realInputs(1));
  if (!slackJob.ok || !discordJob.ok) throw new Error('refused');
  await discord.final(discordJob.job.id);
  expect(discord.events.every((r) => r.job.platform === 'discord')).toBe(true);
  // The Slack listener connects late and still gets every event of its job, in order.
  const slack = new EventLog(service, 'slack');
  await slack.final(slackJob.job.id);
  expect(slack.types(slackJob.job.id)).toEqual(['queued', 'started', 'progress', 'progress', 'progress', 'done']);
  expect(slack.of(discordJob.job.id)).toEqual([]);
});

test('rerun queues a copy with the same inputs and changed options, for the owner only', async () => {
  service = realService({ defaultQuota: { maxQueued: 5 } });
  const log = new EventLog(service);
  await service.start();
  const first = await service.enqueue(user('alice'), { channel: 'c1' }, realInputs(2, { seed: 7 }));
  if (!first.ok) throw new Error(first.message);
  await log.final(first.job.id);
  expect(await service.rerun(first.job.id, user('mallory'), {}, {})).toMatchObject({ ok: false, reason: 'invalid' });
  const again = await service.rerun(first.job.id, user('alice'), { channel: 'c2' }, { styleWeight: 2e4 });
  if (!again.ok) throw new Error(again.message);
  expect(again.job).toMatchObject({
    reply: { channel: 'c2' },
    styleNames: ['starry_night.jpg'],
    options: { size: 64, iterations: 2, seed: 7, styleWeight: 2e4 },
  });
  const [one, two] = [await log.final(first.job.id), await log.final(again.job.id)];
  if (one.event.type !== 'done' || two.event.type !== 'done') throw new Error('not done');
  expect(two.job.result!.losses.initial.content).toBe(one.job.result!.losses.initial.content);
  expect(two.job.result!.seed).toBe(7);
  const over = await service.rerun(first.job.id, user('alice'), {}, { size: 4096 });
  expect(over).toMatchObject({ ok: false, reason: 'quota', message: expect.stringContaining('over your limit of 512 px') });
});

test('a worker over its memory limit fails only its job', async () => {
  service = fakeService({ workerMemoryMb: 64 });
  const log = new EventLog(service);
  await service.start();
  const bad = await service.enqueue(user('alice'), {}, fakeInputs('oom'));
  const good = await service.enqueue(user('bob'), {}, fakeInputs());
  if (!bad.ok || !good.ok) throw new Error('refused');
  expect((await log.final(bad.job.id)).event).toEqual({
    type: 'failed',
    error: expect.stringMatching(/^The engine crashed while painting this image: .*memory/i),
  });
  expect((await log.final(good.job.id)).event.type).toBe('done');
});

test('close() leaves a running job for the next start, which re-runs it', async () => {
  const dataDir = tempDir();
  const first = realService({ dataDir });
  const events: JobEvent[] = [];
  first.onEvents('discord', (_job, e) => void events.push(e));
  await first.start();
  const r = await first.enqueue(user('alice'), {}, realInputs(500));
  if (!r.ok) throw new Error(r.message);
  while (!events.some((e) => e.type === 'progress')) await new Promise((res) => setTimeout(res, 20));
  await first.close();
  expect(events.map((e) => e.type)).not.toContain('failed');
  service = realService({ dataDir, abortGraceMs: 600_000 });
  expect((await service.get(r.job.id))!.state).toBe('running');
  const log = new EventLog(service);
  await service.start();
  await log.wait((e) => e.job.id === r.job.id && e.event.type === 'started');
  expect(await service.get(r.job.id)).toMatchObject({ state: 'running', attempts: 2 });
  expect((await service.cancel(r.job.id, user('alice'))).ok).toBe(true);
  expect((await log.final(r.job.id)).event.type).toBe('cancelled');
});

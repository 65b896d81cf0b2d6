// SlackStatusReporter against the local Slack stand-in through the real Web API client: the job's final event
// supersedes its previews and progress, however the events queue up.
import { webApi } from '@slack/bolt';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Job, JobEvent } from '../../src/jobs/types.js';
import { SlackStatusReporter } from '../../src/platforms/slack/status.js';
import { FakeSlack } from '../fakes/slack-server.js';

const BOT_TOKEN = 'xoxb-status-test';
let fake: FakeSlack;
let client: webApi.WebClient;

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: BOT_TOKEN });
  client = new webApi.WebClient(BOT_TOKEN, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
});

afterAll(async () => {
  await fake?.close();
});

function job(id: string, state: Job['state']): Job {
  return {
    id,
    platform: 'slack',
    workspaceId: 'T1',
    userId: 'UALICE',
    reply: { channel: 'C1', threadTs: '1.1', statusTs: '1.2', userId: 'UALICE', teamId: 'T1' },
    state,
    priority: 0,
    options: { size: 64, iterations: 20, seed: 7 },
    styleNames: ['wave.jpg'],
    attempts: 1,
    createdAt: 0,
    gpuMs: 0,
  };
}

const preview = async () =>
  new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .jpeg()
      .toBuffer(),
  );
const progress = async (iteration: number): Promise<JobEvent> => ({
  type: 'progress',
  progress: { iteration, total: 20, elapsedMs: 1000 },
  preview: await preview(),
});

it('drops a preview and a progress edit still waiting when the final event comes, and any that come after it', async () => {
  const reporter = new SlackStatusReporter({ client, previewIntervalMs: 0, maxPreviews: 5, minEditMs: 0, log: () => undefined });
  const from = fake.calls.length;
  const [early, late] = [await progress(10), await progress(12)];
  const png = new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  // As the job core hands them over: the progress event is still queued when the final one arrives.
  void reporter.onEvent(job('j1', 'running'), early);
  await reporter.onEvent(job('j1', 'done'), { type: 'done', png });
  await reporter.onEvent(job('j1', 'running'), late);
  await reporter.idle();

  const calls = fake.calls.slice(from);
  const uploads = calls.filter((c) => c.method === 'files.completeUploadExternal').map((c) => String(c.args.initial_comment));
  expect(uploads).toHaveLength(1);
  expect(uploads[0]).toMatch(/Done/);
  const edits = calls.filter((c) => c.method === 'chat.update').map((c) => String(c.args.text));
  expect(edits.at(-1)).toMatch(/Done/);
  expect(edits.filter((text) => /iteration \d+\/20/.test(text))).toEqual([]);
});

it('a preview under way lands before the final picture, never after it', async () => {
  const reporter = new SlackStatusReporter({ client, previewIntervalMs: 0, maxPreviews: 5, minEditMs: 0, log: () => undefined });
  const from = fake.calls.length;
  await reporter.onEvent(job('j2', 'running'), await progress(10));
  // The preview upload is under way (off the event chain) when the final event comes.
  const png = new Uint8Array(
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer(),
  );
  await reporter.onEvent(job('j2', 'done'), { type: 'done', png });
  await reporter.idle();

  const uploads = fake.calls
    .slice(from)
    .filter((c) => c.method === 'files.completeUploadExternal')
    .map((c) => String(c.args.initial_comment));
  expect(uploads).toEqual(['Preview, iteration 10/20', expect.stringMatching(/Done/)]);
});

// Durable delivery on Slack, end to end: the real Bolt app and job service against the local Slack stand-in.
// While Slack's upload API is down the finished picture waits in the outbox and is offered again with backoff;
// it arrives in the asker's thread exactly once when the API is back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { createJobService } from '../../src/app/compose.js';
import type { SlackBot } from '../../src/platforms/slack/bot.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { MODEL_DIR } from '../helpers/shared.js';
import {
  APP_TOKEN,
  BOT_TOKEN,
  CONTENT_IMAGE,
  commandContext,
  SIGNING_SECRET,
  smallJpeg,
  startTestBot,
  STYLE_IMAGE,
  type SlackTestWorld,
} from './slack-helpers.js';

const OUTAGE_MS = 20_000;
let world: SlackTestWorld;
let jobs: StylebotJobService;
let bot: SlackBot;

beforeAll(async () => {
  const fake = await FakeSlack.start({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    signingSecret: SIGNING_SECRET,
    botUserId: 'UBOT',
    teamId: 'T1',
  });
  fake.addUser({ id: 'UALICE', name: 'alice' });
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-slack-outbox-'));
  jobs = createJobService({
    dataDir,
    modelDir: MODEL_DIR,
    workers: 1,
    progressThrottleMs: 10,
    outbox: { pollMs: 200, retryBaseMs: 1000, retryMaxMs: 4000 },
    log: () => undefined,
  });
  world = {
    fake,
    jobs,
    context: commandContext(jobs),
    dataDir,
    async cleanup() {
      await jobs.close();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  bot = await startTestBot(world, 'http');
  await jobs.start();
});

afterAll(async () => {
  await bot?.stop();
  await world?.cleanup();
});

test('the picture arrives once in the thread after an outage of the upload API', async () => {
  const { fake } = world;
  const from = fake.calls.length;
  const files = [fake.addFile('tuebingen.jpg', await smallJpeg(CONTENT_IMAGE)), fake.addFile('starry.jpg', await smallJpeg(STYLE_IMAGE))];
  const body = fake.mention({ user: 'UALICE', text: '<@UBOT> iterations 4 size 64', files });
  const threadTs = (body.event as { ts: string }).ts;
  fake.downUntil.set('files.getUploadURLExternal', Date.now() + OUTAGE_MS);
  const outageEnds = Date.now() + OUTAGE_MS;
  await fake.postSigned(`http://127.0.0.1:${bot.port}`, body);

  await fake.waitForCall((c) => c.method === 'files.getUploadURLExternal (down)', { from, timeoutMs: 60_000 });
  const finalWait = fake.waitForCall((c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)), {
    from,
    timeoutMs: 90_000,
  });
  const final = await finalWait;
  expect(Date.now()).toBeGreaterThanOrEqual(outageEnds);
  expect(final.args.thread_ts).toBe(threadTs);
  expect((await sharp(final.uploaded![0]!.bytes).metadata()).format).toBe('png');

  await new Promise((r) => setTimeout(r, 3000));
  const results = fake.calls
    .slice(from)
    .filter((c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)));
  expect(results).toHaveLength(1);
  const [job] = await jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' });
  const deliveries = await jobs.store.deliveriesOf(job!.id);
  expect(deliveries).toEqual([expect.objectContaining({ kind: 'done', state: 'delivered' })]);
  expect(deliveries[0]!.attempts).toBeGreaterThanOrEqual(2);
}, 180_000);

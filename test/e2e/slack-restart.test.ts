// A restart in the middle of a job: the bot and the job service are closed while the engine paints, new ones
// start on the same data dir and fake Slack, and the result still reaches the asker's thread and status message
// (the ReplyTarget stored with the job; jobs.onEvents('slack') registered before jobs.start()).
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackBot } from '../../src/platforms/slack/bot.js';
import {
  callText,
  commandContext,
  CONTENT_IMAGE,
  createWorld,
  openJobs,
  type SlackTestWorld,
  smallJpeg,
  startTestBot,
  STYLE_IMAGE,
} from './slack-helpers.js';

let world: SlackTestWorld;
let bot: SlackBot | undefined;

beforeAll(async () => {
  world = await createWorld();
  bot = await startTestBot(world, 'http');
});

afterAll(async () => {
  await bot?.stop();
  await world?.cleanup();
});

describe('Slack bot across a restart', () => {
  it('delivers the result of a job interrupted by a restart to the same thread', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const files = [fake.addFile('tuebingen.jpg', await smallJpeg(CONTENT_IMAGE)), fake.addFile('starry.jpg', await smallJpeg(STYLE_IMAGE))];
    const body = fake.mention({ user: 'UALICE', text: '<@UBOT> iterations 20 size 64', files });
    const threadTs = (body.event as { ts: string }).ts;
    await fake.postSigned(`http://127.0.0.1:${bot!.port}`, body);
    const status = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.thread_ts === threadTs, { from });
    const statusTs = status.args.ts as string;
    await fake.waitForCall((c) => c.method === 'chat.update' && c.args.ts === statusTs && /iteration \d+\/20/.test(callText(c.args)), {
      from,
    });

    // Restart: everything closed mid-run, then a new job service and bot on the same data dir.
    await bot!.stop();
    await world.jobs.close();
    const restartedAt = fake.calls.length;
    world.jobs = openJobs(world.dataDir);
    world.context = commandContext(world.jobs);
    bot = await startTestBot(world, 'http'); // subscribes to the job events before the service re-runs the job
    // The status message the restarted job reports to has gone missing meanwhile: the bot posts a new one.
    fake.failNext.set('chat.update', 'message_not_found');
    await world.jobs.start();

    const final = await fake.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)),
      {
        from: restartedAt,
        timeoutMs: 120_000,
      },
    );
    expect(final.args.thread_ts).toBe(threadTs);
    expect(String(final.args.initial_comment)).toMatch(/20 iterations/);
    const meta = await sharp(Buffer.from(final.uploaded![0]!.bytes)).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64);

    // The first edit after the restart failed (message_not_found): a new status message went into the thread.
    const replacement = fake.callsOf('chat.postMessage', restartedAt).find((c) => c.args.thread_ts === threadTs);
    expect(replacement).toBeDefined();
    const [job] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' });
    expect(job!.state).toBe('done');
    expect(job!.attempts).toBeGreaterThanOrEqual(2);
  });
});

// Issue 21, item 10, on Slack through the real Bolt app and job service against the local Slack stand-in: no preview
// is posted after the job has finished (a preview held up by a rate limit is dropped, not posted late, and does not
// hold up the final picture), and a message Slack re-sends signed with a new event_id makes one job, not two.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { SlackBot } from '../../src/platforms/slack/bot.js';
import { CONTENT_IMAGE, createWorld, smallJpeg, startTestBot, STYLE_IMAGE, type SlackTestWorld } from './slack-helpers.js';

const ALICE = { platform: 'slack' as const, workspaceId: 'T1', userId: 'UALICE' };
/** Longer than the whole tiny job takes after its first preview. */
const RETRY_AFTER_S = 8;

let world: SlackTestWorld;
let bot: SlackBot;

beforeAll(async () => {
  world = await createWorld();
  // Web API retries as in production (the stale preview came from a retried upload), every preview due at once,
  // one preview a job: the first one, whose upload is rate limited below.
  bot = await startTestBot(world, 'http', { retries: 2, previewIntervalMs: 0, maxPreviews: 1 });
});

afterAll(async () => {
  await bot?.stop();
  await world?.cleanup();
});

const isFinal = (c: { method: string; args: Record<string, unknown> }) =>
  c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment));
const isPreview = (c: { method: string; args: Record<string, unknown> }) =>
  c.method === 'files.completeUploadExternal' && /Preview/.test(String(c.args.initial_comment));

test('a rate-limited preview is dropped: nothing is posted after the job finished, and the picture is not held up', async () => {
  const { fake, jobs } = world;
  const from = fake.calls.length;
  const files = [fake.addFile('tuebingen.jpg', await smallJpeg(CONTENT_IMAGE)), fake.addFile('starry.jpg', await smallJpeg(STYLE_IMAGE))];
  fake.rateLimitNext.set('files.completeUploadExternal', RETRY_AFTER_S);
  await fake.postSigned(`http://127.0.0.1:${bot.port}`, fake.mention({ user: 'UALICE', text: '<@UBOT> size 64', files }));

  const final = await fake.waitForCall(isFinal, { from, timeoutMs: 90_000 });
  await fake.waitForCall((c) => c.method === 'files.completeUploadExternal (429)', { from, timeoutMs: 1000 });
  // Time for a late preview to show up, had it been kept.
  await new Promise((r) => setTimeout(r, (RETRY_AFTER_S + 2) * 1000));

  const [job] = await jobs.jobsOf(ALICE);
  expect(job?.state).toBe('done');
  const finishedAt = job!.finishedAt!;
  const late = fake.calls.slice(from).filter((c) => isPreview(c) && c.at >= finishedAt);
  expect(late.map((c) => c.args.initial_comment)).toEqual([]);
  expect(fake.calls.slice(final.index + 1).filter(isPreview)).toEqual([]);
  expect(final.at - finishedAt).toBeLessThan(RETRY_AFTER_S * 1000);
}, 150_000);

test('a message re-sent with a new event_id (same channel and ts) makes one job', async () => {
  const { fake, jobs } = world;
  const before = (await jobs.jobsOf(ALICE)).length;
  const from = fake.calls.length;
  const files = [fake.addFile('tuebingen.jpg', await smallJpeg(CONTENT_IMAGE)), fake.addFile('starry.jpg', await smallJpeg(STYLE_IMAGE))];
  const body = fake.mention({ user: 'UALICE', text: '<@UBOT> size 64 iterations 2', files });
  const url = `http://127.0.0.1:${bot.port}`;
  expect((await fake.postSigned(url, body)).status).toBe(200);
  expect((await fake.postSigned(url, { ...body, event_id: `${String(body.event_id)}-resigned` })).status).toBe(200);

  await fake.waitForCall(isFinal, { from, timeoutMs: 90_000 });
  await new Promise((r) => setTimeout(r, 2000));
  expect((await jobs.jobsOf(ALICE)).length - before).toBe(1);
  const gotIt = fake.calls.slice(from).filter((c) => c.method === 'chat.postMessage' && /Got it/.test(String(c.args.text)));
  expect(gotIt).toHaveLength(1);
}, 150_000);

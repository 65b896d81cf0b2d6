// Slack shortcuts, the painting modal, /stylize and the App Home tab end to end: the REAL Bolt app over HTTP
// (signed interactivity payloads), the REAL job service and engine (VGG-19, 64 px, 6 iterations), a fake Slack.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackBot } from '../../src/platforms/slack/bot.js';
import { CALLBACKS } from '../../src/platforms/slack/shortcuts.js';
import type { SlackCall } from '../fakes/slack-server.js';
import {
  buttonIds,
  callText,
  CONTENT_IMAGE,
  createWorld,
  type SlackTestWorld,
  smallJpeg,
  startTestBot,
  STYLE_IMAGE,
} from './slack-helpers.js';

let world: SlackTestWorld;
let bot: SlackBot;
let appUrl: string;
let content: Uint8Array;
let style: Uint8Array;

beforeAll(async () => {
  world = await createWorld();
  bot = await startTestBot(world, 'http');
  appUrl = `http://127.0.0.1:${bot.port}`;
  content = await smallJpeg(CONTENT_IMAGE);
  style = await smallJpeg(STYLE_IMAGE);
});

afterAll(async () => {
  await bot?.stop();
  await world?.cleanup();
});

type Block = { type: string; block_id?: string; text?: { text?: string }; elements?: { action_id?: string }[] };
const blocksOf = (call: SlackCall) => ((call.args.view as { blocks: Block[] }).blocks ?? []) as Block[];
const viewOf = (call: SlackCall) => call.args.view as Record<string, unknown>;
const text = (value: string) => ({ type: 'plain_text_input', value });

/** Waits for the job's final picture in a thread and checks it is a PNG of 64 px. */
async function finalPictureIn(threadTs: string, from: number): Promise<SlackCall> {
  const final = await world.fake.waitForCall(
    (c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)),
    { from },
  );
  expect(final.args.channel_id).toBe('C1');
  expect(final.args.thread_ts).toBe(threadTs);
  const meta = await sharp(Buffer.from(final.uploaded![0]!.bytes)).metadata();
  expect(meta.format).toBe('png');
  expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64);
  return final;
}

describe('Slack shortcuts and App Home', () => {
  it('"Stylize this image" opens the modal; its submission paints the photo into the message thread', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const photo = fake.addFile('neckar.jpg', content);
    const painting = fake.addFile('starry.jpg', style);
    const messageTs = '1700000500.000100';
    const shortcut = fake.messageShortcut({
      user: 'UALICE',
      callbackId: CALLBACKS.stylizeShortcut,
      message: { ts: messageTs, user: 'UBOB', files: [photo, painting] },
    });
    expect((await fake.postSigned(appUrl, shortcut, { kind: 'payload' })).status).toBe(200);

    const opened = await fake.waitForCall((c) => c.method === 'views.open', { from });
    expect(opened.args.trigger_id).toBe(shortcut.trigger_id);
    const view = viewOf(opened);
    expect(view.callback_id).toBe(CALLBACKS.modal);
    const ids = blocksOf(opened).map((b) => b.block_id);
    // Two images: the second is the style, so no artist field; options and budget are asked.
    expect(ids).toEqual([undefined, 'options', 'budget']);
    expect(blocksOf(opened)[0]!.text?.text).toMatch(/neckar\.jpg.*starry\.jpg/);

    // Bad options are shown on the field, and nothing is queued.
    const bad = await fake.postSigned(
      appUrl,
      fake.viewSubmission({ user: 'UALICE', view, values: { options: { options: text('iterations lots') } } }),
      { kind: 'payload' },
    );
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.text)).toMatchObject({ response_action: 'errors', errors: { options: expect.stringMatching(/iterations/) } });

    const submitFrom = fake.calls.length;
    const submitted = await fake.postSigned(
      appUrl,
      fake.viewSubmission({
        user: 'UALICE',
        view,
        values: { options: { options: text('seed 5') }, budget: { budget: { type: 'number_input', value: '30' } } },
      }),
      { kind: 'payload' },
    );
    expect(submitted.status).toBe(200);
    const status = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.thread_ts === messageTs, { from: submitFrom });
    expect(status.args.channel).toBe('C1');
    const queued = await fake.waitForCall(
      (c) => c.method === 'chat.update' && c.args.ts === status.args.ts && /position \d+/.test(callText(c.args)),
      { from: submitFrom },
    );
    expect(buttonIds(queued.args)).toContain('stylebot:cancel');
    expect(
      fake
        .callsOf('download', submitFrom)
        .map((d) => d.args.id)
        .sort(),
    ).toEqual([photo.id, painting.id].sort());
    const final = await finalPictureIn(messageTs, submitFrom);
    expect(String(final.args.initial_comment)).toMatch(/seed 5/);
    const [job] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 1);
    expect(job!.options.budget).toBe(30);
    expect(job!.styleNames).toEqual(['starry.jpg']);
  });

  it('answers a shortcut on a message without an image privately, and opens no modal', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const pdf = fake.addFile('notes.pdf', new Uint8Array([37, 80, 68, 70]), 'application/pdf');
    for (const callbackId of [CALLBACKS.stylizeShortcut, CALLBACKS.styleShortcut]) {
      const shortcut = fake.messageShortcut({
        user: 'UBOB',
        callbackId,
        message: { ts: '1700000600.000100', text: 'just words', files: [pdf] },
      });
      expect((await fake.postSigned(appUrl, shortcut, { kind: 'payload' })).status).toBe(200);
    }
    await fake.waitForCall((c) => c.method === 'respond' && /no image/.test(String(c.args.text)), { from });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const answers = fake.callsOf('respond', from);
    expect(answers).toHaveLength(2);
    for (const a of answers) {
      expect(a.args.response_type).toBe('ephemeral');
      expect(String(a.args.text)).toMatch(/That message has no image I can read/);
    }
    expect(fake.callsOf('views.open', from)).toEqual([]);
  });

  it('"Use as style" remembers a painting: the modal on a lone photo offers it, and the job paints with it once', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const painting = fake.addFile('wave.jpg', style);
    await fake.postSigned(
      appUrl,
      fake.messageShortcut({ user: 'UBOB', callbackId: CALLBACKS.styleShortcut, message: { ts: '1700000700.000100', files: [painting] } }),
      { kind: 'payload' },
    );
    const saved = await fake.waitForCall((c) => c.method === 'respond', { from });
    expect(String(saved.args.text)).toMatch(/wave\.jpg as the style of your next picture/);

    // A photo alone in a thread: the modal asks for an artist and offers the remembered style, checked.
    const photo = fake.addFile('street.jpg', content);
    const threadTs = '1700000700.000050';
    await fake.postSigned(
      appUrl,
      fake.messageShortcut({
        user: 'UBOB',
        callbackId: CALLBACKS.stylizeShortcut,
        message: { ts: '1700000700.000200', threadTs, files: [photo] },
      }),
      { kind: 'payload' },
    );
    const opened = await fake.waitForCall((c) => c.method === 'views.open', { from });
    expect(blocksOf(opened).map((b) => b.block_id)).toEqual([undefined, 'artist', 'style', 'options', 'budget']);
    const view = viewOf(opened);
    const remembered = { type: 'checkboxes', selected_options: [{ value: 'remembered', text: { type: 'plain_text', text: 'x' } }] };

    // Both an artist and the remembered style: refused on the artist field.
    const both = await fake.postSigned(
      appUrl,
      fake.viewSubmission({ user: 'UBOB', view, values: { artist: { artist: text('monet') }, style: { style: remembered } } }),
      { kind: 'payload' },
    );
    expect(JSON.parse(both.text)).toMatchObject({ response_action: 'errors', errors: { artist: expect.stringMatching(/not both/) } });

    const submitFrom = fake.calls.length;
    await fake.postSigned(appUrl, fake.viewSubmission({ user: 'UBOB', view, values: { style: { style: remembered } } }), {
      kind: 'payload',
    });
    // The result goes to the message's thread, not under the message itself.
    await finalPictureIn(threadTs, submitFrom);
    const [job] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UBOB' }, 1);
    expect(job!.styleNames).toEqual(['wave.jpg']);
    expect(
      fake
        .callsOf('download', submitFrom)
        .map((d) => d.args.id)
        .sort(),
    ).toEqual([photo.id, painting.id].sort());

    // Used once: the next modal on a lone photo no longer offers it, and submitting it without an artist says what to do.
    const againFrom = fake.calls.length;
    await fake.postSigned(
      appUrl,
      fake.messageShortcut({ user: 'UBOB', callbackId: CALLBACKS.stylizeShortcut, message: { ts: '1700000700.000300', files: [photo] } }),
      { kind: 'payload' },
    );
    const again = await fake.waitForCall((c) => c.method === 'views.open', { from: againFrom });
    expect(blocksOf(again).map((b) => b.block_id)).toEqual([undefined, 'artist', 'options', 'budget']);
    const none = await fake.postSigned(appUrl, fake.viewSubmission({ user: 'UBOB', view: viewOf(again), values: {} }), { kind: 'payload' });
    expect(JSON.parse(none.text)).toMatchObject({ response_action: 'errors', errors: { artist: expect.stringMatching(/Use as style/) } });
  });

  it('a mention with a photo alone paints with the picked style', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const painting = fake.addFile('hokusai-wave.jpg', style);
    await fake.postSigned(
      appUrl,
      fake.messageShortcut({
        user: 'UADMIN',
        callbackId: CALLBACKS.styleShortcut,
        message: { ts: '1700000800.000100', files: [painting] },
      }),
      { kind: 'payload' },
    );
    await fake.waitForCall((c) => c.method === 'respond' && /hokusai-wave\.jpg/.test(String(c.args.text)), { from });
    const photo = fake.addFile('me.jpg', content);
    const body = fake.mention({ user: 'UADMIN', text: '<@UBOT> seed 4', files: [photo] });
    await fake.postSigned(appUrl, body);
    await finalPictureIn((body.event as { ts: string }).ts, from);
    const [job] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UADMIN' }, 1);
    expect(job!.styleNames).toEqual(['hokusai-wave.jpg']);
  });

  it('a modal job where the bot may not post: it says so in a direct message and queues nothing', async () => {
    const { fake } = world;
    const photo = fake.addFile('p.jpg', content);
    const painting = fake.addFile('s.jpg', style);
    const from = fake.calls.length;
    await fake.postSigned(
      appUrl,
      fake.messageShortcut({
        user: 'UALICE',
        callbackId: CALLBACKS.stylizeShortcut,
        channel: 'CPRIVATE',
        message: { ts: '1700000900.000100', files: [photo, painting] },
      }),
      {
        kind: 'payload',
      },
    );
    const opened = await fake.waitForCall((c) => c.method === 'views.open', { from });
    const before = (await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 10)).length;
    fake.failNext.set('chat.postMessage', 'not_in_channel');
    fake.failNext.set('chat.postEphemeral', 'not_in_channel');
    await fake.postSigned(appUrl, fake.viewSubmission({ user: 'UALICE', view: viewOf(opened), values: {} }), { kind: 'payload' });
    const dm = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.channel === 'UALICE', { from });
    expect(callText(dm.args)).toMatch(/invite me with `\/invite @stylebot`/);
    expect((await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 10)).length).toBe(before);
  });

  it('/stylize opens the same modal, which says how to paint a photo and paints a texture of an artist', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const res = await fake.postSigned(appUrl, fake.slashCommand({ user: 'UALICE', text: 'seed 9' }), { kind: 'form' });
    expect(res.status).toBe(200);
    const opened = await fake.waitForCall((c) => c.method === 'views.open', { from });
    const blocks = blocksOf(opened);
    expect(blocks.map((b) => b.block_id)).toEqual([undefined, 'artist', 'options', 'budget']);
    expect(blocks[0]!.text?.text).toMatch(/Stylize this image/);
    expect((blocks[2] as { element?: { initial_value?: string } }).element?.initial_value).toBe('seed 9');
    expect(fake.callsOf('respond', from)).toEqual([]);

    const submitFrom = fake.calls.length;
    await fake.postSigned(
      appUrl,
      fake.viewSubmission({
        user: 'UALICE',
        view: viewOf(opened),
        values: { artist: { artist: text('Monet') }, options: { options: text('seed 9') } },
      }),
      {
        kind: 'payload',
      },
    );
    // No thread to answer in: a new status message in the channel, the picture in its thread.
    const status = await fake.waitForCall(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'C1' && c.args.thread_ts === undefined,
      { from: submitFrom },
    );
    await finalPictureIn(status.args.ts as string, submitFrom);
    const [job] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 1);
    expect(job!.artist).toBe('monet');
    expect(job!.options.seed).toBe(9);
  });

  it('publishes the App Home tab: recent pictures with their buttons and thread links, quota left today, the options help', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    await fake.postSigned(appUrl, fake.homeOpened({ user: 'UALICE' }));
    const published = await fake.waitForCall((c) => c.method === 'views.publish', { from });
    expect(published.args.user_id).toBe('UALICE');
    const view = viewOf(published);
    expect(view.type).toBe('home');
    const blocks = blocksOf(published);
    const all = blocks.map((b) => b.text?.text ?? '').join('\n');
    // Alice painted two jobs in this file: 2 of the default 20 a day used.
    const { quota } = await world.jobs.quotaOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' });
    expect(all).toContain(`${quota.jobsPerDay - 2} of ${quota.jobsPerDay} jobs left`);
    const jobs = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 5);
    for (const job of jobs) expect(all).toContain(job.id);
    expect(all).toMatch(/<https:\/\/test\.slack\.com\/archives\/C1\/p\d+\|open the thread>/);
    const actions = blocks.filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(jobs.length);
    expect(actions[0]!.elements?.map((e) => e.action_id)).toEqual(['stylebot:rerun', 'stylebot:stronger', 'stylebot:upscale']);
    expect(all).toMatch(/iterations 500/);
    expect(blocks.length).toBeLessThanOrEqual(100);

    // The Messages tab publishes nothing.
    const messagesFrom = fake.calls.length;
    await fake.postSigned(appUrl, fake.homeOpened({ user: 'UALICE', tab: 'messages' }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.callsOf('views.publish', messagesFrom)).toEqual([]);
  });

  it("a New seed press on the App Home tab paints again into the job's own thread", async () => {
    const { fake } = world;
    const [job] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 1);
    const threadTs = (job!.reply as { threadTs: string }).threadTs;
    const from = fake.calls.length;
    const press = fake.buttonPress({ user: 'UALICE', actionId: 'stylebot:rerun', value: job!.id, messageTs: 'x' });
    // A Home tab press carries a view, no channel and no message.
    const homePress = {
      ...press,
      channel: undefined,
      message: undefined,
      container: { type: 'view', view_id: 'V1' },
      view: { id: 'V1', type: 'home' },
    };
    expect((await fake.postSigned(appUrl, homePress, { kind: 'payload' })).status).toBe(200);
    await finalPictureIn(threadTs, from);
    // Alice opened her Home tab before: it is drawn again with the new job, done, and its buttons.
    const [rerun] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 1);
    expect(rerun!.id).not.toBe(job!.id);
    const redrawn = await fake.waitForCall(
      (c) =>
        c.method === 'views.publish' &&
        c.args.user_id === 'UALICE' &&
        blocksOf(c).some((b) => b.text?.text?.includes(rerun!.id) && /: done/.test(b.text.text)),
      { from },
    );
    expect(blocksOf(redrawn).filter((b) => b.type === 'actions').length).toBeGreaterThan(0);
    // Bob never opened his: nothing is published for him.
    expect(fake.callsOf('views.publish').filter((c) => c.args.user_id === 'UBOB')).toEqual([]);
  });
});

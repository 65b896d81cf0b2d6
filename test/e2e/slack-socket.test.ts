// The Slack bot end to end over Socket Mode: the REAL Bolt app opens apps.connections.open and the WebSocket of a
// fake Slack on 127.0.0.1, receives events_api / interactive / slash_commands envelopes and acks them; the REAL
// job service and engine paint at 64 px.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackBot } from '../../src/platforms/slack/bot.js';
import { CALLBACKS } from '../../src/platforms/slack/shortcuts.js';
import {
  APP_TOKEN,
  buttonIds,
  callText,
  CONTENT_IMAGE,
  createWorld,
  ephemeralTo,
  type SlackTestWorld,
  smallJpeg,
  startTestBot,
  STYLE_IMAGE,
} from './slack-helpers.js';

let world: SlackTestWorld;
let bot: SlackBot;
let content: Uint8Array;
let style: Uint8Array;

beforeAll(async () => {
  world = await createWorld();
  bot = await startTestBot(world, 'socket');
  content = await smallJpeg(CONTENT_IMAGE);
  style = await smallJpeg(STYLE_IMAGE);
});

afterAll(async () => {
  await bot?.stop();
  await world?.cleanup();
});

describe('Slack bot over Socket Mode', () => {
  it('connects with the app token and no HTTP port', () => {
    const open = world.fake.callsOf('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]!.token).toBe(APP_TOKEN);
    expect(world.fake.socketCount).toBe(1);
    expect(bot.port).toBeUndefined();
  });

  it('paints a mention with two images: ack, threaded status, progress, one preview at most, final PNG', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const files = [fake.addFile('tuebingen.jpg', content), fake.addFile('starry.jpg', style)];
    const body = fake.mention({ user: 'UALICE', text: '<@UBOT> iterations 6 size 64 preserve colors', files });
    const event = body.event as { ts: string };
    await fake.sendSocket('events_api', body); // resolves on the app's ack

    const status = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.thread_ts === event.ts, { from });
    const statusTs = status.args.ts as string;
    await fake.waitForCall((c) => c.method === 'chat.update' && c.args.ts === statusTs && /iteration [246]\/6/.test(callText(c.args)), {
      from,
    });
    const final = await fake.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)),
      { from },
    );
    expect(final.args.thread_ts).toBe(event.ts);
    expect(String(final.args.initial_comment)).toMatch(/colours luminance/);
    const meta = await sharp(Buffer.from(final.uploaded![0]!.bytes)).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64);
    const done = await fake.waitForCall((c) => c.method === 'chat.update' && c.args.ts === statusTs && /Done/.test(callText(c.args)), {
      from,
    });
    expect(buttonIds(done.args)).toEqual(['stylebot:rerun', 'stylebot:stronger', 'stylebot:upscale']);
    // previewIntervalMs 60 s: the first preview goes out, no second one within the run.
    const previews = fake.callsOf('files.completeUploadExternal', from).filter((c) => /^Preview/.test(String(c.args.initial_comment)));
    expect(previews.length).toBeLessThanOrEqual(1);
  });

  it('paints in artist mode: the final message names the artwork', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const body = fake.mention({
      user: 'UALICE',
      text: '<@UBOT> artist Monet iterations 4 seed 11',
      files: [fake.addFile('tuebingen.jpg', content)],
    });
    await fake.sendSocket('events_api', body);
    const final = await fake.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)),
      { from },
    );
    expect(String(final.args.initial_comment)).toMatch(/Artwork:\* monet\/[a-z-]+\.jpg/);
    expect(final.args.thread_ts).toBe((body.event as { ts: string }).ts);
  });

  it('paints an artist texture from /stylize: the status message in the channel, the result in its thread', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    await fake.sendSocket('slash_commands', fake.slashCommand({ user: 'UALICE', text: 'artist hokusai iterations 4 seed 5' }));
    const status = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.channel === 'C1', { from });
    expect(status.args.thread_ts).toBeUndefined();
    const final = await fake.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)),
      { from },
    );
    expect(final.args.thread_ts).toBe(status.args.ts);
    expect(String(final.args.initial_comment)).toMatch(/Artwork:\* hokusai\//);
    await fake.waitForCall((c) => c.method === 'chat.update' && c.args.ts === status.args.ts && /Done/.test(callText(c.args)), { from });
  });

  it('survives garbage on the socket and malformed envelopes, then still answers', async () => {
    const { fake } = world;
    fake.sendSocketRaw('this is not json');
    fake.sendSocketRaw(JSON.stringify({ type: 'events_api', envelope_id: 'e1', payload: { event: { type: 'app_mention' } } }));
    await fake.sendSocket('events_api', fake.eventBody({ type: 'app_mention', text: 'hi', ts: '1.2' }));
    const from = fake.calls.length;
    await fake.sendSocket('events_api', fake.mention({ user: 'UALICE', text: '<@UBOT> help' }));
    await ephemeralTo(world.fake, 'UALICE', from, /mention me in a message with images/);
    expect(fake.socketCount).toBe(1);
  });

  it('routes button presses and slash commands over the socket', async () => {
    const { fake, jobs } = world;
    const [mine] = (await jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' })).filter((j) => j.state === 'done');
    let from = fake.calls.length;
    const press = fake.buttonPress({
      user: 'UBOB',
      actionId: 'stylebot:rerun',
      value: mine!.id,
      messageTs: String((mine!.reply as { statusTs: string }).statusTs),
    });
    await fake.sendSocket('interactive', press);
    await ephemeralTo(world.fake, 'UBOB', from, /Only <@UALICE>/);

    from = fake.calls.length;
    await fake.sendSocket('slash_commands', fake.slashCommand({ user: 'UALICE', text: 'jobs' }));
    const listed = await fake.waitForCall((c) => c.method === 'respond', { from });
    expect(String(listed.args.text)).toContain(mine!.id);
  });

  it('opens the painting modal from a message shortcut, answers a bad submission in the ack, publishes the Home tab', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const photo = fake.addFile('photo.jpg', content);
    await fake.sendSocket(
      'interactive',
      fake.messageShortcut({ user: 'UALICE', callbackId: CALLBACKS.stylizeShortcut, message: { ts: '1700000100.000100', files: [photo] } }),
    );
    const opened = await fake.waitForCall((c) => c.method === 'views.open', { from });
    const view = opened.args.view as Record<string, unknown>;
    expect(view.callback_id).toBe(CALLBACKS.modal);
    // Over the socket the modal's field errors travel in the ack's payload.
    const acked = await fake.sendSocket(
      'interactive',
      fake.viewSubmission({ user: 'UALICE', view, values: { options: { options: { type: 'plain_text_input', value: 'size huge' } } } }),
    );
    expect(acked).toMatchObject({ response_action: 'errors', errors: { options: expect.stringMatching(/size/) } });

    await fake.sendSocket('events_api', fake.homeOpened({ user: 'UALICE' }));
    const published = await fake.waitForCall((c) => c.method === 'views.publish', { from });
    expect(published.args.user_id).toBe('UALICE');
    const [mine] = await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' }, 1);
    expect(JSON.stringify(published.args.view)).toContain(mine!.id);
  });

  it('reconnects when Slack asks it to, and keeps answering', async () => {
    const { fake } = world;
    const before = fake.calls.length;
    fake.requestReconnect();
    const reopened = await fake.waitForCall((c) => c.method === 'apps.connections.open', { from: before, timeoutMs: 20_000 });
    expect(reopened.token).toBe(APP_TOKEN);
    await fake.waitForSockets(1);
    const from = fake.calls.length;
    await fake.sendSocket('events_api', fake.mention({ user: 'UALICE', text: '<@UBOT> help' }));
    await ephemeralTo(world.fake, 'UALICE', from, /mention me in a message with images/);
  });

  it('stop() closes the socket', async () => {
    await bot.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(world.fake.socketCount).toBe(0);
  });
});

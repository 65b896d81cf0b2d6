// The Slack bot end to end over the HTTP receiver: the REAL Bolt app (request signatures checked), the REAL job
// service and engine (VGG-19, 64 px, 6 iterations), against a fake Slack on 127.0.0.1.
import sharp from 'sharp';
import { CLI } from '../jobs/helpers.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../src/engine/stylize.js';
import { defaultStyleWeight } from '../../src/engine/style-weight.js';
import type { SlackBot } from '../../src/platforms/slack/bot.js';
import {
  BOT_TOKEN,
  buttonIds,
  buttonValue,
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
let appUrl: string;
let content: Uint8Array;
let style: Uint8Array;

beforeAll(async () => {
  world = await createWorld({ writableArtists: true });
  bot = await startTestBot(world, 'http', {
    admins: ['UOPS'],
    retries: 1, // one retry: enough to wait out a 429 (Retry-After) in the rate-limit test
    previewIntervalMs: 0,
    maxPreviews: 2,
  });
  appUrl = `http://127.0.0.1:${bot.port}`;
  content = await smallJpeg(CONTENT_IMAGE);
  style = await smallJpeg(STYLE_IMAGE);
});

afterAll(async () => {
  await bot?.stop();
  await world?.cleanup();
});

describe('Slack bot over HTTP (signed requests)', () => {
  it('answers url_verification and checks auth at start', async () => {
    const res = await world.fake.postSigned(appUrl, { type: 'url_verification', challenge: 'abc123', token: 't' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('abc123');
    expect(world.fake.callsOf('auth.test').length).toBeGreaterThan(0);
  });

  it('paints a mention with two images: threaded status, progress edits, preview, final PNG upload', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const files = [fake.addFile('tuebingen.jpg', content), fake.addFile('starry.jpg', style)];
    const body = fake.mention({ user: 'UALICE', text: '<@UBOT> size 64 iterations 6 seed 3', files });
    const event = body.event as { ts: string };
    const res = await fake.postSigned(appUrl, body);
    expect(res.status).toBe(200);

    const status = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.thread_ts === event.ts, { from });
    expect(status.args.channel).toBe('C1');
    const statusTs = status.args.ts as string;

    const queued = await fake.waitForCall(
      (c) => c.method === 'chat.update' && c.args.ts === statusTs && /position \d+/.test(callText(c.args)),
      { from },
    );
    expect(buttonIds(queued.args)).toContain('stylebot:cancel');
    // Both files were fetched from url_private with the bot token before the job was queued.
    const downloads = fake.callsOf('download', from);
    expect(downloads.map((d) => d.args.id).sort()).toEqual(files.map((f) => f.id).sort());
    for (const d of downloads) expect(d.token).toBe(BOT_TOKEN);
    const progress = await fake.waitForCall(
      (c) => c.method === 'chat.update' && c.args.ts === statusTs && /iteration [246]\/6/.test(callText(c.args)),
      { from },
    );
    expect(callText(progress.args)).toMatch(/%/);

    const preview = await fake.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && /^Preview, iteration/.test(String(c.args.initial_comment)),
      { from },
    );
    expect(preview.args.thread_ts).toBe(event.ts);
    expect((await sharp(Buffer.from(preview.uploaded![0]!.bytes)).metadata()).format).toBe('jpeg');

    const final = await fake.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)),
      { from },
    );
    expect(final.args.channel_id).toBe('C1');
    expect(final.args.thread_ts).toBe(event.ts);
    expect(String(final.args.initial_comment)).toMatch(/Settings:.*6 iterations.*seed 3/s);
    const png = final.uploaded![0]!.bytes;
    const meta = await sharp(Buffer.from(png)).metadata();
    expect(meta.format).toBe('png');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBe(64);
    // The upload went through the upload host with the declared length.
    const getUrl = fake.callsOf('files.getUploadURLExternal', from).find((c) => Number(c.args.length) === png.length);
    expect(getUrl).toBeDefined();

    const done = await fake.waitForCall((c) => c.method === 'chat.update' && c.args.ts === statusTs && /Done/.test(callText(c.args)), {
      from,
    });
    expect(buttonIds(done.args)).toEqual(['stylebot:rerun', 'stylebot:stronger', 'stylebot:upscale']);
    // At most maxPreviews (2) preview uploads for this job.
    const previews = fake.callsOf('files.completeUploadExternal', from).filter((c) => /^Preview/.test(String(c.args.initial_comment)));
    expect(previews.length).toBeGreaterThanOrEqual(1);
    expect(previews.length).toBeLessThanOrEqual(2);
  });

  it('refuses a request with a bad signature (401) or a stale timestamp, and does nothing', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const body = fake.mention({ user: 'UALICE', text: '<@UBOT> help' });
    expect((await fake.postSigned(appUrl, body, { secret: 'not-the-secret' })).status).toBe(401);
    const stale = Math.floor(Date.now() / 1000) - 60 * 60;
    expect((await fake.postSigned(appUrl, body, { timestamp: stale })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.calls.slice(from).filter((c) => c.method.startsWith('chat.'))).toEqual([]);
  });

  it('answers an image over the size limit clearly, without downloading it', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const huge = fake.addFile('huge.jpg', content, 'image/jpeg', 50 * 1024 * 1024);
    const ok = fake.addFile('starry.jpg', style);
    await fake.postSigned(appUrl, fake.mention({ user: 'UALICE', text: '<@UBOT>', files: [huge, ok] }));
    const answer = await ephemeralTo(world.fake, 'UALICE', from, /huge\.jpg/);
    expect(callText(answer.args)).toMatch(/50\.0 MB; the limit is 2\.0 MB/);
    expect(fake.callsOf('download', from).map((d) => d.args.id)).not.toContain(huge.id);
    // The placeholder status message was taken back.
    expect(fake.callsOf('chat.delete', from)).toHaveLength(1);
  });

  it('paints what a person sends the bot in a direct message, no mention needed, and ignores bot messages there', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    // Its own messages in the conversation, other bots' and edits are not requests.
    await fake.postSigned(appUrl, fake.directMessage({ user: 'UBOT', text: 'Done' }));
    await fake.postSigned(appUrl, fake.directMessage({ user: 'UHELPER', text: 'Reminder', botId: 'B9' }));
    await fake.postSigned(appUrl, fake.directMessage({ user: 'UALICE', text: 'size 64', subtype: 'message_changed' }));
    const files = [fake.addFile('tuebingen.jpg', content), fake.addFile('starry.jpg', style)];
    const body = fake.directMessage({ user: 'UALICE', text: 'iterations 4 seed 5', files, subtype: 'file_share' });
    const event = body.event as { ts: string };
    expect((await fake.postSigned(appUrl, body)).status).toBe(200);

    const status = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.thread_ts === event.ts, { from });
    expect(status.args.channel).toBe('D1');
    const final = await fake.waitForCall(
      (c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)),
      { from },
    );
    expect(final.args.channel_id).toBe('D1');
    expect(final.args.thread_ts).toBe(event.ts);
    expect(String(final.args.initial_comment)).toMatch(/Settings:.*4 iterations.*seed 5/s);
    expect((await sharp(Buffer.from(final.uploaded![0]!.bytes)).metadata()).format).toBe('png');
    // One job, from the one real request; the bot's message and the edit got no answer at all (taken as
    // requests, they would have had a private one: an unknown word, a picture without images).
    const statuses = fake.callsOf('chat.postMessage', from).filter((c) => c.args.channel === 'D1');
    expect(statuses).toHaveLength(1);
    expect(fake.callsOf('chat.postEphemeral', from).filter((c) => c.args.channel === 'D1')).toEqual([]);
  });

  it('a text file sent as an image gets a clear private answer', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const text = fake.addFile('notes.txt', new TextEncoder().encode('hello'), 'text/plain');
    await fake.postSigned(appUrl, fake.mention({ user: 'UALICE', text: '<@UBOT>', files: [text, fake.addFile('starry.jpg', style)] }));
    await ephemeralTo(world.fake, 'UALICE', from, /notes\.txt.*not an image/);
  });

  it('lets a workspace admin change a quota by mention; the user is then refused; a non-admin may not change it', async () => {
    const { fake } = world;
    let from = fake.calls.length;
    await fake.postSigned(appUrl, fake.mention({ user: 'UADMIN', text: '<@UBOT> quota set <@UBOB|bob> jobs per day 0' }));
    const changed = await ephemeralTo(world.fake, 'UADMIN', from, /Quota of <@UBOB> is now/);
    expect(callText(changed.args)).toMatch(/jobs per day: 0/);
    expect(fake.callsOf('users.info', from).some((c) => c.args.user === 'UADMIN')).toBe(true);

    from = fake.calls.length;
    const files = [fake.addFile('tuebingen.jpg', content), fake.addFile('starry.jpg', style)];
    await fake.postSigned(appUrl, fake.mention({ user: 'UBOB', text: '<@UBOT> size 64', files }));
    await ephemeralTo(world.fake, 'UBOB', from, /used all 0 of your jobs for today/);

    from = fake.calls.length;
    await fake.postSigned(appUrl, fake.mention({ user: 'UBOB', text: '<@UBOT> quota set <@UBOB> jobs per day 99' }));
    await ephemeralTo(world.fake, 'UBOB', from, /Only Stylebot admins can change quotas/);
    expect((await world.jobs.admin.showQuota(CLI, { platform: 'slack', workspaceId: 'T1', userId: 'UBOB' })).quota.jobsPerDay).toBe(0);

    // STYLEBOT_ADMINS (the admins option) makes a regular Slack user an admin too.
    from = fake.calls.length;
    await fake.postSigned(appUrl, fake.mention({ user: 'UOPS', text: '<@UBOT> quota reset <@UBOB>' }));
    await ephemeralTo(world.fake, 'UOPS', from, /usage of <@UBOB> is reset/);
  });

  it('lets an admin add and remove an artwork by mention; others may not', async () => {
    const { fake } = world;
    let from = fake.calls.length;
    await fake.postSigned(
      appUrl,
      fake.mention({ user: 'UBOB', text: '<@UBOT> artist add Hilma af Klint', files: [fake.addFile('swan.jpg', style)] }),
    );
    await ephemeralTo(world.fake, 'UBOB', from, /Only Stylebot admins can change the artist collection/);

    from = fake.calls.length;
    await fake.postSigned(
      appUrl,
      fake.mention({ user: 'UADMIN', text: '<@UBOT> artist add Hilma af Klint', files: [fake.addFile('swan.jpg', style)] }),
    );
    const added = await ephemeralTo(world.fake, 'UADMIN', from, /Added|Sorry/);
    expect(callText(added.args)).toMatch(/Added .*hilma-af-klint/);
    const hilma = world.jobs.artists().find((a) => a.name === 'hilma-af-klint');
    expect(hilma?.works).toHaveLength(1);

    from = fake.calls.length;
    await fake.postSigned(appUrl, fake.mention({ user: 'UADMIN', text: `<@UBOT> artist remove hilma-af-klint ${hilma!.works[0]}` }));
    await ephemeralTo(world.fake, 'UADMIN', from, /Removed/);
    expect(world.jobs.artists().find((a) => a.name === 'hilma-af-klint')?.works ?? []).toHaveLength(0);
  });

  it('waits out a rate limit (429 with Retry-After) and then answers', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    fake.rateLimitNext.set('chat.postEphemeral', 1);
    await fake.postSigned(appUrl, fake.mention({ user: 'UALICE', text: '<@UBOT> artists' }));
    const answer = await ephemeralTo(world.fake, 'UALICE', from, /monet/);
    const limited = fake.callsOf('chat.postEphemeral (429)', from);
    expect(limited).toHaveLength(1);
    expect(answer.index).toBeGreaterThan(limited[0]!.index);
  });

  it('takes an event Slack delivers twice (a retry) only once', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const body = fake.mention({ user: 'UALICE', text: '<@UBOT> jobs' });
    expect((await fake.postSigned(appUrl, body)).status).toBe(200);
    expect((await fake.postSigned(appUrl, body)).status).toBe(200);
    await ephemeralTo(world.fake, 'UALICE', from, /./);
    const marker = fake.mention({ user: 'UALICE', text: '<@UBOT> help' });
    await fake.postSigned(appUrl, marker);
    await ephemeralTo(world.fake, 'UALICE', from, /artist monet/);
    expect(fake.callsOf('chat.postEphemeral', from)).toHaveLength(2);
  });

  it('explains bad words and missing fields, and keeps serving', async () => {
    const { fake } = world;
    let from = fake.calls.length;
    await fake.postSigned(appUrl, fake.mention({ user: 'UALICE', text: '<@UBOT> iterations lots' }));
    await ephemeralTo(world.fake, 'UALICE', from, /needs a number, not "lots"/);

    from = fake.calls.length;
    const noUser = fake.mention({ user: 'x', text: '<@UBOT> help' });
    delete (noUser.event as Record<string, unknown>).user;
    expect((await fake.postSigned(appUrl, noUser)).status).toBe(200);
    await fake.waitForCall((c) => c.method === 'chat.postMessage' && /could not tell who sent/.test(callText(c.args)), { from });

    from = fake.calls.length;
    const badFiles = fake.mention({ user: 'UALICE', text: '<@UBOT>' });
    (badFiles.event as Record<string, unknown>).files = 'not-a-list';
    await fake.postSigned(appUrl, badFiles);
    await ephemeralTo(world.fake, 'UALICE', from, /could not read the files/);

    from = fake.calls.length;
    const noUrl = fake.mention({ user: 'UALICE', text: '<@UBOT>', files: [fake.addFile('a.jpg', content)] });
    delete ((noUrl.event as { files: Record<string, unknown>[] }).files[0] as Record<string, unknown>).url_private;
    delete ((noUrl.event as { files: Record<string, unknown>[] }).files[0] as Record<string, unknown>).url_private_download;
    await fake.postSigned(appUrl, noUrl);
    await ephemeralTo(world.fake, 'UALICE', from, /did not give me a link to `a\.jpg`/);

    const noChannel = fake.mention({ user: 'UALICE', text: '<@UBOT> help' });
    delete (noChannel.event as Record<string, unknown>).channel;
    expect((await fake.postSigned(appUrl, noChannel)).status).toBe(200);

    from = fake.calls.length;
    await fake.postSigned(appUrl, fake.mention({ user: 'UALICE', text: '<@UBOT> help' }));
    const help = await ephemeralTo(world.fake, 'UALICE', from, /artist monet/);
    expect(callText(help.args)).toMatch(/preserve colors/);
  });

  it('compares the styles of two images by mention', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const body = fake.mention({
      user: 'UALICE',
      text: '<@UBOT> compare',
      files: [fake.addFile('a.jpg', content), fake.addFile('b.jpg', style)],
    });
    await fake.postSigned(appUrl, body);
    const answer = await fake.waitForCall(
      (c) =>
        (c.method === 'chat.postMessage' && /Style distance/.test(callText(c.args))) ||
        (c.method === 'chat.postEphemeral' && c.args.user === 'UALICE'),
      { from },
    );
    expect(callText(answer.args)).toMatch(/Style distance/);
    expect(answer.args.thread_ts).toBe((body.event as { ts: string }).ts);
    expect(callText(answer.args)).toMatch(/`a\.jpg` and `b\.jpg`: \*[0-9.e-]+\*/);
  });

  it('lists artists and jobs by slash command through response_url', async () => {
    const { fake } = world;
    let from = fake.calls.length;
    const res = await fake.postSigned(appUrl, fake.slashCommand({ user: 'UALICE', text: 'artists' }), { kind: 'form' });
    expect(res.status).toBe(200);
    const listed = await fake.waitForCall((c) => c.method === 'respond' && /monet/.test(String(c.args.text)), { from });
    expect(listed.args.response_type).toBe('ephemeral');

    // A bare /stylize opens the painting form (test/e2e/slack-shortcuts.test.ts); when Slack refuses to open it,
    // the answer says how to paint without it.
    from = fake.calls.length;
    fake.failNext.set('views.open', 'expired_trigger_id');
    await fake.postSigned(appUrl, fake.slashCommand({ user: 'UALICE', text: '' }), { kind: 'form' });
    await fake.waitForCall((c) => c.method === 'respond' && /cannot carry images/.test(String(c.args.text)), { from });
    expect(fake.callsOf('views.open', from)).toHaveLength(1);

    // /stylize in a channel the bot was not invited to: it says how to fix that.
    from = fake.calls.length;
    fake.failNext.set('chat.postMessage', 'not_in_channel');
    await fake.postSigned(appUrl, fake.slashCommand({ user: 'UALICE', text: 'artist monet', channel: 'C2' }), { kind: 'form' });
    await fake.waitForCall((c) => c.method === 'respond' && /invite me with `\/invite @stylebot`/.test(String(c.args.text)), { from });
  });

  it('buttons: a stranger is refused; the owner re-runs (queued behind a running job) and cancels; cancel by mention', async () => {
    const { fake, jobs } = world;
    const [mine] = (await jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UALICE' })).filter((j) => j.state === 'done');
    expect(mine).toBeDefined();
    const thread = (mine!.reply as { threadTs: string }).threadTs;
    const statusTs = (mine!.reply as { statusTs: string }).statusTs;

    let from = fake.calls.length;
    const strangerPress = fake.buttonPress({
      user: 'UBOB',
      actionId: 'stylebot:rerun',
      value: mine!.id,
      messageTs: statusTs,
      threadTs: thread,
    });
    expect((await fake.postSigned(appUrl, strangerPress, { kind: 'payload' })).status).toBe(200);
    await ephemeralTo(world.fake, 'UBOB', from, /Only <@UALICE>/);
    expect(fake.callsOf('chat.postMessage', from)).toHaveLength(0);

    // A long job keeps the single engine worker busy, so the re-run waits in the queue.
    from = fake.calls.length;
    const files = [fake.addFile('tuebingen.jpg', content), fake.addFile('starry.jpg', style)];
    const blocker = fake.mention({ user: 'UADMIN', text: '<@UBOT> iterations 400', files });
    await fake.postSigned(appUrl, blocker);
    const blockerStatus = await fake.waitForCall(
      (c) => c.method === 'chat.postMessage' && c.args.thread_ts === (blocker.event as { ts: string }).ts,
      { from },
    );
    const running = await fake.waitForCall(
      (c) => c.method === 'chat.update' && c.args.ts === blockerStatus.args.ts && /Painting|iteration/.test(callText(c.args)),
      { from },
    );
    const blockerId = buttonValue(running.args, 'stylebot:cancel')!;

    from = fake.calls.length;
    await fake.postSigned(
      appUrl,
      fake.buttonPress({ user: 'UALICE', actionId: 'stylebot:stronger', value: mine!.id, messageTs: statusTs, threadTs: thread }),
      {
        kind: 'payload',
      },
    );
    const newStatus = await fake.waitForCall((c) => c.method === 'chat.postMessage' && c.args.thread_ts === thread, { from });
    const queued = await fake.waitForCall(
      (c) => c.method === 'chat.update' && c.args.ts === newStatus.args.ts && /position 1/.test(callText(c.args)),
      { from },
    );
    const newJobId = buttonValue(queued.args, 'stylebot:cancel')!;
    expect(newJobId).not.toBe(mine!.id);
    // No weight given: twice the default at the job's size (style-weight.ts).
    expect((await jobs.get(newJobId))?.options.styleWeight).toBe(
      (mine!.options.styleWeight ?? defaultStyleWeight(mine!.options.size ?? DEFAULT_OPTIONS.size)) * 2,
    );
    expect((await jobs.get(newJobId))?.options.seed).toBe(mine!.options.seed ?? mine!.result?.seed);

    await fake.postSigned(
      appUrl,
      fake.buttonPress({
        user: 'UALICE',
        actionId: 'stylebot:cancel',
        value: newJobId,
        messageTs: newStatus.args.ts as string,
        threadTs: thread,
      }),
      { kind: 'payload' },
    );
    await fake.waitForCall((c) => c.method === 'chat.update' && c.args.ts === newStatus.args.ts && /Cancelled/.test(callText(c.args)), {
      from,
    });
    expect((await jobs.get(newJobId))?.state).toBe('cancelled');

    // The running job, cancelled by its owner with a mention.
    from = fake.calls.length;
    await fake.postSigned(appUrl, fake.mention({ user: 'UADMIN', text: `<@UBOT> cancel ${blockerId}` }));
    await fake.waitForCall((c) => c.method === 'chat.update' && c.args.ts === blockerStatus.args.ts && /Cancelled/.test(callText(c.args)), {
      from,
    });
    expect((await jobs.get(blockerId))?.state).toBe('cancelled');
  });
});

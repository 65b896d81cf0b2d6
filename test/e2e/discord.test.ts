// End to end: the real discord.js client against a local Discord stand-in, the real job service (SQLite in a temp
// dir, engine worker threads) and the real VGG-19 engine at 64 px.
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/types.js';
import { createJobService } from '../../src/app/compose.js';
import type { JobService } from '../../src/jobs/types.js';
import { startDiscordBot, type DiscordBot } from '../../src/platforms/discord/bot.js';
import { FakeDiscordServer, MANAGE_GUILD, type FakeUser, type RecordedCall, type SentInteraction } from '../fakes/discord-server.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

const ALICE: FakeUser = { id: '1001', username: 'alice' };
const BOB: FakeUser = { id: '1002', username: 'bob' };
const ADMIN: FakeUser = { id: '1003', username: 'mod' };
const CONTENT = readFileSync(join(CONTENT_DIR, 'golden_gate_bridge_fog.jpg'));
const STYLE = readFileSync(join(STYLES_DIR, 'great_wave_off_kanagawa.jpg'));
const images = {
  content: { name: 'bridge.jpg', data: CONTENT, contentType: 'image/jpeg' },
  style: { name: 'wave.jpg', data: STYLE, contentType: 'image/jpeg' },
};

let fake: FakeDiscordServer;
let dataDir: string;
/** A writable copy of two shared artists, so /artist add and remove can change it. */
let artistsDir: string;
let jobs: JobService;
let bot: DiscordBot;

async function startStack(): Promise<void> {
  jobs = createJobService({
    dataDir,
    artistsDir,
    modelDir: MODEL_DIR,
    workers: 1,
    progressThrottleMs: 100,
    defaultQuota: { maxIterations: 40 },
    log: () => undefined,
  });
  const context: CommandContext = {
    jobs,
    limits: { maxImageBytes: 5 * 1024 * 1024, maxImagePixels: 40_000_000 },
    defaults: { size: 64, iterations: 6, progressEvery: 2 },
  };
  // The bot subscribes to job events before the service starts, so recovered jobs reach it.
  bot = await startDiscordBot({
    token: 'test-bot-token',
    applicationId: fake.applicationId,
    apiBase: fake.apiBase,
    jobs,
    context,
    admins: [ADMIN.id],
    minEditIntervalMs: 50,
    log: () => undefined,
  });
  await jobs.start();
}

async function stopStack(): Promise<void> {
  await bot?.stop();
  await jobs?.close();
}

beforeAll(async () => {
  // /compare runs the engine in the bot's own worker thread, which finds the weights through the environment
  // (in production the job service reads the same variable).
  process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
  fake = await FakeDiscordServer.start();
  dataDir = mkdtempSync(join(tmpdir(), 'stylebot-discord-'));
  artistsDir = join(dataDir, 'artists');
  for (const artist of ['monet', 'van-gogh']) cpSync(join(ARTISTS_DIR, artist), join(artistsDir, artist), { recursive: true });
  await startStack();
});

afterAll(async () => {
  await stopStack();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const original = (token: string) => `/webhooks/${fake.applicationId}/${token}/messages/@original`;
const isEdit = (token: string) => (c: RecordedCall) => c.method === 'PATCH' && c.path === original(token) && c.status === 200;
const contentOf = (c: RecordedCall): string => String(c.json?.content ?? '');
const customIds = (c: RecordedCall): string[] =>
  (c.json?.components ?? []).flatMap((row: { components: { custom_id: string }[] }) => row.components.map((b) => b.custom_id));

/** Waits for the deferral and checks it came within Discord's 3 seconds. */
async function deferral(sent: SentInteraction): Promise<RecordedCall> {
  const call = await fake.waitFor((c) => c.path === `/interactions/${sent.id}/${sent.token}/callback`, { what: 'the deferral' });
  expect(call.json.type).toBe(5);
  expect(call.at - fake.sentAt.get(sent.id)!).toBeLessThan(3000);
  return call;
}

/** The private answer to a public deferral: the placeholder is deleted and an ephemeral follow-up sent. */
async function ephemeralFollowUp(sent: SentInteraction): Promise<string> {
  const call = await fake.waitFor(
    (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${sent.token}` && c.status === 200,
    { what: 'an ephemeral follow-up' },
  );
  expect(call.json.flags).toBe(64);
  expect(fake.originals.get(sent.token)?.deleted).toBe(true);
  return contentOf(call);
}

/** The answer to an ephemeral deferral: the deferred message edited. */
async function ephemeralEdit(sent: SentInteraction): Promise<string> {
  const callback = await deferral(sent);
  expect(callback.json.data.flags).toBe(64);
  return contentOf(await fake.waitFor(isEdit(sent.token), { what: 'the ephemeral answer' }));
}

async function pngSize(data: Uint8Array): Promise<{ width: number; height: number; format: string }> {
  const meta = await sharp(data).metadata();
  return { width: meta.width!, height: meta.height!, format: meta.format! };
}

describe('Discord bot (real discord.js, real job service and engine)', () => {
  it('stylizes two attached images: deferred, progress edits with a preview, final PNG with settings and buttons', async () => {
    const sent = fake.slashCommand({ name: 'stylize', options: { iterations: 6, seed: 11 }, attachments: images, user: ALICE });
    await deferral(sent);
    const queued = await fake.waitFor((c) => isEdit(sent.token)(c) && /position|Painting|iteration/.test(contentOf(c)), {
      what: 'the status',
    });
    expect(customIds(queued).some((id) => id.startsWith('stylebot:cancel:'))).toBe(true);

    const progress = await fake.waitFor((c) => isEdit(sent.token)(c) && /iteration \d+\/6/.test(contentOf(c)) && c.files.length === 1, {
      what: 'a progress edit with a preview',
    });
    expect(contentOf(progress)).toMatch(/[▓░]+ \d+%/);
    expect((await pngSize(progress.files[0]!.data)).format).toBe('jpeg');

    const done = await fake.waitFor((c) => isEdit(sent.token)(c) && contentOf(c).includes('Done'), { what: 'the final edit' });
    expect(done.files).toHaveLength(1);
    const png = await pngSize(done.files[0]!.data);
    expect(png.format).toBe('png');
    expect(Math.max(png.width, png.height)).toBe(64);
    expect(contentOf(done)).toMatch(/size \d+×\d+/);
    expect(contentOf(done)).toContain('6 iterations');
    expect(contentOf(done)).toMatch(/seed 11\b/);
    expect(contentOf(done)).toContain('wave.jpg');
    const ids = customIds(done);
    expect(ids.some((id) => id.startsWith('stylebot:rerun:'))).toBe(true);
    expect(ids.some((id) => id.startsWith('stylebot:stronger:'))).toBe(true);

    // Someone else may not press the buttons; the requester may (a new status message for the new job).
    const rerunId = ids.find((id) => id.startsWith('stylebot:rerun:'))!;
    const intruder = fake.pressButton({ customId: rerunId, user: BOB });
    expect(await ephemeralFollowUp(intruder)).toMatch(/Only <@1001>/);

    const rerun = fake.pressButton({ customId: rerunId, user: ALICE });
    await deferral(rerun);
    const rerunDone = await fake.waitFor((c) => isEdit(rerun.token)(c) && contentOf(c).includes('Done'), { what: 'the re-run result' });
    // A word boundary: a new random seed may well start with the digits 11.
    expect(contentOf(rerunDone)).not.toMatch(/seed 11\b/);
    const rerunPng = await pngSize(rerunDone.files[0]!.data);
    expect(Math.max(rerunPng.width, rerunPng.height)).toBe(64);
  });

  it('paints in artist mode and names the artwork it used', async () => {
    const sent = fake.slashCommand({
      name: 'stylize',
      options: { artist: 'Monet', iterations: 4, seed: 3 },
      attachments: { content: images.content },
      user: ALICE,
    });
    await deferral(sent);
    const done = await fake.waitFor((c) => isEdit(sent.token)(c) && contentOf(c).includes('Done'), { what: 'the artist-mode result' });
    const job = (await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: ALICE.id }, 1))[0];
    expect(job!.artwork).toMatch(/^monet\//);
    expect(contentOf(done)).toContain(`Artwork:* ${job!.artwork}`);
    expect((await pngSize(done.files[0]!.data)).format).toBe('png');
  });

  it('answers information commands privately (also in a DM) and autocompletes artist names', async () => {
    // The first edit is rate limited: discord.js waits as told and sends it again.
    fake.rateLimitNext((method, path) => method === 'PATCH' && path.endsWith('/messages/@original'), 0.4);
    const help = fake.slashCommand({ name: 'help', user: BOB, guildId: null });
    expect(await ephemeralEdit(help)).toContain('*stylize*');
    const [limited, retried] = fake.repliesTo(help.token).filter((c) => c.method === 'PATCH');
    expect([limited!.status, retried!.status]).toEqual([429, 200]);
    expect(retried!.at - limited!.at).toBeGreaterThanOrEqual(350);
    const artists = fake.slashCommand({ name: 'artists', options: { artist: 'van gogh' }, user: BOB });
    expect(await ephemeralEdit(artists)).toContain('the-starry-night.jpg');
    const list = fake.slashCommand({ name: 'jobs', user: ALICE });
    expect(await ephemeralEdit(list)).toMatch(/Queue: \d+ jobs? waiting or running/);

    const typing = fake.autocomplete({ name: 'stylize', option: 'artist', value: 'go', user: BOB });
    const answer = await fake.waitFor((c) => c.path === `/interactions/${typing.id}/${typing.token}/callback`, {
      what: 'autocomplete choices',
    });
    expect(answer.json).toEqual({ type: 8, data: { choices: [{ name: 'van-gogh', value: 'van-gogh' }] } });
  });

  it('compares the styles of two attached images', async () => {
    const sent = fake.slashCommand({ name: 'compare', attachments: { image1: images.content, image2: images.style }, user: BOB });
    await deferral(sent);
    const answer = await fake.waitFor((c) => isEdit(sent.token)(c) && contentOf(c).includes('Style distance'), {
      what: 'the style distance',
      timeoutMs: 120_000,
    });
    const total = Number(/\*([0-9.e+-]+)\*/.exec(contentOf(answer))?.[1]);
    expect(total).toBeGreaterThan(0);
    expect(contentOf(answer)).toMatch(/relu1_1 .*relu5_1/);
  });

  it('lets an admin add and remove an artwork, and refuses a non-admin', async () => {
    const artwork = { name: 'Great Wave.jpg', data: STYLE, contentType: 'image/jpeg' };
    const refused = fake.slashCommand({
      name: 'artist',
      subcommand: 'add',
      options: { name: 'Hokusai' },
      attachments: { image: artwork },
      user: BOB,
    });
    expect(await ephemeralEdit(refused)).toMatch(/admin/i);
    expect(existsSync(join(artistsDir, 'hokusai'))).toBe(false);

    const added = fake.slashCommand({
      name: 'artist',
      subcommand: 'add',
      options: { name: 'Hokusai' },
      attachments: { image: artwork },
      user: ADMIN,
    });
    expect(await ephemeralEdit(added)).toMatch(/hokusai/i);
    expect(jobs.artists().find((a) => a.name === 'hokusai')?.works).toHaveLength(1);
    const work = jobs.artists().find((a) => a.name === 'hokusai')!.works[0]!;

    const removed = fake.slashCommand({ name: 'artist', subcommand: 'remove', options: { name: 'hokusai', work }, user: ADMIN });
    expect(await ephemeralEdit(removed)).toMatch(/remov/i);
    expect(jobs.artists().find((a) => a.name === 'hokusai')?.works ?? []).toHaveLength(0);
  });

  it('reconnects by itself when the gateway connection drops, and keeps answering', async () => {
    const sessions = fake.identifies + fake.resumes;
    fake.dropGatewayConnections();
    const deadline = Date.now() + 30_000;
    while (fake.identifies + fake.resumes === sessions && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(fake.identifies + fake.resumes).toBeGreaterThan(sessions);
    const help = fake.slashCommand({ name: 'help', user: BOB });
    expect(await ephemeralEdit(help)).toContain('*stylize*');
  });

  it('refuses a text file attached as an image with a clear private message, and queues nothing', async () => {
    const before = (await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id })).length;
    const text = { name: 'notes.png', data: Buffer.from('these are my holiday notes, not a picture\n'), contentType: 'image/png' };
    const sent = fake.slashCommand({ name: 'stylize', attachments: { content: text, style: images.style }, user: BOB });
    await deferral(sent);
    const message = await ephemeralFollowUp(sent);
    expect(message).toContain('notes.png');
    expect(message).toMatch(/not an image|JPEG, PNG, WebP or GIF/i);
    expect(await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id })).toHaveLength(before);
  });

  it('refuses a job over quota privately; an admin raises the quota and the user then succeeds', async () => {
    const ask = () => fake.slashCommand({ name: 'stylize', options: { iterations: 8 }, attachments: images, user: BOB });

    const lowered = fake.slashCommand({
      name: 'quota-admin',
      subcommand: 'set',
      options: { user: { type: 6, value: BOB.id }, max_iterations: 6 },
      user: ADMIN,
    });
    expect(await ephemeralEdit(lowered)).toMatch(/most iterations: 6/);

    const refused = ask();
    await deferral(refused);
    expect(await ephemeralFollowUp(refused)).toMatch(/iteration/i);

    // A Manage Server member is an admin too, without being in STYLEBOT_ADMINS.
    const raised = fake.slashCommand({
      name: 'quota-admin',
      subcommand: 'set',
      options: { user: { type: 6, value: BOB.id }, max_iterations: 8 },
      user: { id: '1004', username: 'owner' },
      permissions: MANAGE_GUILD,
    });
    expect(await ephemeralEdit(raised)).toMatch(/most iterations: 8/);

    const accepted = ask();
    await deferral(accepted);
    const done = await fake.waitFor((c) => isEdit(accepted.token)(c) && contentOf(c).includes('Done'), { what: 'the accepted job' });
    expect(contentOf(done)).toContain('8 iterations');
  });

  it('refuses admin commands to a non-admin', async () => {
    const setQuota = fake.slashCommand({
      name: 'quota-admin',
      subcommand: 'set',
      options: { user: { type: 6, value: ALICE.id }, jobs_per_day: 1000 },
      user: BOB,
    });
    expect(await ephemeralEdit(setQuota)).toMatch(/Only Stylebot admins/);
    const stats = fake.slashCommand({ name: 'stats', user: BOB });
    expect(await ephemeralEdit(stats)).toMatch(/Only Stylebot admins/);
    const ownQuota = fake.slashCommand({ name: 'quota', subcommand: 'show', user: BOB });
    expect(await ephemeralEdit(ownQuota)).toMatch(/Your quota/);
  });

  it('cancels a running job with its Cancel button (only the owner may)', async () => {
    const sent = fake.slashCommand({ name: 'stylize', options: { iterations: 40 }, attachments: images, user: ALICE });
    await deferral(sent);
    const running = await fake.waitFor((c) => isEdit(sent.token)(c) && /iteration \d+\/40/.test(contentOf(c)), { what: 'the job running' });
    const cancelId = customIds(running).find((id) => id.startsWith('stylebot:cancel:'))!;
    expect(cancelId).toBeDefined();

    const intruder = fake.pressButton({ customId: cancelId, user: BOB });
    expect(await ephemeralEdit(intruder)).toMatch(/Only the person who started/);

    const press = fake.pressButton({ customId: cancelId, user: ALICE });
    expect(await ephemeralEdit(press)).toMatch(/Cancelled/);
    const cancelled = await fake.waitFor((c) => isEdit(sent.token)(c) && contentOf(c).includes('Cancelled'), {
      what: 'the cancelled status',
    });
    expect(customIds(cancelled)).toEqual([]);
    const jobId = cancelId.split(':')[2]!;
    expect((await jobs.get(jobId))?.state).toBe('cancelled');
  });

  it('falls back to a follow-up when the status message is deleted, and to the channel when the token expires', async () => {
    const sent = fake.slashCommand({ name: 'stylize', options: { iterations: 12 }, attachments: images, user: ALICE });
    await deferral(sent);
    await fake.waitFor((c) => isEdit(sent.token)(c) && /iteration \d+\/12/.test(contentOf(c)), { what: 'the job running' });
    const from = fake.mark();
    fake.deleteOriginal(sent.token);
    const followUp = await fake.waitFor(
      (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${sent.token}` && c.status === 200,
      {
        from,
        what: 'a follow-up after the deletion',
      },
    );
    expect(contentOf(followUp)).toContain(`<@${ALICE.id}>`);
    fake.expireToken(sent.token);
    const done = await fake.waitFor(
      (c) => c.path.startsWith(`/channels/${fake.channelId}/messages`) && c.status === 200 && contentOf(c).includes('Done'),
      { from, what: 'the result in the channel' },
    );
    expect(contentOf(done)).toContain(`<@${ALICE.id}>`);
    expect(done.authorization).toBe('Bot test-bot-token');
  });

  it('delivers the result of a job that was running when the bot and the job service restarted', async () => {
    const sent = fake.slashCommand({ name: 'stylize', options: { iterations: 24, seed: 5 }, attachments: images, user: ALICE });
    await deferral(sent);
    const running = await fake.waitFor((c) => isEdit(sent.token)(c) && /iteration \d+\/24/.test(contentOf(c)), { what: 'the job running' });
    const jobId = customIds(running)
      .find((id) => id.startsWith('stylebot:cancel:'))!
      .split(':')[2]!;

    await stopStack();
    const identifiesBefore = fake.identifies;
    const from = fake.mark();
    await startStack();
    expect(fake.identifies).toBe(identifiesBefore + 1);

    const done = await fake.waitFor((c) => isEdit(sent.token)(c) && contentOf(c).includes('Done'), {
      from,
      what: 'the result after the restart',
    });
    const png = await pngSize(done.files[0]!.data);
    expect(Math.max(png.width, png.height)).toBe(64);
    expect((await jobs.get(jobId))?.state).toBe('done');
    expect((await jobs.get(jobId))?.attempts).toBeGreaterThanOrEqual(2);
  });
});

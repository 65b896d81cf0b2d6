// End to end: the image menu on messages ("Apps > Stylize with..." and "Use as style") through the real discord.js
// client against the local Discord stand-in, the real job service (SQLite in a temp dir) and the real engine at 64 px.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/types.js';
import { createJobService } from '../../src/app/compose.js';
import type { JobService } from '../../src/jobs/types.js';
import { startDiscordBot, type DiscordBot } from '../../src/platforms/discord/bot.js';
import { STYLIZE_WITH, USE_AS_STYLE } from '../../src/platforms/discord/image-menu.js';
import { FakeDiscordServer, type FakeUser, type RecordedCall, type SentInteraction } from '../fakes/discord-server.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

const ALICE: FakeUser = { id: '2001', username: 'alice' };
const BOB: FakeUser = { id: '2002', username: 'bob' };
const photo = { name: 'bridge.jpg', data: readFileSync(join(CONTENT_DIR, 'golden_gate_bridge_fog.jpg')), contentType: 'image/jpeg' };
const painting = { name: 'wave.jpg', data: readFileSync(join(STYLES_DIR, 'great_wave_off_kanagawa.jpg')), contentType: 'image/jpeg' };

let fake: FakeDiscordServer;
let dataDir: string;
let jobs: JobService;
let bot: DiscordBot;

beforeAll(async () => {
  fake = await FakeDiscordServer.start();
  dataDir = mkdtempSync(join(tmpdir(), 'stylebot-discord-menu-'));
  const artistsDir = join(dataDir, 'artists');
  cpSync(join(ARTISTS_DIR, 'monet'), join(artistsDir, 'monet'), { recursive: true });
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
    defaults: { size: 64, iterations: 4, progressEvery: 2 },
  };
  bot = await startDiscordBot({
    token: 'menu-token',
    applicationId: fake.applicationId,
    apiBase: fake.apiBase,
    jobs,
    context,
    minEditIntervalMs: 50,
    log: () => undefined,
  });
  await jobs.start();
});

afterAll(async () => {
  await bot?.stop();
  await jobs?.close();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const callbackOf = (sent: SentInteraction) =>
  fake.waitFor((c) => c.path === `/interactions/${sent.id}/${sent.token}/callback`, { what: 'the interaction callback' });
const isEdit = (token: string) => (c: RecordedCall) =>
  c.method === 'PATCH' && c.path === `/webhooks/${fake.applicationId}/${token}/messages/@original` && c.status === 200;
const contentOf = (c: RecordedCall): string => String(c.json?.content ?? '');

/** Opens the painting form on a message with `image` and submits it with these fields; returns the submission. */
async function paint(user: FakeUser, image: typeof photo, fields: Record<string, string>): Promise<SentInteraction> {
  const menu = fake.messageCommand({ name: STYLIZE_WITH, attachments: [image], user });
  const modal = await callbackOf(menu);
  expect(modal.json.type).toBe(9);
  const form = modal.json.data;
  expect(form.components.map((row: { components: { custom_id: string }[] }) => row.components[0]!.custom_id)).toEqual([
    'artist',
    'options',
    'budget',
  ]);
  return fake.submitModal({ customId: form.custom_id, fields, user });
}

async function finished(sent: SentInteraction): Promise<RecordedCall> {
  const deferral = await callbackOf(sent);
  expect(deferral.json.type).toBe(5);
  return fake.waitFor((c) => isEdit(sent.token)(c) && contentOf(c).includes('Done'), { what: 'the painted result', timeoutMs: 120_000 });
}

describe('Discord image menu (real discord.js, job service and engine)', () => {
  it('"Stylize with..." opens the painting form and paints the message\'s image in the chosen artist\'s style', async () => {
    const submitted = await paint(ALICE, photo, { artist: 'monet', options: 'iterations 4 seed=7', budget: '' });
    const done = await finished(submitted);
    const png = await sharp(Buffer.from(done.files[0]!.data)).metadata();
    expect(png.format).toBe('png');
    expect(Math.max(png.width!, png.height!)).toBe(64);
    expect(contentOf(done)).toMatch(/seed 7\b/);
    const [job] = await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: ALICE.id }, 1);
    expect(job!.artwork).toMatch(/^monet\//);
    expect(job!.state).toBe('done');
  });

  it("answers privately when the message has no image, and when the form's options cannot be read", async () => {
    const bare = fake.messageCommand({
      name: STYLIZE_WITH,
      content: 'just words',
      attachments: [{ name: 'notes.txt', data: Buffer.from('hi'), contentType: 'text/plain' }],
      user: BOB,
    });
    const answer = await callbackOf(bare);
    expect(answer.json.type).toBe(4);
    expect(answer.json.data.flags).toBe(64);
    expect(answer.json.data.content).toMatch(/no image/);

    const before = (await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id })).length;
    const badOptions = await paint(BOB, photo, { artist: 'monet', options: 'size', budget: '' });
    const refused = await fake.waitFor(
      (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${badOptions.token}` && c.status === 200,
      { what: 'the refusal' },
    );
    expect(refused.json.flags).toBe(64);
    expect(contentOf(refused)).toMatch(/"size" has no value/);
    const badBudget = await paint(BOB, photo, { artist: 'monet', options: '', budget: '99999' });
    const tooLong = await fake.waitFor(
      (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${badBudget.token}` && c.status === 200,
      { what: 'the budget refusal' },
    );
    expect(contentOf(tooLong)).toMatch(/budget/i);
    expect(await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id })).toHaveLength(before);

    // A form id that was never handed out (or expired) is refused, not painted.
    const stale = fake.submitModal({ customId: 'stylebot-paint:nope', fields: { artist: 'monet', options: '', budget: '' }, user: BOB });
    const expired = await callbackOf(stale);
    expect(expired.json.data.flags).toBe(64);
    expect(expired.json.data.content).toMatch(/expired/);
  });

  it('"Use as style" remembers the image for the next /stylize and for a form without an artist', async () => {
    const remember = fake.messageCommand({ name: USE_AS_STYLE, attachments: [painting], user: BOB });
    const saved = await callbackOf(remember);
    expect(saved.json.data.flags).toBe(64);
    expect(saved.json.data.content).toContain('wave.jpg');

    const slash = fake.slashCommand({ name: 'stylize', options: { seed: 2 }, attachments: { content: photo }, user: BOB });
    await finished(slash);
    const [viaSlash] = await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id }, 1);
    expect(viaSlash!.styleNames).toEqual(['wave.jpg']);

    const viaForm = await paint(BOB, photo, { artist: '', options: '', budget: '' });
    await finished(viaForm);
    const [latest] = await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id }, 1);
    expect(latest!.id).not.toBe(viaSlash!.id);
    expect(latest!.styleNames).toEqual(['wave.jpg']);

    // Someone else has no saved style: the same form without an artist asks for one.
    const noStyle = await paint(ALICE, photo, { artist: '', options: '', budget: '' });
    const asked = await fake.waitFor(
      (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${noStyle.token}` && c.status === 200,
      { what: 'the request for a style' },
    );
    expect(contentOf(asked)).toMatch(/Give me a style/);
  });
});

describe('Discord results: Delete and /show (real discord.js, job service and engine)', () => {
  const customIds = (c: RecordedCall): string[] =>
    (c.json?.components ?? []).flatMap((row: { components: { custom_id: string }[] }) => row.components.map((b) => b.custom_id));
  const privateAnswer = async (sent: SentInteraction): Promise<string> => {
    const deferral = await callbackOf(sent);
    expect(deferral.json.data.flags).toBe(64);
    return contentOf(await fake.waitFor(isEdit(sent.token), { what: 'the private answer' }));
  };

  it('/show posts a finished picture again with its buttons; Delete removes the message and the stored picture, for the requester only', async () => {
    const sent = fake.slashCommand({
      name: 'stylize',
      options: { seed: 9 },
      attachments: { content: photo, style: painting },
      user: ALICE,
    });
    const done = await finished(sent);
    const deleteId = customIds(done).find((id) => id.startsWith('stylebot:delete:'))!;
    expect(deleteId).toBeDefined();
    const jobId = deleteId.split(':')[2]!;
    // Progress edits carried no Delete button; only the final picture does.
    expect(fake.repliesTo(sent.token).filter((c) => customIds(c).includes(deleteId))).toHaveLength(1);

    const shown = fake.slashCommand({ name: 'show', options: { job_id: jobId }, user: ALICE });
    const again = await fake.waitFor((c) => isEdit(shown.token)(c) && c.files.length === 1, { what: 'the picture shown again' });
    expect(Buffer.from(again.files[0]!.data).equals(Buffer.from(done.files[0]!.data))).toBe(true);
    expect(customIds(again)).toEqual(expect.arrayContaining([`stylebot:rerun:${jobId}`, deleteId]));
    const nosy = fake.slashCommand({ name: 'show', options: { job_id: jobId }, user: BOB });
    await callbackOf(nosy);
    const refusedShow = await fake.waitFor(
      (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${nosy.token}` && c.status === 200,
      { what: 'the refusal to show' },
    );
    expect(contentOf(refusedShow)).toMatch(/Only <@2001>/);

    const messageId = fake.originals.get(sent.token)!.id;
    const intruder = fake.pressButton({ customId: deleteId, messageId, user: BOB });
    expect(await privateAnswer(intruder)).toMatch(/Only the person who started/);
    expect(fake.originals.get(sent.token)!.deleted).toBe(false);
    expect(await jobs.resultImage(jobId)).toBeInstanceOf(Uint8Array);

    const owner = fake.pressButton({ customId: deleteId, messageId, user: ALICE });
    expect(await privateAnswer(owner)).toMatch(/Deleted the picture/);
    const removal = await fake.waitFor((c) => c.method === 'DELETE' && c.path === `/channels/${fake.channelId}/messages/${messageId}`, {
      what: 'the message deleted',
    });
    expect(removal.authorization).toBe('Bot menu-token');
    expect(fake.originals.get(sent.token)!.deleted).toBe(true);
    expect(await jobs.resultImage(jobId)).toBeUndefined();

    const gone = fake.slashCommand({ name: 'show', options: { job_id: jobId }, user: ALICE });
    await callbackOf(gone);
    const answer = await fake.waitFor(
      (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${gone.token}` && c.status === 200,
      { what: 'the deleted answer' },
    );
    expect(contentOf(answer)).toMatch(/was deleted/);
  });
});

describe('Discord upload limits (real discord.js, job service and engine)', () => {
  const statusOf = (sent: SentInteraction) =>
    fake.repliesTo(sent.token).filter((c) => c.method === 'PATCH' && contentOf(c).includes('Done'));

  it("sends a result over the interaction's attachment limit as a JPEG within it, and says so", async () => {
    fake.attachmentSizeLimit = 12_000;
    try {
      const sent = fake.slashCommand({
        name: 'stylize',
        options: { size: 128, seed: 4 },
        attachments: { content: photo, style: painting },
        user: ALICE,
      });
      const done = await finished(sent);
      const [job] = await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: ALICE.id }, 1);
      const png = (await jobs.resultImage(job!.id))!;
      expect(png.length).toBeGreaterThan(12_000);
      expect(done.files).toHaveLength(1);
      expect(done.files[0]!.data.length).toBeLessThanOrEqual(12_000);
      const meta = await sharp(Buffer.from(done.files[0]!.data)).metadata();
      expect(['jpeg', 'webp']).toContain(meta.format);
      expect(Math.max(meta.width!, meta.height!)).toBe(128);
      expect(done.files[0]!.name).toMatch(/\.(jpg|webp)$/);
      expect(contentOf(done)).toMatch(/over this channel's upload limit .*sent as (JPEG|WebP)/);
      expect(statusOf(sent).map((c) => c.status)).toEqual([200]);
    } finally {
      fake.attachmentSizeLimit = 10 * 1024 * 1024;
    }
  });

  it('delivers the text without the picture when Discord refuses the upload as too large, and does not retry it', async () => {
    // The interaction said 10 MiB; Discord then refuses the body (413, code 40005): the picture can never go.
    const sent = fake.slashCommand({
      name: 'stylize',
      options: { iterations: 12, seed: 4 },
      attachments: { content: photo, style: painting },
      user: ALICE,
    });
    await fake.waitFor((c) => isEdit(sent.token)(c) && /iteration \d+\/12/.test(contentOf(c)), { what: 'the job running' });
    fake.attachmentSizeLimit = 300;
    try {
      const done = await fake.waitFor((c) => isEdit(sent.token)(c) && contentOf(c).includes('Done'), {
        what: 'the text-only result',
        timeoutMs: 120_000,
      });
      expect(done.files).toHaveLength(0);
      expect(contentOf(done)).toMatch(/too large to post here/);
      const refused = fake.repliesTo(sent.token).filter((c) => c.status === 413);
      expect(refused.length).toBeGreaterThanOrEqual(1);
      // The outbox took the delivery: no further attempt comes.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect(statusOf(sent).filter((c) => c.status === 200)).toHaveLength(1);
      expect(fake.repliesTo(sent.token).filter((c) => c.status === 413)).toHaveLength(refused.length);
    } finally {
      fake.attachmentSizeLimit = 10 * 1024 * 1024;
    }
  });
});

describe('Discord server settings (real discord.js, job service and engine)', () => {
  const MOD: FakeUser = { id: '2003', username: 'mod' };
  const ART = '700000000000000001';
  const privateEdit = async (sent: SentInteraction): Promise<string> => {
    const deferral = await callbackOf(sent);
    expect(deferral.json.data.flags).toBe(64);
    return contentOf(await fake.waitFor(isEdit(sent.token), { what: 'the private answer' }));
  };

  it('keeps commands to the allowed channels, applies the default size, and shows results privately when asked', async () => {
    const refused = fake.slashCommand({
      name: 'server-settings',
      subcommand: 'allow_channel',
      options: { channel: { type: 7, value: ART } },
      user: BOB,
    });
    expect(await privateEdit(refused)).toMatch(/Only Stylebot admins/);

    const allow = fake.slashCommand({
      name: 'server-settings',
      subcommand: 'allow_channel',
      options: { channel: { type: 7, value: ART } },
      user: MOD,
      permissions: '32',
    });
    expect(await privateEdit(allow)).toContain(`<#${ART}>`);
    const set = fake.slashCommand({
      name: 'server-settings',
      subcommand: 'set',
      options: { default_size: 96, results: 'private' },
      user: MOD,
      permissions: '32',
    });
    expect(await privateEdit(set)).toMatch(/Default size: 96 px[\s\S]*requester only/);

    // Elsewhere: a private pointer to the allowed channel, and no job.
    const before = (await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id })).length;
    const elsewhere = fake.slashCommand({ name: 'stylize', attachments: { content: photo, style: painting }, user: BOB });
    const pointer = await callbackOf(elsewhere);
    expect(pointer.json.type).toBe(4);
    expect(pointer.json.data.flags).toBe(64);
    expect(pointer.json.data.content).toContain(`<#${ART}>`);
    const menu = fake.messageCommand({ name: STYLIZE_WITH, attachments: [photo], user: BOB });
    expect((await callbackOf(menu)).json.data.content).toContain(`<#${ART}>`);
    expect(await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: BOB.id })).toHaveLength(before);

    // In the allowed channel: painted at the server's default size, deferred ephemeral (only the requester sees it).
    const there = fake.slashCommand({
      name: 'stylize',
      options: { iterations: 4 },
      attachments: { content: photo, style: painting },
      user: BOB,
      channelId: ART,
    });
    const deferral = await callbackOf(there);
    expect(deferral.json.data.flags).toBe(64);
    const done = await fake.waitFor((c) => isEdit(there.token)(c) && contentOf(c).includes('Done'), {
      what: 'the private result',
      timeoutMs: 120_000,
    });
    const meta = await sharp(Buffer.from(done.files[0]!.data)).metadata();
    expect(Math.max(meta.width!, meta.height!)).toBe(96);

    const reset = fake.slashCommand({ name: 'server-settings', subcommand: 'all_channels', user: MOD, permissions: '32' });
    expect(await privateEdit(reset)).toMatch(/every channel/);
    const cleared = fake.slashCommand({
      name: 'server-settings',
      subcommand: 'set',
      options: { clear_defaults: true, results: 'public' },
      user: MOD,
      permissions: '32',
    });
    expect(await privateEdit(cleared)).toMatch(/posted in the channel/);
    const audit = await jobs.admin.auditLog({ platform: 'discord', workspaceId: fake.guildId, userId: MOD.id, isPlatformAdmin: true }, 10);
    expect(audit.filter((e) => e.action === 'server.settings').length).toBeGreaterThanOrEqual(4);
  });
});

describe("Discord replies in the user's language", () => {
  it('answers a French user in French, and falls back to English for a language without a catalogue', async () => {
    const saved = fake.messageCommand({ name: USE_AS_STYLE, attachments: [painting], user: ALICE, locale: 'fr' });
    const answer = (await callbackOf(saved)).json.data.content as string;
    expect(answer).toMatch(/enregistrée comme votre style/);
    expect(answer).toContain('wave.jpg');
    const bare = fake.messageCommand({ name: STYLIZE_WITH, content: 'rien', user: ALICE, locale: 'fr' });
    expect((await callbackOf(bare)).json.data.content).toMatch(/aucune image/);
    const form = fake.messageCommand({ name: STYLIZE_WITH, attachments: [photo], user: ALICE, locale: 'pt-BR' });
    expect((await callbackOf(form)).json.data.title).toBe('Estilizar esta imagem');
    const korean = fake.messageCommand({ name: STYLIZE_WITH, content: '', user: ALICE, locale: 'ko' });
    expect((await callbackOf(korean)).json.data.content).toMatch(/no image I can use/);
  });
});

// Issue 12 on Discord, end to end: the real discord.js client against the local Discord stand-in, the real job
// service and the real engine at 64 px. Attachments from other hosts are refused (and never fetched), file names
// cannot inject markdown, and internal errors reach the user only as an apology with an error id.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../commands/types.js';
import { createJobService } from '../../src/app/compose.js';
import type { JobService } from '../../src/jobs/types.js';
import { memoryLogger } from '../../src/logger.js';
import { startDiscordBot, type DiscordBot } from '../../src/platforms/discord/bot.js';
import { FakeDiscordServer, type FakeUser, type RecordedCall, type SentInteraction } from '../fakes/discord-server.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

const ALICE: FakeUser = { id: '2001', username: 'alice' };
const CONTENT = readFileSync(join(CONTENT_DIR, 'golden_gate_bridge_fog.jpg'));
const STYLE = readFileSync(join(STYLES_DIR, 'great_wave_off_kanagawa.jpg'));

let fake: FakeDiscordServer;
let dataDir: string;
let artistsDir: string;
let jobs: JobService;
let bot: DiscordBot;
const log = memoryLogger();
/** Another origin on this machine (same host, another port) that records what reaches it. */
let foreign: Server;
let foreignUrl = '';
const foreignHits: string[] = [];

beforeAll(async () => {
  fake = await FakeDiscordServer.start();
  foreign = createServer((req, res) => {
    foreignHits.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(STYLE);
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'stylebot-discord-hard-'));
  artistsDir = join(dataDir, 'artists');
  cpSync(join(ARTISTS_DIR, 'monet'), join(artistsDir, 'monet'), { recursive: true });
  jobs = createJobService({ dataDir, artistsDir, modelDir: MODEL_DIR, workers: 1, progressThrottleMs: 100, log: () => undefined });
  const context: CommandContext = {
    jobs,
    limits: { maxImageBytes: 5 * 1024 * 1024, maxImagePixels: 40_000_000 },
    defaults: { size: 64, iterations: 4, progressEvery: 2 },
    logger: log.logger,
  };
  bot = await startDiscordBot({
    token: 't',
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
  await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const original = (token: string) => `/webhooks/${fake.applicationId}/${token}/messages/@original`;
const contentOf = (c: RecordedCall): string => String(c.json?.content ?? '');

/** The private answer to a public /stylize deferral: the placeholder deleted, an ephemeral follow-up sent. */
async function privateAnswer(sent: SentInteraction): Promise<string> {
  const call = await fake.waitFor(
    (c) => c.method === 'POST' && c.path === `/webhooks/${fake.applicationId}/${sent.token}` && c.status === 200,
    {
      what: 'a private answer',
    },
  );
  expect(call.json.flags).toBe(64);
  return contentOf(call);
}

describe('Discord: nothing fetched from elsewhere, nothing leaked', () => {
  it('refuses an attachment whose URL names another host, without fetching it, and logs it', async () => {
    const records = log.records.length;
    const sent = fake.slashCommand({
      name: 'stylize',
      attachments: {
        content: { name: 'photo.jpg', data: CONTENT, contentType: 'image/jpeg' },
        style: { name: 'evil.jpg', data: STYLE, contentType: 'image/jpeg', url: `${foreignUrl}/evil.jpg` },
      },
      user: ALICE,
    });
    expect(await privateAnswer(sent)).toMatch(
      /`evil\.jpg` links to a server that is not Discord's own file server, so I did not download it/,
    );
    expect(foreignHits).toEqual([]);
    expect(log.records.slice(records)).toContainEqual(expect.objectContaining({ url: `${foreignUrl}/evil.jpg`, level: 40 }));
    expect(await jobs.jobsOf({ platform: 'discord', workspaceId: fake.guildId, userId: ALICE.id }, 5)).toEqual([]);
  });

  it('refuses a file-host redirect to another host', async () => {
    const sent = fake.slashCommand({
      name: 'stylize',
      attachments: {
        content: { name: 'photo.jpg', data: CONTENT, contentType: 'image/jpeg' },
        style: { name: 'moved.jpg', data: STYLE, contentType: 'image/jpeg', url: fake.hostRedirect(`${foreignUrl}/moved.jpg`) },
      },
      user: ALICE,
    });
    expect(await privateAnswer(sent)).toMatch(/`moved\.jpg` redirected to a server that is not Discord's own/);
    expect(foreignHits).toEqual([]);
  });

  it('escapes markdown in file names: a masked link in a name stays text', async () => {
    const name = '[free nitro](https://evil.example) **x**.jpg';
    const sent = fake.slashCommand({
      name: 'stylize',
      options: { iterations: 2, seed: 1 },
      attachments: {
        content: { name: 'photo.jpg', data: CONTENT, contentType: 'image/jpeg' },
        style: { name, data: STYLE, contentType: 'image/jpeg' },
      },
      user: ALICE,
    });
    const done = await fake.waitFor((c) => c.method === 'PATCH' && c.path === original(sent.token) && contentOf(c).includes('Done'), {
      what: 'the result',
    });
    const content = contentOf(done);
    expect(content).toContain('\\[free nitro\\]\\(https://evil.example\\) \\*\\*x\\*\\*.jpg');
    expect(content).not.toContain('[free nitro](https://evil.example)');
  });

  it('answers a broken artist corpus with an apology and an error id, never a path; the log has the details', async () => {
    // The artists folder replaced by a file.
    rmSync(artistsDir, { recursive: true, force: true });
    writeFileSync(artistsDir, 'not a folder');
    const records = log.records.length;
    const sent = fake.slashCommand({ name: 'artists', user: ALICE });
    const answer = await fake.waitFor((c) => c.method === 'PATCH' && c.path === original(sent.token) && c.status === 200, {
      what: 'the answer',
    });
    const text = contentOf(answer);
    const id = /error id ([0-9a-f]{8})/.exec(text)?.[1];
    expect(text).toMatch(/^Sorry, that failed on the bot's side \(error id [0-9a-f]{8}\)/);
    expect(text).not.toMatch(/ENOTDIR|scandir|\/tmp|stylebot-discord/);
    const logged = log.records.slice(records).find((r) => r.errorId === id);
    expect(JSON.stringify(logged)).toMatch(/ENOTDIR/);

    const stylize = fake.slashCommand({
      name: 'stylize',
      options: { artist: 'monet' },
      attachments: { content: { name: 'p.jpg', data: CONTENT, contentType: 'image/jpeg' } },
      user: ALICE,
    });
    const sorry = await privateAnswer(stylize);
    expect(sorry).toMatch(/^Sorry, that failed on the bot's side \(error id [0-9a-f]{8}\)/);
    expect(sorry).not.toMatch(/ENOTDIR|ENOENT|\//);
  });
});

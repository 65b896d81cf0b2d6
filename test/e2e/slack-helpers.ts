// Shared set-up of the Slack end-to-end tests: a fake Slack, the REAL job service on a temp data dir with the real
// engine (VGG-19 weights from the shared folder), and small test images made from the shared corpus.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogLevel } from '@slack/bolt';
import sharp from 'sharp';
import type { CommandContext } from '../../commands/types.js';
import { createJobService } from '../../src/app/compose.js';
import type { JobService } from '../../src/jobs/types.js';
import { startSlackBot, type SlackBot, type SlackBotOptions } from '../../src/platforms/slack/bot.js';
import { FakeSlack, type SlackCall } from '../fakes/slack-server.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

export const BOT_TOKEN = 'xoxb-test-bot-token';
export const APP_TOKEN = 'xapp-test-app-token';
export const SIGNING_SECRET = 'test-signing-secret';
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;

export interface SlackTestWorld {
  fake: FakeSlack;
  jobs: JobService;
  context: CommandContext;
  dataDir: string;
  cleanup(): Promise<void>;
}

/** writableArtists: the artists corpus is a temp copy of two shared artists, so admins may add and remove works. */
export async function createWorld(opts: { writableArtists?: boolean } = {}): Promise<SlackTestWorld> {
  // compare's worker thread finds the weights through the environment, which it copies when it starts.
  process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
  const fake = await FakeSlack.start({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    signingSecret: SIGNING_SECRET,
    botUserId: 'UBOT',
    teamId: 'T1',
  });
  fake.addUser({ id: 'UALICE', name: 'alice' });
  fake.addUser({ id: 'UBOB', name: 'bob' });
  fake.addUser({ id: 'UADMIN', name: 'admin', is_admin: true });
  fake.addUser({ id: 'UOPS', name: 'ops' });
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-slack-'));
  let artistsDir = ARTISTS_DIR;
  if (opts.writableArtists) {
    artistsDir = join(dataDir, 'artists');
    for (const artist of ['monet', 'hokusai']) cpSync(join(ARTISTS_DIR, artist), join(artistsDir, artist), { recursive: true });
  }
  const jobs = openJobs(dataDir, artistsDir);
  await jobs.start();
  const context = commandContext(jobs);
  const world: SlackTestWorld = {
    fake,
    jobs,
    context,
    dataDir,
    async cleanup() {
      await world.jobs.close();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** The REAL job service on a data dir: one engine worker (wasm), progress events every 10 ms at most. */
export function openJobs(dataDir: string, artistsDir = ARTISTS_DIR): JobService {
  return createJobService({ dataDir, artistsDir, modelDir: MODEL_DIR, workers: 1, progressThrottleMs: 10, backend: 'wasm' });
}

/**
 * Tiny runs: 64 px, a few iterations, progress (with a preview) every 2 iterations. The engine options beyond
 * size/iterations ride along in the defaults object, which the stylize handler spreads into the job's options.
 */
export function commandContext(jobs: JobService): CommandContext {
  const defaults = { size: 64, iterations: 6, progressEvery: 2, previewSize: 32 };
  return { jobs, limits: { maxImageBytes: MAX_IMAGE_BYTES, maxImagePixels: 40_000_000 }, defaults };
}

/**
 * The REAL Bolt app against the world's fake Slack, over HTTP (signed requests, any free port on 127.0.0.1) or
 * Socket Mode. Quiet, no retries, no edit throttling, at most one preview a minute; `options` override these.
 * It reads world.jobs and world.context when called, so after a restart it serves the new job service.
 */
export function startTestBot(
  world: SlackTestWorld,
  transport: 'http' | 'socket',
  options: Partial<SlackBotOptions> = {},
): Promise<SlackBot> {
  return startSlackBot({
    botToken: BOT_TOKEN,
    ...(transport === 'http' ? { signingSecret: SIGNING_SECRET, port: 0, host: '127.0.0.1' } : { appToken: APP_TOKEN }),
    apiUrl: world.fake.apiUrl,
    jobs: world.jobs,
    context: world.context,
    retries: 0,
    previewIntervalMs: 60_000,
    minEditMs: 0,
    logLevel: LogLevel.ERROR,
    ...options,
  });
}

/** Waits for an ephemeral message to `user`, sent after call number `from`, whose text matches `pattern`. */
export function ephemeralTo(fake: FakeSlack, user: string, from: number, pattern: RegExp): Promise<SlackCall> {
  return fake.waitForCall((c) => c.method === 'chat.postEphemeral' && c.args.user === user && pattern.test(callText(c.args)), { from });
}

/** A JPEG of a shared image scaled to `side` px: small to download, real content. */
export async function smallJpeg(path: string, side = 96): Promise<Uint8Array> {
  return new Uint8Array(await sharp(readFileSync(path)).resize(side, side, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer());
}

export const CONTENT_IMAGE = join(CONTENT_DIR, 'tuebingen_neckarfront.jpg');
export const STYLE_IMAGE = join(STYLES_DIR, 'starry_night.jpg');

/** The text of a Web API call's blocks and text together (what a person would read). */
export function callText(args: Record<string, unknown>): string {
  const parts = [args.text, args.initial_comment].filter((t): t is string => typeof t === 'string');
  return parts.join('\n');
}

/** action_ids of the buttons in a message's blocks. */
export function buttonIds(args: Record<string, unknown>): string[] {
  const blocks = Array.isArray(args.blocks) ? (args.blocks as { type: string; elements?: { action_id?: string }[] }[]) : [];
  return blocks.flatMap((b) => (b.type === 'actions' ? (b.elements ?? []).map((e) => e.action_id ?? '') : []));
}

/** The value (job id) of a button in a message's blocks. */
export function buttonValue(args: Record<string, unknown>, actionId: string): string | undefined {
  const blocks = Array.isArray(args.blocks) ? (args.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]) : [];
  for (const block of blocks) for (const e of block.elements ?? []) if (e.action_id === actionId) return e.value;
  return undefined;
}

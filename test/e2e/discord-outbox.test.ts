// Durable delivery on Discord, end to end: the real discord.js client and job service against the local Discord
// stand-in. The finished picture reaches the user exactly once through a minute-long outage of the upload route,
// and through a kill -9 of the bot while discord.js waits out a 429, followed by a restart.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { FakeDiscordServer, type FakeUser, type RecordedCall } from '../fakes/discord-server.js';
import { CONTENT_DIR, MODEL_DIR, REPO_ROOT, STYLES_DIR } from '../helpers/shared.js';

const CHILD = fileURLToPath(new URL('./fixtures/discord-bot-process.ts', import.meta.url));
const ALICE: FakeUser = { id: '2001', username: 'alice' };
const images = {
  content: { name: 'bridge.jpg', data: readFileSync(join(CONTENT_DIR, 'golden_gate_bridge_fog.jpg')), contentType: 'image/jpeg' },
  style: { name: 'wave.jpg', data: readFileSync(join(STYLES_DIR, 'great_wave_off_kanagawa.jpg')), contentType: 'image/jpeg' },
};

let fake: FakeDiscordServer;
const dirs: string[] = [];
const children = new Set<ChildProcess>();

beforeAll(async () => {
  fake = await FakeDiscordServer.start();
});
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
afterAll(async () => {
  await fake?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Starts the bot in a child process on dataDir and resolves once it is connected. */
function startBot(dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, fake.apiBase, fake.applicationId, dataDir, MODEL_DIR], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the bot did not start:\n${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) clearTimeout(timer), resolve(child);
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the bot exited (${code}):\n${err}`))));
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
    children.delete(child);
  });
}

const original = (token: string) => `/webhooks/${fake.applicationId}/${token}/messages/@original`;
const contentOf = (c: RecordedCall) => String(c.json?.content ?? '');
const isFinalUpload = (token: string) => (c: RecordedCall) =>
  c.method === 'PATCH' && c.path === original(token) && contentOf(c).includes('Done') && c.files.length > 0;
const deliveredResults = (token: string) => fake.calls.filter((c) => isFinalUpload(token)(c) && c.status === 200);

function outboxRow(dataDir: string, token: string) {
  const db = new Database(join(dataDir, 'stylebot.db'), { readonly: true });
  try {
    return db
      .prepare(`SELECT o.state, o.attempts, j.state AS job_state FROM outbox o JOIN jobs j ON j.id = o.job_id WHERE j.reply LIKE ?`)
      .get(`%${token}%`) as { state: string; attempts: number; job_state: string } | undefined;
  } finally {
    db.close();
  }
}

async function expectOnePng(token: string): Promise<void> {
  // Give a second delivery the time to show up, if there were one.
  await new Promise((r) => setTimeout(r, 3000));
  const results = deliveredResults(token);
  expect(results).toHaveLength(1);
  expect((await sharp(results[0]!.files[0]!.data).metadata()).format).toBe('png');
}

test('the picture arrives once after a 60 s outage (503) of the upload route', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-outbox-'));
  dirs.push(dataDir);
  await startBot(dataDir);
  const sent = fake.slashCommand({ name: 'stylize', options: { iterations: 4 }, attachments: images, user: ALICE });
  await fake.waitFor((c) => c.path === `/interactions/${sent.id}/${sent.token}/callback`, { what: 'the deferral' });
  const outageStart = Date.now();
  fake.outage((method, path, call) => isFinalUpload(sent.token)({ ...call, method, path }), 60_000);

  const refused = await fake.waitFor((c) => isFinalUpload(sent.token)(c) && c.status === 503, {
    timeoutMs: 90_000,
    what: 'the upload refused',
  });
  expect(outboxRow(dataDir, sent.token)?.job_state).toBe('done');
  const delivered = await fake.waitFor((c) => isFinalUpload(sent.token)(c) && c.status === 200, {
    from: refused.index,
    timeoutMs: 120_000,
    what: 'the picture after the outage',
  });
  expect(delivered.at - outageStart).toBeGreaterThanOrEqual(60_000);
  await expectOnePng(sent.token);
  expect(outboxRow(dataDir, sent.token)).toMatchObject({ state: 'delivered', job_state: 'done' });
  expect(outboxRow(dataDir, sent.token)!.attempts).toBeGreaterThanOrEqual(2);
}, 240_000);

test('a kill -9 while discord.js waits out a 429, then a restart: the picture arrives once', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-outbox-'));
  dirs.push(dataDir);
  const first = await startBot(dataDir);
  const sent = fake.slashCommand({ name: 'stylize', options: { iterations: 4 }, attachments: images, user: ALICE });
  await fake.waitFor((c) => c.path === `/interactions/${sent.id}/${sent.token}/callback`, { what: 'the deferral' });
  fake.rateLimitNext((method, path, call) => isFinalUpload(sent.token)({ ...call, method, path }), 60);

  await fake.waitFor((c) => isFinalUpload(sent.token)(c) && c.status === 429, { timeoutMs: 90_000, what: 'the 429' });
  await kill9(first);
  expect(deliveredResults(sent.token)).toHaveLength(0);
  expect(outboxRow(dataDir, sent.token)).toMatchObject({ state: 'undelivered', job_state: 'done' });

  const from = fake.mark();
  await startBot(dataDir);
  await fake.waitFor((c) => isFinalUpload(sent.token)(c) && c.status === 200, {
    from,
    timeoutMs: 60_000,
    what: 'the picture after the restart',
  });
  await expectOnePng(sent.token);
  expect(outboxRow(dataDir, sent.token)).toMatchObject({ state: 'delivered' });
}, 240_000);

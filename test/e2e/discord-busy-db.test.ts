// A busy database does not take the bot down: another process holds the SQLite write lock for 7 s while a job
// paints. The bot keeps answering Discord within its 3 s (the lock is waited out on timers, not in the event
// loop), progress writes that meet the lock are dropped and counted, and the writes that matter (new jobs, the
// result) go through once the lock is released.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { createJobService } from '../../src/app/compose.js';
import { startDiscordBot, type DiscordBot } from '../../src/platforms/discord/bot.js';
import { FakeDiscordServer, type FakeUser, type RecordedCall } from '../fakes/discord-server.js';
import { CONTENT_DIR, MODEL_DIR, REPO_ROOT, STYLES_DIR } from '../helpers/shared.js';

const images = {
  content: { name: 'bridge.jpg', data: readFileSync(join(CONTENT_DIR, 'golden_gate_bridge_fog.jpg')), contentType: 'image/jpeg' },
  style: { name: 'wave.jpg', data: readFileSync(join(STYLES_DIR, 'great_wave_off_kanagawa.jpg')), contentType: 'image/jpeg' },
};
const LOCK_MS = 7000;

let fake: FakeDiscordServer;
let dataDir: string;
let jobs: StylebotJobService;
let bot: DiscordBot;

beforeAll(async () => {
  fake = await FakeDiscordServer.start();
  dataDir = mkdtempSync(join(tmpdir(), 'stylebot-busy-'));
  jobs = createJobService({
    dataDir,
    modelDir: MODEL_DIR,
    workers: 1,
    progressThrottleMs: 50,
    defaultQuota: { maxIterations: 400 },
    log: () => undefined,
  });
  bot = await startDiscordBot({
    token: 'test-bot-token',
    applicationId: fake.applicationId,
    apiBase: fake.apiBase,
    jobs,
    context: {
      jobs,
      limits: { maxImageBytes: 5 * 1024 * 1024, maxImagePixels: 40_000_000 },
      defaults: { size: 64, iterations: 4, progressEvery: 1 },
    },
    minEditIntervalMs: 50,
    log: () => undefined,
  });
  await jobs.start();
});

afterAll(async () => {
  await bot?.stop();
  await jobs?.close();
  await fake?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Another process takes the database's write lock, holds it for ms, then commits. Resolves once it holds it. */
function holdWriteLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const script = `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(file)}); db.exec('BEGIN IMMEDIATE');
    console.log('locked'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, ${ms});`;
  const child = spawn(process.execPath, ['-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve({ released: exited }));
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
  });
}

const contentOf = (c: RecordedCall) => String(c.json?.content ?? '');
const edits = (token: string) => (c: RecordedCall) =>
  c.method === 'PATCH' && c.path === `/webhooks/${fake.applicationId}/${token}/messages/@original` && c.status === 200;

test('another process holding the write lock for 7 s while a job paints', async () => {
  const painter: FakeUser = { id: '3001', username: 'painter' };
  const painting = fake.slashCommand({ name: 'stylize', options: { iterations: 150, size: 64 }, attachments: images, user: painter });
  await fake.waitFor((c) => edits(painting.token)(c) && /iteration \d+\/150/.test(contentOf(c)), { what: 'the job painting' });

  // The event loop's longest stall while the lock is held.
  let longestStall = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longestStall = Math.max(longestStall, now - last);
    last = now;
  }, 20);

  const { released } = await holdWriteLock(join(dataDir, 'stylebot.db'), LOCK_MS);
  const lockedAt = Date.now();
  const dropsBefore = jobs.runner.counters.progressWritesDropped;
  const users: FakeUser[] = [1, 2, 3, 4].map((i) => ({ id: `310${i}`, username: `user${i}` }));
  const sent = users.map((user) => fake.slashCommand({ name: 'stylize', options: { iterations: 2, size: 64 }, attachments: images, user }));
  for (const s of sent) {
    const callback = await fake.waitFor((c) => c.path === `/interactions/${s.id}/${s.token}/callback`, {
      what: 'a deferral during the lock',
    });
    expect(callback.at - fake.sentAt.get(s.id)!).toBeLessThan(3000);
  }
  await released;
  clearInterval(ticker);
  expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(LOCK_MS - 500);
  expect(longestStall).toBeLessThan(1000);

  // Every command is answered once the lock is gone, and every job (the painting one too) finishes.
  for (const s of [painting, ...sent]) {
    await fake.waitFor((c) => edits(s.token)(c) && contentOf(c).includes('Done'), { timeoutMs: 240_000, what: 'a result after the lock' });
  }
  expect(jobs.runner.counters.progressWritesDropped).toBeGreaterThan(dropsBefore);
}, 300_000);

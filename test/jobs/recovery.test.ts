// Nothing accepted is lost: a process killed with SIGKILL in the middle of a job, then a new service on the
// same data folder re-runs it and emits 'done' to the listeners.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterEach, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { createJobService } from '../../src/app/compose.js';
import { CONTENT_DIR, MODEL_DIR, REPO_ROOT, STYLES_DIR } from '../helpers/shared.js';
import { EventLog, fakeInputs, fakeService, removeTempDirs, tempDir, user } from './helpers.js';

const CHILD = fileURLToPath(new URL('./fixtures/enqueue-and-wait.ts', import.meta.url));
let service: StylebotJobService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
  removeTempDirs();
});

/** Runs the child until a job of it reports progress, then kills it with SIGKILL. Returns the job id. */
function runChildAndKillMidJob(dataDir: string): Promise<{ jobId: string; iteration: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, dataDir, join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'), join(STYLES_DIR, 'starry_night.jpg'), MODEL_DIR],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`child made no progress:\n${out}\n${err}`))), 150_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^progress (\w+) ([2-9]|\d\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        child.once('exit', (_code, signal) => {
          expect(signal).toBe('SIGKILL');
          resolve({ jobId: m[1]!, iteration: Number(m[2]) });
        });
      }
    });
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') clearTimeout(timer), reject(new Error(`child exited (${code}) early:\n${out}\n${err}`));
    });
  });
}

test('a job interrupted by SIGKILL is re-run by the next service and delivered', async () => {
  const dataDir = tempDir();
  const { jobId } = await runChildAndKillMidJob(dataDir);
  const db = new Database(join(dataDir, 'stylebot.db'), { readonly: true });
  expect(db.prepare('SELECT state, attempts FROM jobs WHERE id = ?').get(jobId)).toEqual({ state: 'running', attempts: 1 });
  db.close();

  service = createJobService({ dataDir, modelDir: MODEL_DIR, workers: 1, progressThrottleMs: 0 });
  const log = new EventLog(service);
  await service.start();
  const final = await log.final(jobId, 170_000);
  if (final.event.type !== 'done') throw new Error(JSON.stringify(final.event));
  expect((await sharp(final.event.png).metadata()).format).toBe('png');
  expect(final.job).toMatchObject({ state: 'done', attempts: 2, reply: { channelId: 'c1', messageId: 'm1' } });
  expect(log.types(jobId).slice(0, 2)).toEqual(['queued', 'started']);
}, 180_000);

test('queued jobs survive a restart in order; a job interrupted 3 times is failed with the reason', async () => {
  const dataDir = tempDir();
  const first = fakeService({ dataDir, defaultQuota: { maxQueued: 5 } });
  const ids: string[] = [];
  for (const u of ['a', 'b', 'c']) {
    const r = await first.enqueue(user(u), {}, fakeInputs());
    if (r.ok) ids.push(r.job.id);
  }
  await first.close();
  const db = new Database(join(dataDir, 'stylebot.db'));
  db.prepare("UPDATE jobs SET state = 'running', attempts = 3 WHERE id = ?").run(ids[0]);
  db.close();

  service = fakeService({ dataDir });
  const log = new EventLog(service);
  await service.start();
  expect((await log.final(ids[0]!)).event).toEqual({
    type: 'failed',
    error: 'The job was interrupted 3 times (the bot restarted while it was painting), so it was given up.',
  });
  await log.final(ids[2]!);
  expect(log.events.filter((r) => r.event.type === 'started').map((r) => r.job.id)).toEqual([ids[1], ids[2]]);
});

// `stylebot worker` processes share the store with a front that runs no engine (STYLEBOT_WORKERS=0): a job runs
// on one worker at a time, and the job of a worker killed with SIGKILL runs again on another once its lease
// runs out (attempts 2); every job is delivered to the front exactly once.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import type { StylebotJobService } from '../../src/jobs/index.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { EventLog, FAKE_ENGINE, fakeInputs, fakeService, removeTempDirs, tempDir, user } from './helpers.js';

const children = new Set<ChildProcess>();
let front: StylebotJobService | undefined;
afterEach(async () => {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
  await front?.close();
  front = undefined;
  removeTempDirs();
});

/** Starts `stylebot worker` on dataDir with the fake engine; resolves once it takes jobs. */
function startWorker(dataDir: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), 'worker'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      STYLEBOT_DATA_DIR: dataDir,
      STYLEBOT_WORKERS: '1',
      STYLEBOT_WORKER_NAME: name,
      STYLEBOT_LEASE_S: '2',
      STYLEBOT_ENGINE_MODULE: FAKE_ENGINE,
      STYLEBOT_PROGRESS_MS: '100',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('taking jobs') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${err}`)));
  });
}

test('two workers and a front without engines: a killed worker’s job finishes on the other, attempts 2', async () => {
  const dataDir = tempDir();
  front = fakeService({ dataDir, workers: 0, recoverEveryMs: 200, pollMs: 100, outbox: { pollMs: 100 }, defaultQuota: { maxQueued: 10 } });
  const log = new EventLog(front);
  await front.start();
  const [a, b] = await Promise.all([startWorker(dataDir, 'gpu-a'), startWorker(dataDir, 'gpu-b')]);

  const ids: string[] = [];
  for (const u of ['u1', 'u2', 'u3', 'u4']) {
    const r = await front.enqueue(user(u), {}, fakeInputs('sleep:100', 30));
    if (!r.ok) throw new Error(r.message);
    ids.push(r.job.id);
  }
  // Wait until gpu-a paints something, then kill it.
  let victim: string | undefined;
  for (let i = 0; i < 200 && !victim; i++) {
    const running = (await front.queue()).filter((q) => q.job.state === 'running' && q.job.worker === 'gpu-a' && q.job.progress);
    victim = running[0]?.job.id;
    if (!victim) await new Promise((r) => setTimeout(r, 50));
  }
  expect(victim).toBeDefined();
  a.kill('SIGKILL');
  children.delete(a);

  const finals = await Promise.all(ids.map((id) => log.final(id, 60_000)));
  expect(finals.map((f) => f.event.type)).toEqual(['done', 'done', 'done', 'done']);
  await front.settled();
  for (const id of ids) expect(log.types(id).filter((t) => t === 'done')).toHaveLength(1);
  // The front relays what the workers paint: each job was shown started, with progress, before its result.
  for (const id of ids) {
    const types = log.types(id);
    expect(types.indexOf('started')).toBeGreaterThanOrEqual(0);
    expect(types.indexOf('progress')).toBeGreaterThan(types.indexOf('started'));
    expect(types.lastIndexOf('progress')).toBeLessThan(types.indexOf('done'));
  }
  const killed = (await front.get(victim!))!;
  expect(killed).toMatchObject({ state: 'done', attempts: 2, worker: 'gpu-b' });
  for (const id of ids.filter((id) => id !== victim)) expect((await front!.get(id))!.attempts).toBe(1);
  b.kill('SIGTERM');
}, 120_000);

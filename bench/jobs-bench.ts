// Job core benchmark: 200 queued jobs from 50 users on a fake engine that takes no time, so what is measured
// is the job core itself (quota checks, SQLite writes, fair-share ordering, worker messages, events).
// Reports milliseconds of scheduling overhead per job and checks that every job finished exactly once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createJobService } from '../src/jobs/index.js';
import type { JobInputs } from '../src/jobs/types.js';

const FAKE_ENGINE = fileURLToPath(new URL('../test/jobs/fixtures/fake-engine.ts', import.meta.url));
const PNG_1PX = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
);

export interface JobsBenchReport {
  jobs: number;
  users: number;
  workers: number;
  /** Mean time of enqueue() (checks + files + SQLite insert + ordering), ms. */
  enqueueMsPerJob: number;
  /** (wall time from first enqueue to last 'done' - engine time / workers) / jobs, ms. */
  overheadMsPerJob: number;
  totalMs: number;
  /** Every job got exactly one 'started' and one 'done', and is 'done' in the database. */
  exactlyOnce: boolean;
  problems: string[];
}

export async function runJobsBench(options: { jobs?: number; users?: number; workers?: number } = {}): Promise<JobsBenchReport> {
  const jobs = options.jobs ?? 200;
  const users = options.users ?? 50;
  const workers = options.workers ?? 2;
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-jobs-bench-'));
  const service = createJobService({
    dataDir,
    workers,
    engineModule: FAKE_ENGINE,
    progressThrottleMs: 0,
    defaultQuota: { maxQueued: jobs, jobsPerDay: jobs },
  });
  const started = new Map<string, number>();
  const done = new Map<string, number>();
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  service.onEvents('discord', (job, event) => {
    if (event.type === 'started') started.set(job.id, (started.get(job.id) ?? 0) + 1);
    if (event.type === 'done') {
      done.set(job.id, (done.get(job.id) ?? 0) + 1);
      if (done.size === jobs) allDone();
    }
  });
  const inputs: JobInputs = { content: PNG_1PX, styles: [{ image: PNG_1PX, weight: 1, name: 'sleep:0' }], options: { size: 64, iterations: 1 } };
  try {
    await service.start();
    // Let the workers load (tsx + engine module) before timing.
    const warm = await service.enqueue({ platform: 'cli', workspaceId: 'bench', userId: 'warmup' }, {}, inputs);
    if (warm.ok) {
      const warmDone = new Promise<void>((resolve) => {
        const off = service.onEvents('cli', (_job, event) => (event.type === 'done' ? (off(), resolve()) : undefined));
      });
      await warmDone;
    }
    const t0 = performance.now();
    let enqueueMs = 0;
    const ids: string[] = [];
    for (let i = 0; i < jobs; i++) {
      const e0 = performance.now();
      const r = await service.enqueue({ platform: 'discord', workspaceId: 'bench', userId: `user${i % users}` }, { i }, inputs);
      enqueueMs += performance.now() - e0;
      if (!r.ok) throw new Error(`enqueue refused: ${r.message}`);
      ids.push(r.job.id);
    }
    await finished;
    const totalMs = performance.now() - t0;
    const records = await Promise.all(ids.map((id) => service.get(id)));
    const engineMs = records.reduce((sum, job) => sum + (job?.gpuMs ?? 0), 0);
    const problems: string[] = [];
    for (const id of ids) {
      if (started.get(id) !== 1) problems.push(`${id} started ${started.get(id) ?? 0} times`);
      if (done.get(id) !== 1) problems.push(`${id} done ${done.get(id) ?? 0} times`);
      if ((await service.get(id))?.state !== 'done') problems.push(`${id} is ${(await service.get(id))?.state}`);
    }
    return {
      jobs,
      users,
      workers,
      enqueueMsPerJob: round(enqueueMs / jobs),
      overheadMsPerJob: round((totalMs - engineMs / workers) / jobs),
      totalMs: Math.round(totalMs),
      exactlyOnce: problems.length === 0 && new Set(ids).size === jobs,
      problems,
    };
  } finally {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 100) / 100;

export function formatJobsBench(r: JobsBenchReport): string {
  return [
    `Job core: ${r.jobs} jobs from ${r.users} users on ${r.workers} workers (fake engine, no painting time)`,
    `  enqueue: ${r.enqueueMsPerJob} ms per job; scheduling overhead: ${r.overheadMsPerJob} ms per job; total ${r.totalMs} ms`,
    `  every job finished exactly once: ${r.exactlyOnce ? 'yes' : `NO (${r.problems.slice(0, 5).join('; ')})`}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const report = await runJobsBench();
  console.log(formatJobsBench(report));
  process.exitCode = report.exactlyOnce ? 0 : 1;
}

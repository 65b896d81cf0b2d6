// Job core benchmark: 1000 jobs from 100 users on a fake engine that takes no time, so what is measured is the
// job core itself (admission transactions, blobs, fair-share ordering, leases, engine messages, the outbox).
// Reports jobs per second, enqueue-to-start latency (p50, p99) and checks that every job ran and was delivered
// exactly once. Engines run in the front's own process (embedded) or in `stylebot worker` processes sharing
// the store; the same code measures SQLite here and PostgreSQL when a store is given (makeStore).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Store } from '../src/jobs/ports.js';
import { createJobService } from '../src/app/compose.js';
import type { JobInputs } from '../src/jobs/types.js';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FAKE_ENGINE = fileURLToPath(new URL('../test/jobs/fixtures/fake-engine.ts', import.meta.url));
const PNG_1PX = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
);

export interface JobsBenchOptions {
  jobs?: number;
  users?: number;
  /** Engines in the front's own process (0 with workerProcesses). Default 2. */
  workers?: number;
  /** `stylebot worker` processes with one engine each, sharing the store. Default 0. */
  workerProcesses?: number;
  /** Label of the store in the report. Default "SQLite". */
  storeName?: string;
  /** A store other than SQLite in a temp folder (e.g. PostgreSQL); workers get env to reach it. */
  makeStore?: () => Promise<Store>;
  workerEnv?: Record<string, string>;
}

export interface JobsBenchReport {
  store: string;
  jobs: number;
  users: number;
  workers: number;
  workerProcesses: number;
  /** Jobs finished per second, from the first enqueue to the last result stored. */
  jobsPerSecond: number;
  /** Enqueue-to-start (lease) latency of the jobs, ms. All jobs are enqueued at once, so it includes waiting. */
  startLatencyMs: { p50: number; p99: number };
  /** Mean time of enqueue() (validation, admission transaction, positions), ms. */
  enqueueMsPerJob: number;
  totalMs: number;
  /** Every job is done with one attempt and its 'done' reached the listener once. */
  exactlyOnce: boolean;
  problems: string[];
}

function startWorker(dataDir: string, name: string, env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli.ts'), 'worker'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      STYLEBOT_DATA_DIR: dataDir,
      STYLEBOT_WORKERS: '1',
      STYLEBOT_WORKER_NAME: name,
      STYLEBOT_ENGINE_MODULE: FAKE_ENGINE,
      STYLEBOT_PROGRESS_MS: '1000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('taking jobs') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker ${name} exited (${code})`)));
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

export async function runJobsBench(options: JobsBenchOptions = {}): Promise<JobsBenchReport> {
  const jobs = options.jobs ?? 1000;
  const users = options.users ?? 100;
  const workerProcesses = options.workerProcesses ?? 0;
  const workers = options.workers ?? (workerProcesses ? 0 : 2);
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-jobs-bench-'));
  const service = createJobService({
    dataDir,
    store: options.makeStore ? await options.makeStore() : undefined,
    workers,
    engineModule: FAKE_ENGINE,
    progressThrottleMs: 1000,
    pollMs: 50,
    outbox: { pollMs: 50 },
    defaultQuota: { maxQueued: jobs, jobsPerDay: jobs },
    log: (m) => console.error(`[jobs] ${m}`),
  });
  const done = new Map<string, number>();
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  service.onEvents('discord', (job, event) => {
    if (event.type !== 'done') return;
    done.set(job.id, (done.get(job.id) ?? 0) + 1);
    if (done.size === jobs) allDone();
  });
  const children: ChildProcess[] = [];
  const inputs: JobInputs = {
    content: PNG_1PX,
    styles: [{ image: PNG_1PX, weight: 1, name: 'sleep:0' }],
    options: { size: 64, iterations: 1 },
  };
  try {
    await service.start();
    for (let i = 0; i < workerProcesses; i++) children.push(await startWorker(dataDir, `bench-${i}`, options.workerEnv ?? {}));
    // Let the engines load (tsx + engine module) before timing.
    const warm = await service.enqueue({ platform: 'cli', workspaceId: 'bench', userId: 'warmup' }, {}, inputs);
    if (!warm.ok) throw new Error(warm.message);
    while ((await service.get(warm.job.id))?.state !== 'done') await new Promise((r) => setTimeout(r, 20));

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
    const records = (await Promise.all(ids.map((id) => service.get(id)))).filter((j) => j !== undefined);
    const problems: string[] = [];
    for (const id of ids) if (done.get(id) !== 1) problems.push(`${id} delivered ${done.get(id) ?? 0} times`);
    for (const j of records)
      if (j.state !== 'done' || j.attempts !== 1) problems.push(`${j.id} is ${j.state} after ${j.attempts} attempts`);
    const latencies = records.map((j) => (j.startedAt ?? NaN) - j.createdAt).sort((a, b) => a - b);
    const first = Math.min(...records.map((j) => j.createdAt));
    const last = Math.max(...records.map((j) => j.finishedAt ?? NaN));
    return {
      store: options.storeName ?? 'SQLite',
      jobs,
      users,
      workers,
      workerProcesses,
      jobsPerSecond: round((jobs / (last - first)) * 1000),
      startLatencyMs: { p50: Math.round(percentile(latencies, 50)), p99: Math.round(percentile(latencies, 99)) },
      enqueueMsPerJob: round(enqueueMs / jobs),
      totalMs: Math.round(totalMs),
      exactlyOnce: problems.length === 0 && records.length === jobs && new Set(ids).size === jobs,
      problems,
    };
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const round = (x: number) => Math.round(x * 10) / 10;

export function formatJobsBench(reports: JobsBenchReport | JobsBenchReport[]): string {
  const rows = Array.isArray(reports) ? reports : [reports];
  const first = rows[0]!;
  return [
    `Job core: ${first.jobs} jobs from ${first.users} users at once, fake engine (no painting time)`,
    '| store | engines | jobs/s | start latency p50 | p99 | enqueue ms/job | exactly once |',
    '|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.store} | ${r.workerProcesses ? `${r.workerProcesses} worker process${r.workerProcesses > 1 ? 'es' : ''}` : `${r.workers} in the front`} | ${r.jobsPerSecond} | ` +
        `${r.startLatencyMs.p50} ms | ${r.startLatencyMs.p99} ms | ${r.enqueueMsPerJob} | ${r.exactlyOnce ? 'yes' : `NO (${r.problems.slice(0, 3).join('; ')})`} |`,
    ),
  ].join('\n');
}

/** The SQLite rows of `npm run bench`: engines in the front, then 1 and 2 worker processes on the same file. */
export async function runJobsBenchSuite(): Promise<JobsBenchReport[]> {
  const reports = [await runJobsBench({ workers: 2 })];
  for (const workerProcesses of [1, 2]) reports.push(await runJobsBench({ workerProcesses }));
  return reports;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 1000);
  const reports = [];
  for (const config of [{ workers: 2 }, { workerProcesses: 1 }, { workerProcesses: 2 }]) {
    reports.push(await runJobsBench({ jobs: n, ...config }));
    console.error(formatJobsBench(reports.at(-1)!));
  }
  console.log(formatJobsBench(reports));
  process.exitCode = reports.every((r) => r.exactlyOnce) ? 0 : 1;
}

// Jobs benchmark on PostgreSQL: one front (this process: intake, positions, outbox) and 1, 2, 4 `stylebot worker`
// processes (one engine each: the fake engine of the scheduling tests, no painting time) on one database. For each count:
// 1000 jobs from 100 users (each sending 10, one after another, all users at once); jobs per second from the first acceptance to the last finish;
// enqueue-to-start p50/p99 of that burst (mostly time spent waiting behind the backlog) and of single jobs sent
// to idle workers (the dispatch latency itself); and a check that every job ran and was delivered exactly once.
// The server is a throwaway cluster with PostgreSQL's durable defaults (fsync on), or STYLEBOT_BENCH_DATABASE_URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { openPostgresStore } from '../db/postgres/index.js';
import { createJobService } from '../src/app/compose.js';
import type { JobInputs } from '../src/jobs/types.js';
import { startTestCluster, type TestCluster } from '../test/db/postgres-cluster.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const FAKE_ENGINE = fileURLToPath(new URL('../test/jobs/fixtures/fake-engine.ts', import.meta.url));
/** tsx's loader inside the worker's own node process (the tsx CLI would put a second process between us and it). */
const TSX_LOADER = import.meta.resolve('tsx');
const PNG_1PX = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64'),
);
const INPUTS: JobInputs = {
  content: PNG_1PX,
  styles: [{ image: PNG_1PX, weight: 1, name: 'sleep:0' }],
  options: { size: 64, iterations: 1 },
};

export interface PgJobsRow {
  workers: number;
  jobs: number;
  users: number;
  jobsPerSecond: number;
  /** Enqueue to lease, over the 1000-job burst (ms). */
  burstStartP50: number;
  burstStartP99: number;
  /** Enqueue to lease of single jobs sent one at a time to idle workers (ms). */
  idleStartP50: number;
  idleStartP99: number;
  /** Jobs accepted per second by the front (quota check + insert with blobs, one transaction each; users at once). */
  enqueuePerSecond: number;
  exactlyOnce: boolean;
  problems: string[];
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A `stylebot worker` process with one engine: the fake one (STYLEBOT_ENGINE_MODULE). */
function startWorker(url: string, name: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, CLI, 'worker'], {
    env: {
      ...process.env,
      STYLEBOT_DATABASE_URL: url,
      STYLEBOT_WORKERS: '1',
      STYLEBOT_WORKER_NAME: name,
      STYLEBOT_ENGINE_MODULE: FAKE_ENGINE,
      STYLEBOT_PROGRESS_MS: '1000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('taking jobs')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code}`)));
  });
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** One row of the table: `workers` worker processes, `jobs` jobs from `users` users. */
export async function runPostgresRow(adminUrl: string, workers: number, jobs = 1000, users = 100): Promise<PgJobsRow> {
  const url = await createDatabase(adminUrl, `stylebot_bench_${workers}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-pg-bench-'));
  const store = await openPostgresStore(url, { role: 'bench front', shownAs: url });
  const front = createJobService({
    dataDir,
    store,
    workers: 0,
    workerName: 'bench-front',
    defaultQuota: { maxQueued: jobs, jobsPerDay: jobs * 2 },
    log: (m) => console.error(`[front] ${m}`),
  });
  const done = new Map<string, number>();
  let waiting: { count: number; resolve: () => void } | undefined;
  front.onEvents('discord', (job, event) => {
    if (event.type !== 'done') return;
    done.set(job.id, (done.get(job.id) ?? 0) + 1);
    if (waiting && done.size >= waiting.count) waiting.resolve();
  });
  const allDone = (count: number) => new Promise<void>((resolve) => (done.size >= count ? resolve() : (waiting = { count, resolve })));
  const children: ChildProcess[] = [];
  const db = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await front.start();
    children.push(...(await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(url, `bench-w${i + 1}`)))));
    // Warm-up: every worker loads its engine thread before timing.
    for (let i = 0; i < workers * 2; i++)
      await front.enqueue({ platform: 'discord', workspaceId: 'bench', userId: `warm${i}` }, {}, INPUTS);
    await allDone(workers * 2);
    const warm = new Set(done.keys());

    // Every user sends their share of the requests one after another, all users at once, as chat commands come.
    const t0 = performance.now();
    const ids: string[] = [];
    await Promise.all(
      Array.from({ length: users }, async (_, u) => {
        for (let i = u; i < jobs; i += users) {
          const r = await front.enqueue({ platform: 'discord', workspaceId: 'bench', userId: `user${u}` }, { i }, INPUTS);
          if (!r.ok) throw new Error(`enqueue refused: ${r.message}`);
          ids.push(r.job.id);
        }
      }),
    );
    const enqueueSeconds = (performance.now() - t0) / 1000;
    await allDone(warm.size + jobs);
    const burst = (
      await db.query<{ id: string; created_at: number; started_at: number; finished_at: number; attempts: number; state: string }>(
        'SELECT id, created_at::float8, started_at::float8, finished_at::float8, attempts, state FROM jobs WHERE id = ANY($1)',
        [ids],
      )
    ).rows;
    const first = Math.min(...burst.map((r) => r.created_at));
    const last = Math.max(...burst.map((r) => r.finished_at));
    const burstStart = burst.map((r) => r.started_at - r.created_at);

    // Idle dispatch: one job at a time, the next only after the previous one finished.
    const idle: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await front.enqueue({ platform: 'discord', workspaceId: 'bench', userId: `idle${i}` }, {}, INPUTS);
      if (!r.ok) throw new Error(r.message);
      await allDone(warm.size + jobs + i + 1);
      const [row] = (
        await db.query<{ s: number; c: number }>('SELECT started_at::float8 AS s, created_at::float8 AS c FROM jobs WHERE id = $1', [
          r.job.id,
        ])
      ).rows;
      idle.push(row!.s - row!.c);
      await sleep(20);
    }

    const problems: string[] = [];
    const deliveries = new Map(
      (
        await db.query<{ job_id: string; n: number }>(
          "SELECT job_id, COUNT(*)::int AS n FROM outbox WHERE state = 'delivered' GROUP BY job_id",
        )
      ).rows.map((r) => [r.job_id, r.n]),
    );
    for (const r of burst) {
      if (r.state !== 'done') problems.push(`${r.id} is ${r.state}`);
      if (r.attempts !== 1) problems.push(`${r.id} ran ${r.attempts} times`);
      if (done.get(r.id) !== 1) problems.push(`${r.id} was delivered ${done.get(r.id) ?? 0} times to the front`);
      if (deliveries.get(r.id) !== 1) problems.push(`${r.id} has ${deliveries.get(r.id) ?? 0} delivered outbox rows`);
    }
    if (burst.length !== jobs || new Set(ids).size !== jobs) problems.push(`${burst.length} rows for ${jobs} jobs`);
    return {
      workers,
      jobs,
      users,
      jobsPerSecond: round((jobs / (last - first)) * 1000),
      burstStartP50: Math.round(percentile(burstStart, 50)),
      burstStartP99: Math.round(percentile(burstStart, 99)),
      idleStartP50: Math.round(percentile(idle, 50)),
      idleStartP99: Math.round(percentile(idle, 99)),
      enqueuePerSecond: round(jobs / enqueueSeconds),
      exactlyOnce: problems.length === 0,
      problems,
    };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await front.close();
    await db.end();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runPostgresJobsBench(options: { workers?: number[]; jobs?: number; users?: number } = {}): Promise<PgJobsRow[]> {
  let cluster: TestCluster | undefined;
  const given = process.env.STYLEBOT_BENCH_DATABASE_URL?.trim();
  const adminUrl = given || (cluster = await startTestCluster({ durable: true })).url;
  const stopOnSignal = () => {
    cluster?.stop();
    process.exit(130);
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const rows: PgJobsRow[] = [];
    for (const n of options.workers ?? [1, 2, 4]) rows.push(await runPostgresRow(adminUrl, n, options.jobs, options.users));
    return rows;
  } finally {
    process.off('SIGINT', stopOnSignal);
    process.off('SIGTERM', stopOnSignal);
    cluster?.stop();
  }
}

export function formatPostgresJobsBench(rows: PgJobsRow[]): string {
  const lines = [
    `Jobs on PostgreSQL: ${rows[0]?.jobs} jobs from ${rows[0]?.users} users, fake engine (no painting time), one front, fsync on`,
    '  worker processes | jobs/s | burst enqueue-to-start p50 / p99 | idle enqueue-to-start p50 / p99 | accepted/s | exactly once',
  ];
  for (const r of rows) {
    lines.push(
      `  ${String(r.workers).padStart(16)} | ${String(r.jobsPerSecond).padStart(6)} | ${`${r.burstStartP50} / ${r.burstStartP99} ms`.padStart(32)} | ${`${r.idleStartP50} / ${r.idleStartP99} ms`.padStart(31)} | ${String(r.enqueuePerSecond).padStart(10)} | ${r.exactlyOnce ? 'yes' : `NO: ${r.problems.slice(0, 3).join('; ')}`}`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const workers = process.argv[2] ? process.argv[2].split(',').map(Number) : undefined;
  const rows = await runPostgresJobsBench({ workers });
  console.log(formatPostgresJobsBench(rows));
  process.exitCode = rows.every((r) => r.exactlyOnce) ? 0 : 1;
}

// Scale-out end to end: one front (`stylebot serve`, no engine, the real discord.js client against the local
// Discord stand-in) and two engine processes (`stylebot worker`, real VGG-19 at 64 px) on one PostgreSQL server.
// Four jobs; the worker painting the first one is killed with SIGKILL, and in a second run the front is killed
// and started again while jobs paint. Every job must end done exactly once: one row state, one delivery, one
// "Done" message in Discord; the interrupted job finished by the other worker on its second attempt.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from 'vitest';
import { FakeDiscordServer, type FakeUser, type RecordedCall, type SentInteraction } from '../fakes/discord-server.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../db/postgres-helpers.js';
import { CONTENT_DIR, MODEL_DIR, REPO_ROOT, STYLES_DIR } from '../helpers/shared.js';

/** One child process of the deployment, with its output kept for failure messages. */
class Proc {
  output = '';
  readonly child: ChildProcess;
  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    cwd: string,
  ) {
    this.child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'stylebot.js'), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (c) => (this.output += c));
    this.child.stderr!.on('data', (c) => (this.output += c));
  }
  async waitFor(pattern: RegExp, timeoutMs = 90_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(this.output)) {
      if (Date.now() > until || this.child.exitCode !== null) throw new Error(`${this.name} did not print ${pattern}:\n${this.output}`);
      await sleep(50);
    }
  }
  kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    return exited;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const USERS: FakeUser[] = [1, 2, 3, 4].map((i) => ({ id: `30${i}`, username: `painter${i}` }));

interface JobRow {
  id: string;
  seq: number;
  state: string;
  worker: string | null;
  attempts: number;
  progress: { iteration: number } | null;
  reply: { interactionToken?: string; token?: string } & Record<string, unknown>;
}

describePostgres('a front and two workers on one PostgreSQL', () => {
  let discord: FakeDiscordServer;
  let database: TestDatabase;
  let db: pg.Pool;
  let dataDir: string;
  const procs: Proc[] = [];
  let photo: Buffer;
  let painting: Buffer;

  beforeAll(() => {
    photo = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
    painting = readFileSync(join(STYLES_DIR, 'starry_night.jpg'));
  });
  beforeEach(async () => {
    discord = await FakeDiscordServer.start();
    database = await createTestDatabase();
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    dataDir = mkdtempSync(join(tmpdir(), 'stylebot-scale-'));
  });
  afterEach(async () => {
    await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
    await db.end();
    await database.drop();
    await discord.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  afterAll(() => undefined);

  const baseEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    STYLEBOT_DATABASE_URL: database.url,
    STYLEBOT_DATA_DIR: dataDir,
    STYLEBOT_MODEL_DIR: MODEL_DIR,
    STYLEBOT_BACKEND: 'wasm',
    STYLEBOT_CALIBRATE: 'off',
    STYLEBOT_PROGRESS_MS: '200',
    STYLEBOT_LEASE_S: '3',
    STYLEBOT_DEFAULT_SIZE: '64',
    STYLEBOT_DEFAULT_ITERATIONS: '12',
  });

  async function startFront(): Promise<Proc> {
    const front = new Proc(
      'front',
      ['serve'],
      {
        ...baseEnv(),
        DISCORD_TOKEN: 'scale-test-token',
        DISCORD_APP_ID: discord.applicationId,
        DISCORD_API_BASE: discord.apiBase,
        STYLEBOT_WORKERS: '0',
        STYLEBOT_FRONT_NAME: 'front-1',
      },
      dataDir,
    );
    procs.push(front);
    await front.waitFor(/Discord bot connected/);
    return front;
  }

  async function startWorker(name: string): Promise<Proc> {
    const worker = new Proc(name, ['worker'], { ...baseEnv(), STYLEBOT_WORKERS: '1', STYLEBOT_WORKER_NAME: name }, dataDir);
    procs.push(worker);
    await worker.waitFor(/taking jobs from the store/);
    return worker;
  }

  async function jobs(): Promise<JobRow[]> {
    return (await db.query<JobRow>('SELECT id, seq, state, worker, attempts, progress, reply FROM jobs ORDER BY seq')).rows;
  }

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 150_000): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > end) {
        throw new Error(
          `timed out waiting for ${what}; jobs: ${JSON.stringify(await jobs())}\n${procs.map((p) => `--- ${p.name}\n${p.output.slice(-3000)}`).join('\n')}`,
        );
      }
      await sleep(100);
    }
  }

  /** Four /stylize commands from four users, the first one with more iterations so it is still painting when killed. */
  async function submitFour(): Promise<SentInteraction[]> {
    const sent: SentInteraction[] = [];
    for (const [i, user] of USERS.entries()) {
      sent.push(
        discord.slashCommand({
          name: 'stylize',
          options: { iterations: i === 0 ? 40 : 12, size: 64, seed: i + 1 },
          attachments: {
            content: { name: 'tuebingen.jpg', data: photo, contentType: 'image/jpeg' },
            style: { name: 'starry_night.jpg', data: painting, contentType: 'image/jpeg' },
          },
          user,
        }),
      );
      // Accepted in this order: the first job is the first to be leased.
      await until(`job ${i + 1} accepted`, async () => (await jobs()).length === i + 1);
    }
    return sent;
  }

  /** Every job done once: state, one delivered outbox row, and one "Done" message per interaction. */
  async function expectEachDoneOnce(sent: SentInteraction[]): Promise<JobRow[]> {
    const rows = await until('all four jobs done', async () => {
      const r = await jobs();
      return r.length === 4 && r.every((j) => j.state === 'done') && r;
    });
    const deliveries = await until('all four deliveries delivered', async () => {
      const d = (await db.query<{ job_id: string; state: string; kind: string }>('SELECT job_id, state, kind FROM outbox')).rows;
      return d.length === 4 && d.every((x) => x.state === 'delivered') && d;
    });
    expect(deliveries.map((d) => d.kind)).toEqual(['done', 'done', 'done', 'done']);
    for (const interaction of sent) {
      const original = `/webhooks/${discord.applicationId}/${interaction.token}/messages/@original`;
      await discord.waitFor((c: RecordedCall) => c.path === original && c.files.length > 0 && /Done/.test(String(c.json?.content ?? '')), {
        what: `the result of ${interaction.token}`,
        timeoutMs: 60_000,
      });
    }
    await sleep(1_500); // a duplicate delivery would arrive within the outbox's poll interval
    for (const interaction of sent) {
      const finals = discord.repliesTo(interaction.token).filter((c) => c.files.length > 0 && /Done/.test(String(c.json?.content ?? '')));
      expect(finals, `"Done" messages for ${interaction.token}`).toHaveLength(1);
    }
    return rows;
  }

  test('the worker painting the first job is killed with SIGKILL: the other worker finishes it on attempt 2', async () => {
    await startFront();
    const workers = [await startWorker('gpu-a'), await startWorker('gpu-b')];
    const sent = await submitFour();
    const first = await until('the first job painting', async () => {
      const [j] = await jobs();
      return j && j.state === 'running' && (j.progress?.iteration ?? 0) >= 1 && j;
    });
    const victim = workers.find((w) => w.name === first.worker)!;
    const survivor = workers.find((w) => w !== victim)!;
    await victim.kill('SIGKILL');

    const rows = await expectEachDoneOnce(sent);
    const again = rows.find((r) => r.id === first.id)!;
    expect(again).toMatchObject({ state: 'done', attempts: 2, worker: survivor.name });
    for (const r of rows.filter((r) => r.id !== first.id)) expect(r.attempts, `attempts of ${r.id}`).toBe(1);
    // The progress of a job painted on the other host reached the front's status message.
    const progressEdits = discord.repliesTo(sent[1]!.token).filter((c) => /[▓░]/.test(String(c.json?.content ?? '')));
    expect(progressEdits.length).toBeGreaterThan(0);
  });

  test('the front is killed with SIGKILL while jobs paint and started again: each result still arrives once', async () => {
    let front = await startFront();
    await startWorker('gpu-a');
    await startWorker('gpu-b');
    const sent = await submitFour();
    await until('two jobs painting', async () => (await jobs()).filter((j) => j.state === 'running').length === 2);
    await front.kill('SIGKILL');
    procs.splice(procs.indexOf(front), 1);
    // Jobs go on without it; some finish while no front is there to deliver them.
    await until('a job done while the front is down', async () => (await jobs()).some((j) => j.state === 'done'));
    front = await startFront();
    const rows = await expectEachDoneOnce(sent);
    for (const r of rows) expect(r.attempts, `attempts of ${r.id}`).toBe(1);
  });
});

// `stylebot serve` as a user runs it: one child process with Discord and Slack credentials pointed at the local
// stand-ins, both bots sharing one job service. A job from each platform completes, both land in one database,
// and SIGTERM stops the process cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscordServer, type FakeUser, type RecordedCall } from '../fakes/discord-server.js';
import { FakeSlack } from '../fakes/slack-server.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR, REPO_ROOT } from '../helpers/shared.js';

const ALICE: FakeUser = { id: '2001', username: 'alice' };
const SLACK_BOT_TOKEN = 'xoxb-serve-test';
const SLACK_APP_TOKEN = 'xapp-serve-test';

let discord: FakeDiscordServer;
let slack: FakeSlack;
let dataDir: string;
let child: ChildProcess;
let output = '';

function waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (pattern.test(output)) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > timeoutMs || child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`serve did not print ${pattern}; it printed:\n${output}`));
      }
    }, 50);
  });
}

beforeAll(async () => {
  discord = await FakeDiscordServer.start();
  slack = await FakeSlack.start({ botToken: SLACK_BOT_TOKEN, appToken: SLACK_APP_TOKEN, botUserId: 'UBOT', teamId: 'T1' });
  slack.addUser({ id: 'UALICE', name: 'alice' });
  dataDir = mkdtempSync(join(tmpdir(), 'stylebot-serve-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DISCORD_TOKEN: 'serve-test-token',
    DISCORD_APP_ID: discord.applicationId,
    DISCORD_API_BASE: discord.apiBase,
    SLACK_BOT_TOKEN,
    SLACK_APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    STYLEBOT_DATA_DIR: dataDir,
    STYLEBOT_MODEL_DIR: MODEL_DIR,
    STYLEBOT_ARTISTS_DIR: ARTISTS_DIR,
    STYLEBOT_BACKEND: 'wasm',
    STYLEBOT_WORKERS: '1',
    STYLEBOT_CALIBRATE: 'off',
    STYLEBOT_PROGRESS_MS: '200',
    STYLEBOT_DEFAULT_SIZE: '64',
    STYLEBOT_DEFAULT_ITERATIONS: '4',
    STYLEBOT_WEB_PORT: '0',
  };
  child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'stylebot.js'), 'serve'], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  await waitForOutput(/Discord bot connected/);
  await waitForOutput(/Slack bot connected \(Socket Mode\)/);
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await discord?.close();
  await slack?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('stylebot serve', () => {
  it('runs both bots on one queue and stops cleanly on SIGTERM', async () => {
    const content = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
    const sent = discord.slashCommand({
      name: 'stylize',
      options: { artist: 'Hokusai', seed: 5 },
      attachments: { content: { name: 'tuebingen.jpg', data: content, contentType: 'image/jpeg' } },
      user: ALICE,
    });
    await slack.waitForSockets(1);
    await slack.sendSocket('events_api', slack.mention({ user: 'UALICE', text: '<@UBOT> artist monet texture seed 3' }));

    const original = `/webhooks/${discord.applicationId}/${sent.token}/messages/@original`;
    const done = await discord.waitFor(
      (c: RecordedCall) => c.method === 'PATCH' && c.path === original && String(c.json?.content ?? '').includes('Done'),
      { what: 'the Discord result', timeoutMs: 150_000 },
    );
    expect((await sharp(done.files[0]!.data).metadata()).format).toBe('png');
    const upload = await slack.waitForCall((c) => c.method === 'files.completeUploadExternal', { timeoutMs: 150_000 });
    expect(upload.args.thread_ts ?? upload.args.channel_id).toBeTruthy();

    const db = new Database(join(dataDir, 'stylebot.db'), { readonly: true });
    const rows = db.prepare('SELECT platform, state FROM jobs ORDER BY platform').all() as { platform: string; state: string }[];
    db.close();
    expect(rows).toEqual([
      { platform: 'discord', state: 'done' },
      { platform: 'slack', state: 'done' },
    ]);

    // The studio runs beside the bots on the same job service: it lists both jobs and reports both connections up.
    const studio = /Stylebot Studio: (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
    expect(await (await fetch(`${studio}/readyz`)).json()).toEqual({
      ok: true,
      connections: [
        { name: 'discord', ready: true },
        { name: 'slack', ready: true },
      ],
    });
    const listed = (await (await fetch(`${studio}/api/admin/jobs`)).json()) as { jobs: { owner: { platform: string } }[] };
    expect(listed.jobs.map((j) => j.owner.platform).sort()).toEqual(['discord', 'slack']);

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toMatch(/SIGTERM: stopping/);
  });
});

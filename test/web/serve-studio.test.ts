// `npm start` as a new user runs it: no chat credentials, so the studio runs alone and prints its address; and
// without weights on a machine that cannot download them, one message that says what to do.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ARTISTS_DIR, MODEL_DIR, REPO_ROOT } from '../helpers/shared.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];

/** This process's environment without chat credentials or Stylebot settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(DISCORD_|SLACK_|STYLEBOT_)/.test(key)));
}

function serve(env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exited: Promise<number | null>; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-serve-studio-'));
  dirs.push(dataDir);
  const clean = cleanEnv();
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'stylebot.js'), 'serve'], {
    cwd: dataDir,
    env: {
      ...clean,
      STYLEBOT_DATA_DIR: dataDir,
      STYLEBOT_WEB_PORT: '0',
      STYLEBOT_BACKEND: 'wasm',
      STYLEBOT_WORKERS: '1',
      STYLEBOT_CALIBRATE: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited, dataDir };
}

async function waitFor(output: () => string, pattern: RegExp, timeoutMs = 90_000): Promise<RegExpExecArray> {
  const started = Date.now();
  for (;;) {
    const match = pattern.exec(output());
    if (match) return match;
    if (Date.now() - started > timeoutMs) throw new Error(`no ${pattern} in:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('stylebot serve without chat credentials', () => {
  it('serves the studio, prints its address, is healthy, and stops on SIGTERM', async () => {
    const run = serve({ STYLEBOT_MODEL_DIR: MODEL_DIR, STYLEBOT_ARTISTS_DIR: ARTISTS_DIR });
    const [, url] = await waitFor(run.output, /Stylebot Studio: (http:\/\/127\.0\.0\.1:\d+)/);
    expect(run.output()).toMatch(/the studio runs alone/);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Stylebot Studio</title>');
    const script = await fetch(`${url}/app.js`);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
    let health: Response | undefined;
    for (let i = 0; i < 100; i++) {
      health = await fetch(`${url}/healthz`);
      if (health.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 200)); // the engine worker is still loading
    }
    expect(await health!.json()).toMatchObject({ ok: true, database: { writable: true } });
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('a first start measures this machine before choosing the default size, and the next start does not', async () => {
    const first = serve({
      STYLEBOT_MODEL_DIR: MODEL_DIR,
      STYLEBOT_ARTISTS_DIR: ARTISTS_DIR,
      STYLEBOT_BACKEND: 'onnxruntime',
      STYLEBOT_CALIBRATE: 'auto',
    });
    await waitFor(first.output, /First start on this machine: measuring/);
    await waitFor(first.output, /Default picture on onnxruntime: \d+ px .*priced with this machine's measurements/, 180_000);
    const book = JSON.parse(readFileSync(join(first.dataDir, 'engine-costs.json'), 'utf8')) as {
      machines: Record<string, { pixels: number; ms: number }[]>;
    };
    const [key, samples] = Object.entries(book.machines)[0]!;
    expect(key).toMatch(/^onnxruntime/);
    expect(new Set(samples.map((s) => s.pixels)).size).toBeGreaterThanOrEqual(3);
    first.child.kill('SIGKILL');
    await first.exited;
    const again = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'stylebot.js'), 'serve'], {
      cwd: first.dataDir,
      env: {
        ...cleanEnv(),
        STYLEBOT_DATA_DIR: first.dataDir,
        STYLEBOT_WEB_PORT: '0',
        STYLEBOT_BACKEND: 'onnxruntime',
        STYLEBOT_WORKERS: '1',
        STYLEBOT_MODEL_DIR: MODEL_DIR,
        STYLEBOT_ARTISTS_DIR: ARTISTS_DIR,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(again);
    let output = '';
    again.stdout!.on('data', (chunk) => (output += chunk));
    again.stderr!.on('data', (chunk) => (output += chunk));
    await waitFor(() => output, /Default picture on onnxruntime: .*priced with this machine's measurements/);
    expect(output).not.toMatch(/First start on this machine/);
    again.kill('SIGTERM');
  }, 300_000);

  it('without weights and without a network, says how to get them, models convert included', async () => {
    const server: Server = createServer((_request, response) => {
      response.statusCode = 503;
      response.end('offline');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const empty = mkdtempSync(join(tmpdir(), 'stylebot-no-weights-'));
    dirs.push(empty);
    try {
      const run = serve({
        STYLEBOT_MODEL_DIR: join(empty, 'vgg19'),
        STYLEBOT_WEIGHTS_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vgg19.h5`,
      });
      expect(await run.exited).toBe(1);
      const output = run.output();
      expect(output).toMatch(/No VGG-19 weights in .*: downloading them once/);
      expect(output).toMatch(/Could not get the VGG-19 weights/);
      expect(output).toMatch(/npx stylebot models convert vgg19_weights_tf_dim_ordering_tf_kernels_notop\.h5/);
      expect(output).not.toMatch(/Stylebot Studio: http/);
    } finally {
      server.close();
    }
  });
});

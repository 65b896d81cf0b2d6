// `npm start` as an operator's process manager runs it: a SIGTERM to npm's own process must reach the server, which
// drains and closes its port; its lines are all pino JSON (npm used to exit and leave the server running, /healthz still answering).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MODEL_DIR, REPO_ROOT } from '../helpers/shared.js';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const answers = async (url: string) => {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
};

const dataDir = mkdtempSync(join(tmpdir(), 'stylebot-npm-start-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start', () => {
  it('passes SIGTERM to the server, which stops and closes its port', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start', '--silent'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        STYLEBOT_WEB_PORT: String(port),
        STYLEBOT_DATA_DIR: dataDir,
        STYLEBOT_MODEL_DIR: MODEL_DIR,
        STYLEBOT_ARTISTS_DIR: join(dataDir, 'artists'),
        STYLEBOT_BACKEND: 'wasm',
        STYLEBOT_WORKERS: '1',
        STYLEBOT_DEFAULT_SIZE: '64',
        STYLEBOT_DEFAULT_ITERATIONS: '4',
        STYLEBOT_LOG_FORMAT: 'json',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    try {
      const healthz = `http://127.0.0.1:${port}/healthz`;
      const started = Date.now();
      while (!(await answers(healthz))) {
        if (Date.now() - started > 90_000 || child.exitCode !== null) throw new Error(`npm start did not serve; it printed:\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      await exited;
      const stopped = Date.now();
      while (await answers(healthz)) {
        if (Date.now() - stopped > 30_000) throw new Error(`the server still answers 30 s after npm exited:\n${output}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(output).toMatch(/SIGTERM/);
      // Every line, start-up lines included, is a pino record.
      const lines = output.split('\n').filter((line) => line.trim());
      expect(lines.length).toBeGreaterThan(2);
      for (const line of lines)
        expect(JSON.parse(line), line).toMatchObject({ name: 'stylebot', level: expect.any(Number), msg: expect.any(String) });
      expect(lines.map((line) => JSON.parse(line).msg).join('\n')).toMatch(/Stylebot Studio: http:\/\/127\.0\.0\.1:\d+/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 150_000);
});

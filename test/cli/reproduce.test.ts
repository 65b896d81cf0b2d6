import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSettings } from '../../src/reproduce/settings.js';
import { CONTENT_DIR, MODEL_DIR, REPO_ROOT, STYLES_DIR } from '../helpers/shared.js';

const BIN = join(REPO_ROOT, 'bin', 'stylebot.js');
const CONTENT = join(CONTENT_DIR, 'tuebingen_neckarfront.jpg');
const STYLE = join(STYLES_DIR, 'starry_night.jpg');
const work = mkdtempSync(join(tmpdir(), 'stylebot-from-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stylebot(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, STYLEBOT_MODEL_DIR: MODEL_DIR } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('stylebot stylize --from', () => {
  it('a result PNG carries its settings, and --from paints the same bytes again (real VGG-19, 40 px)', async () => {
    const first = join(work, 'first.png');
    const again = join(work, 'again.png');
    const one = await stylebot([
      'stylize',
      CONTENT,
      STYLE,
      '-o',
      first,
      '--size',
      '40',
      '--iterations',
      '3',
      '--seed',
      '11',
      '--style-strength',
      '3',
      '--backend',
      'wasm',
    ]);
    expect(one.stderr).not.toMatch(/stylebot stylize:/);
    expect(one.code).toBe(0);
    const settings = readSettings(readFileSync(first));
    expect(settings).toMatchObject({ seed: 11, backend: 'wasm', styles: [{ name: 'starry_night.jpg', weight: 1 }] });
    expect(settings!.options).toMatchObject({ size: 40, iterations: 3, styleStrength: 3 });
    expect(settings!.version).toMatch(/^\d+\.\d+\.\d+/);

    const two = await stylebot(['stylize', CONTENT, STYLE, '-o', again, '--from', first]);
    expect(two.stderr).not.toMatch(/stylebot stylize:/);
    expect(two.code).toBe(0);
    expect(readSettings(readFileSync(again))).toEqual(settings);
    expect(Buffer.compare(readFileSync(first), readFileSync(again))).toBe(0);
  }, 240_000);

  it('refuses a picture without settings with one clear line', async () => {
    const { code, stderr } = await stylebot(['stylize', CONTENT, STYLE, '-o', join(work, 'x.png'), '--from', CONTENT]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/carries no Stylebot settings/);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { CONTENT_DIR, MODEL_DIR, REPO_ROOT, STYLES_DIR } from '../helpers/shared.js';

const BIN = join(REPO_ROOT, 'bin', 'stylebot.js');
const STYLE = join(STYLES_DIR, 'starry_night.jpg');
const work = mkdtempSync(join(tmpdir(), 'stylebot-anim-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function stylebot(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, STYLEBOT_MODEL_DIR: MODEL_DIR } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A real photo panned 3 px a frame, as an animated GIF of `frames` frames, 40 x 30, 120 ms each. */
async function pannedGif(frames: number): Promise<string> {
  const photo = sharp(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')).resize(40 + 3 * frames, 30, { fit: 'cover' });
  const { data, info } = await photo.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const stacked = Buffer.alloc(40 * 30 * 3 * frames);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < 30; y++) data.copy(stacked, (f * 30 + y) * 40 * 3, (y * info.width + 3 * f) * 3, (y * info.width + 3 * f + 40) * 3);
  }
  const gif = await sharp(stacked, { raw: { width: 40, height: 30 * frames, channels: 3, pageHeight: 30 } })
    .gif({ delay: Array.from({ length: frames }, () => 120), loop: 0 })
    .toBuffer();
  const path = join(work, `panned-${frames}.gif`);
  writeFileSync(path, gif);
  return path;
}

describe('stylebot stylize with an animated GIF', () => {
  it('paints every frame (real VGG-19) and writes an animated GIF with the same frames and delays', async () => {
    const input = await pannedGif(3);
    const out = join(work, 'painted.gif');
    const run = await stylebot([
      'stylize',
      input,
      STYLE,
      '-o',
      out,
      '--size',
      '40',
      '--iterations',
      '3',
      '--frame-iterations',
      '2',
      '--seed',
      '5',
      '--backend',
      'wasm',
      '--json',
    ]);
    expect(run.stderr).not.toMatch(/stylebot stylize:/);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout.trim());
    expect(summary).toMatchObject({ frames: 3, width: 40, height: 30, iterations: [3, 2, 2], seed: 5, backend: 'wasm' });
    const meta = await sharp(readFileSync(out), { pages: -1 }).metadata();
    expect(meta).toMatchObject({ format: 'gif', pages: 3, width: 40, pageHeight: 30 });
    expect(meta.delay).toEqual([120, 120, 120]);
    // Painted, not copied: the first frame differs from the photo's.
    const [photo, painted] = await Promise.all([input, out].map((p) => sharp(p, { page: 0 }).removeAlpha().raw().toBuffer()));
    let diff = 0;
    for (let i = 0; i < photo!.length; i++) diff += Math.abs(photo![i]! - painted![i]!);
    expect(diff / photo!.length).toBeGreaterThan(2);
  }, 300_000);

  it('refuses more frames than --max-frames with one clear line, before the engine starts', async () => {
    const input = await pannedGif(3);
    const run = await stylebot(['stylize', input, STYLE, '-o', join(work, 'x.webp'), '--size', '40', '--max-frames', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/has 3 frames; the limit is 2/);
  });

  it('refuses animation flags with a still output', async () => {
    const run = await stylebot(['stylize', STYLE, STYLE, '-o', join(work, 'x.png'), '--coherence', 'none']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/name the output \.gif or \.webp/);
  });
});

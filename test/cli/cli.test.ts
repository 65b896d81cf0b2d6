import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { pickArtwork } from '../../src/engine/artists.js';
import { ARTISTS_DIR, CONTENT_DIR, MODEL_DIR, REPO_ROOT, STYLES_DIR } from '../helpers/shared.js';

const BIN = join(REPO_ROOT, 'bin', 'stylebot.js');
const CONTENT = join(CONTENT_DIR, 'tuebingen_neckarfront.jpg');
const STYLE = join(STYLES_DIR, 'starry_night.jpg');
const work = mkdtempSync(join(tmpdir(), 'stylebot-cli-'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `stylebot` executable; `onStderr` sees stderr as it arrives (to send signals mid-run). */
function stylebot(
  args: string[],
  env: Record<string, string> = {},
  onStderr?: (text: string, kill: (s: NodeJS.Signals) => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, STYLEBOT_MODEL_DIR: MODEL_DIR, STYLEBOT_ARTISTS_DIR: ARTISTS_DIR, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      onStderr?.(stderr, (signal) => child.kill(signal));
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the checks three at a time: each spawns a process, and the machine has few cores. */
async function inGroups<T>(items: T[], check: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 3) await Promise.all(items.slice(i, i + 3).map(check));
}

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('stylebot (dispatcher)', () => {
  it('--help lists every subcommand', async () => {
    const { code, stdout } = await stylebot(['--help']);
    expect(code).toBe(0);
    for (const name of ['stylize', 'distance', 'models', 'admin', 'register', 'serve'])
      expect(stdout).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('an unknown command is exit 2 with the list of commands', async () => {
    const { code, stderr } = await stylebot(['paint']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "paint".*stylize/);
  });
});

describe('stylebot stylize', () => {
  it('paints a real photo at 64 px in 5 iterations and reports it as JSON', async () => {
    const out = join(work, 'run1', 'tuebingen.png');
    const { code, stdout, stderr } = await stylebot([
      'stylize',
      CONTENT,
      STYLE,
      '-o',
      out,
      '--size',
      '64',
      '--iterations',
      '5',
      '--seed',
      '7',
      '--print-rate',
      '1',
      '--save-every',
      '2',
      '--backend',
      'wasm',
      '--json',
    ]);
    expect(stderr).not.toMatch(/stylebot stylize:/);
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim());
    expect(result).toMatchObject({
      output: out,
      width: 64,
      height: 48,
      iterations: 5,
      backend: 'wasm',
      seed: 7,
      styles: ['starry_night.jpg'],
    });
    expect(result.ms_per_iteration).toBeGreaterThan(0);
    for (const key of ['content', 'style', 'tv', 'total']) {
      expect(Number.isFinite(result.losses.initial[key])).toBe(true);
      expect(Number.isFinite(result.losses.final[key])).toBe(true);
    }
    expect(result.losses.final.total).toBeLessThan(result.losses.initial.total);
    const meta = await sharp(out).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    // Intermediates every 2 iterations, full size; the progress bar went to stderr, one line per iteration.
    expect(readdirSync(join(work, 'run1')).sort()).toEqual(['tuebingen.png', 'tuebingen_2.png', 'tuebingen_4.png']);
    expect((await sharp(join(work, 'run1', 'tuebingen_2.png')).metadata()).width).toBe(64);
    expect(stderr).toMatch(/\] 5\/5 +loss \d\.\d{3}e\+\d+ .*ETA/);
    expect(stderr.match(/\] \d\/5/g)).toHaveLength(5);
  });

  it('--artist picks a work for the seed and says which one', async () => {
    const out = join(work, 'artist.png');
    const { code, stdout } = await stylebot([
      'stylize',
      '--no-content',
      '--artist',
      'Van Gogh',
      '-o',
      out,
      '--size',
      '48',
      '--iterations',
      '2',
      '--seed',
      '11',
      '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim());
    const expected = pickArtwork(ARTISTS_DIR, 'van-gogh', 11);
    expect(result.artwork).toEqual(expected);
    expect(result.styles).toEqual([`van-gogh/${expected.file}`]);
    expect((await sharp(out).metadata()).width).toBe(48);
  });

  it('--pick closest takes the artist work nearest the photo; --json lists the scales (2 asked, 1 fits at 48 px)', async () => {
    const out = join(work, 'closest.png');
    const { code, stdout } = await stylebot([
      'stylize',
      CONTENT,
      '--artist',
      'Van Gogh',
      '--pick',
      'closest',
      '--scales',
      '2',
      '-o',
      out,
      '--size',
      '48',
      '--iterations',
      '2',
      '--json',
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim());
    expect(result.artwork).toMatchObject({ artist: 'van-gogh', pick: 'closest' });
    expect(result.styles).toEqual([`van-gogh/${result.artwork.file}`]);
    expect(result.scales).toMatchObject([{ size: 48, iterations: 2 }]);
  });

  it('bad flags, files and images: one clear line on stderr and exit 2, before any work', async () => {
    const text = join(work, 'notes.png');
    writeFileSync(text, 'just some text, not a picture\n');
    const cases: [string[], RegExp][] = [
      [['--bogus'], /Unknown option '--bogus'/],
      [['--size', '5000'], /size must be a whole number from 16 to 4096/],
      [['--optimizer', 'sgd'], /optimizer must be lbfgs or adam/],
      [['--print-rate', '0'], /print-rate must be a whole number of 1 or more/],
      [['--style-blend-weights', '1,2'], /needs 1 number \(one per STYLE\), got 2/],
      [['--backend', 'cuda'], /backend must be auto or tensorflow-gpu or .* \(got "cuda"\)/],
    ];
    await inGroups(cases, async ([flags, message]) => {
      const { code, stderr, stdout } = await stylebot(['stylize', CONTENT, STYLE, '-o', join(work, 'x.png'), ...flags]);
      expect(code, flags.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stdout).toBe('');
    });
    const files: [string[], RegExp][] = [
      [['stylize', CONTENT, join(work, 'missing.jpg'), '-o', join(work, 'x.png')], /cannot read .*missing\.jpg: no such file/],
      [
        ['stylize', CONTENT, text, '-o', join(work, 'x.png')],
        /notes\.png: That file is a text file, not an image\. Send a JPEG, PNG, WebP or GIF\./,
      ],
      [['stylize', CONTENT, STYLE], /give the output file with -o/],
      [['stylize', CONTENT, '-o', join(work, 'x.png')], /give at least one STYLE image/],
      [
        ['stylize', CONTENT, '--artist', 'Van Goh', '-o', join(work, 'x.png')],
        /I don't know the artist "Van Goh"\. Did you mean "van-gogh"\?/,
      ],
      [['stylize', CONTENT, STYLE, '-o', join(work, 'x.jpg')], /must end in \.png/],
    ];
    await inGroups(files, async ([args, message]) => {
      const { code, stderr } = await stylebot(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    });
    expect(existsSync(join(work, 'x.png'))).toBe(false);
  });

  it('Ctrl-C stops the run cleanly through the AbortSignal and writes nothing', async () => {
    const out = join(work, 'interrupted.png');
    let sent = false;
    const { code, stderr } = await stylebot(
      ['stylize', CONTENT, STYLE, '-o', out, '--size', '48', '--iterations', '200', '--print-rate', '1'],
      {},
      (text, kill) => {
        if (!sent && /\] +1\/200/.test(text)) {
          sent = true;
          kill('SIGINT');
        }
      },
    );
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(stderr).toMatch(/Stopped: nothing was written/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('stylebot distance', () => {
  it('prints per-layer style distances as JSON; an image against itself is 0', async () => {
    const apart = await stylebot(['distance', CONTENT, STYLE, '--json']);
    expect(apart.code).toBe(0);
    const result = JSON.parse(apart.stdout.trim());
    expect(result.perLayer).toHaveLength(5);
    expect(result.total).toBeGreaterThan(0);
    expect(result.total).toBeCloseTo(
      result.perLayer.reduce((s: number, v: number) => s + v, 0),
      3,
    );
    const same = await stylebot(['distance', STYLE, STYLE, '--json']);
    expect(JSON.parse(same.stdout.trim()).total).toBeLessThan(result.total * 1e-6);
    const bad = await stylebot(['distance', CONTENT]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/exactly two images/);
  });
});

describe('stylebot models', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    server = createServer((_req, res) => res.end(Buffer.from('not the weights you are looking for')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/vgg19.h5`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('verify accepts the shared weights and names a missing folder', async () => {
    const good = await stylebot(['models', 'verify', '--dir', MODEL_DIR]);
    expect(good.code).toBe(0);
    expect(good.stdout).toMatch(/32 tensors, 20024384 parameters/);
    const missing = await stylebot(['models', 'verify', '--dir', join(work, 'nothing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no weights_manifest.json\. Run "stylebot models fetch"/);
  });

  it('fetch from a mirror (STYLEBOT_WEIGHTS_URL) with a wrong MD5 fails clearly and writes nothing', async () => {
    const parent = mkdtempSync(join(work, 'fetch-'));
    const { code, stderr } = await stylebot(['models', 'fetch', '--dir', join(parent, 'vgg19')], { STYLEBOT_WEIGHTS_URL: url });
    expect(code).toBe(1);
    expect(stderr).toMatch(/expected 253f8cb515780f3b799900260a226db6.*Nothing was saved/);
    expect(readdirSync(parent)).toEqual([]);
    const usage = await stylebot(['models', 'upgrade']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown action "upgrade"/);
  });
});

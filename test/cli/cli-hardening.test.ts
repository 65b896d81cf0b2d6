// Issue 12 on the command line, with the inputs of the bug reports (shared/bugs: a 96x72 photo, a 96x96 painting):
// numbers outside float32's comfortable range, options that paint nothing together, output destinations that cannot
// be written, side work that fails, file names that look like flags. Each is one clear line and exit 2 before the
// engine starts, or a run that goes on.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { ARTISTS_DIR, MODEL_DIR, REPO_ROOT, SHARED_DIR } from '../helpers/shared.js';

const BIN = join(REPO_ROOT, 'bin', 'stylebot.js');
const PHOTO = join(SHARED_DIR, 'bugs', 'fail-photo.png');
const PAINTING = join(SHARED_DIR, 'bugs', 'fail-painting.png');
const work = mkdtempSync(join(tmpdir(), 'stylebot-cli-hard-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

function stylebot(args: string[], cwd = REPO_ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, STYLEBOT_MODEL_DIR: MODEL_DIR } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function inGroups<T>(items: T[], check: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 3) await Promise.all(items.slice(i, i + 3).map(check));
}

const small = ['--size', '32', '--iterations', '2', '--backend', 'wasm'];

describe('stylebot stylize: numbers, combinations and destinations (issue 12)', () => {
  it('refuses weights and rates outside their documented float32-safe ranges, and "0x5", with one line and exit 2', async () => {
    const out = join(work, 'never.png');
    const cases: [string[], RegExp][] = [
      [['--style-weight', '1e36', '--json'], /style-weight must be a number from 0 to 1e10 \(got 1e\+36\)/],
      [['--optimizer', 'adam', '--style-weight', '1e36'], /style-weight must be a number from 0 to 1e10/],
      [['--content-weight', '1e300'], /content-weight must be a number from 0 to 1e6/],
      [['--learning-rate', '1e30', '--optimizer', 'adam'], /learning-rate must be a number from 0\.001 to 1000/],
      [['--iterations', '0x5'], /iterations must be a whole number from 1 to 10000 \(got "0x5"\)/],
      [['--style-weight', '0', '--content-weight', '0'], /Nothing to paint: content-weight and style-weight are both 0/],
    ];
    await inGroups(cases, async ([flags, message]) => {
      const { code, stderr, stdout } = await stylebot(['stylize', PHOTO, PAINTING, '-o', out, ...small, ...flags]);
      expect(code, flags.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stdout).toBe('');
    });
    const blend = await stylebot(['stylize', PHOTO, PAINTING, PAINTING, '-o', out, ...small, '--style-blend-weights', '1e308,1e308']);
    expect(blend.code).toBe(2);
    expect(blend.stderr).toMatch(/style-blend-weights must be a number from 0 to 1e6/);
    const texture = await stylebot(['stylize', '--no-content', PAINTING, '-o', out, ...small, '--style-weight', '0']);
    expect(texture.code).toBe(2);
    expect(texture.stderr).toMatch(/Nothing to paint: there is no content image and style-weight is 0/);
    expect(texture.stderr).not.toMatch(/tf\.|tensor|TensorFlow/i);
    expect(existsSync(out)).toBe(false);
  });

  it('checks output destinations before the engine starts: a file in the path, a folder as the output', async () => {
    writeFileSync(join(work, 'results.txt'), 'notes\n');
    mkdirSync(join(work, 'folder.png'));
    const cases: [string, RegExp][] = [
      [
        join(work, 'results.txt', 'out.png'),
        /cannot create the folder of .*results\.txt\/out\.png: a (file of that name is in the way|part of the path is a file, not a folder)/,
      ],
      [join(work, 'folder.png'), /cannot write .*folder\.png: it is a folder/],
    ];
    await inGroups(cases, async ([output, message]) => {
      const { code, stderr } = await stylebot(['stylize', PHOTO, PAINTING, '-o', output, ...small, '--iterations', '200']);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1); // no progress bar: nothing ran
      expect(stderr).not.toMatch(/EEXIST|EISDIR|ENOTDIR/);
    });
  });

  it('names file names that start with "-" and how to pass them; after -- they work', async () => {
    const dash = join(work, 'dash');
    mkdirSync(dash);
    copyFileSync(PHOTO, join(dash, '-dash.png'));
    const refused = await stylebot(['stylize', '-dash.png', PAINTING, '-o', 'out.png'], dash);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /Unknown option '-d' \("-dash\.png" looks like a file name: put file names that start with "-" after "--"/,
    );
    const fine = await stylebot(['stylize', '-o', 'out.png', ...small, '--', '-dash.png', PAINTING], dash);
    expect(fine.stderr).not.toMatch(/stylebot stylize:/);
    expect(fine.code).toBe(0);
    expect((await sharp(join(dash, 'out.png')).metadata()).width).toBe(32);
  });

  it('the unknown-artist message names the artists instead of a command the CLI lacks', async () => {
    const { code, stderr } = await stylebot([
      'stylize',
      PHOTO,
      '--artist',
      'Rembrandt',
      '--artists-dir',
      ARTISTS_DIR,
      '-o',
      join(work, 'a.png'),
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/I don't know the artist "Rembrandt"\. Artists I know: .*monet/);
    expect(stderr).not.toMatch(/"artists" command/);
  });

  it('a failing intermediate save is reported and the run goes on to write the result', async () => {
    const out = join(work, 'side', 'picture.png');
    mkdirSync(join(work, 'side', 'picture_1.png'), { recursive: true }); // the first intermediate cannot be written
    const { code, stderr } = await stylebot(['stylize', PHOTO, PAINTING, '-o', out, ...small, '--iterations', '3', '--save-every', '1']);
    expect(code).toBe(0);
    expect(stderr).toMatch(/could not save .*picture_1\.png \(it is a folder\); going on without intermediate saves/);
    expect((await sharp(out).metadata()).format).toBe('png');
  });
});

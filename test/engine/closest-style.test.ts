// Artist pick "closest": on a corpus where the answer is known, the work nearest the photo in style is chosen.
// The photo mirrored has the photo's Gram matrices (a Gram matrix sums over positions, so it ignores where things
// are) while two paintings do not: the mirrored photo must win, at any size, and in stylize() too.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWorks } from '../../src/engine/artists.js';
import { initBackend } from '../../src/engine/backend.js';
import { closestStyle, closestStyleCache } from '../../src/engine/closest-style.js';
import { stylize } from '../../src/engine/stylize.js';
import { createVgg, type Vgg } from '../../src/engine/vgg.js';
import { loadVggWeights } from '../../src/engine/weights.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
const photo = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
let vgg: Vgg;
let dir: string;
let works: { name: string; bytes: Uint8Array }[];

beforeAll(async () => {
  await initBackend();
  vgg = createVgg(await loadVggWeights(MODEL_DIR), 'custom');
  dir = mkdtempSync(join(tmpdir(), 'closest-'));
  mkdirSync(join(dir, 'mixed'));
  const mirrored = await sharp(photo).flop().resize(200).jpeg().toBuffer();
  writeFileSync(join(dir, 'mixed', 'a-starry-night.jpg'), readFileSync(join(STYLES_DIR, 'starry_night.jpg')));
  writeFileSync(join(dir, 'mixed', 'b-the-photo-mirrored.jpg'), mirrored);
  writeFileSync(join(dir, 'mixed', 'c-the-scream.jpg'), readFileSync(join(STYLES_DIR, 'the_scream.jpg')));
  works = listWorks(dir, 'mixed').map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(dir, 'mixed', name))) }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('closestStyle', () => {
  it('chooses the mirrored photo over two paintings, and answers a second time from the cache', async () => {
    const first = await closestStyle(
      vgg,
      photo,
      works.map((w) => w.bytes),
      64,
    );
    expect(works[first.index]!.name).toBe('b-the-photo-mirrored.jpg');
    expect(first.distances).toHaveLength(3);
    // Measured at 64 px: 2.8e7 for the mirrored photo against 1.1e8 and more for the paintings.
    expect(first.distances[1]!).toBeLessThan(0.5 * Math.min(first.distances[0]!, first.distances[2]!));

    const before = closestStyleCache();
    const second = await closestStyle(
      vgg,
      photo,
      works.map((w) => w.bytes),
      64,
    );
    expect(second.index).toBe(first.index);
    expect(second.distances).toEqual(first.distances);
    expect(closestStyleCache().hits - before.hits).toBe(3);
    await expect(closestStyle(vgg, photo, [], 64)).rejects.toThrow(RangeError);
    // A long, thin work (wheatfield-with-crows is 2:1) would be 32x10 at 32 px, too small for relu5_1: it is compared
    // a little larger instead of failing.
    const thin = await sharp(photo).resize(320, 100, { fit: 'fill' }).jpeg().toBuffer();
    const picked = await closestStyle(vgg, photo, [thin], 32);
    expect(picked.index).toBe(0);
    expect(Number.isFinite(picked.distances[0])).toBe(true);
  }, 120_000);

  it('stylize with pick closest uses only the chosen work and names it', async () => {
    const result = await stylize({
      content: photo,
      styles: works.map((w) => ({ image: w.bytes, name: `mixed/${w.name}` })),
      options: { size: 32, iterations: 2, pick: 'closest', seed: 1, previewSize: 0 },
    });
    expect(result.styles).toEqual(['mixed/b-the-photo-mirrored.jpg']);
    await expect(
      stylize({ content: null, styles: works.map((w) => ({ image: w.bytes })), options: { size: 32, iterations: 1, pick: 'closest' } }),
    ).rejects.toThrow(/needs a photo/);
  }, 120_000);
});

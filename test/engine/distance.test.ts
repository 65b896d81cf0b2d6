// styleDistance with the real VGG-19 at 224 x 224.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { styleDistance } from '../../src/engine/distance.js';
import { ImageError } from '../../src/images/index.js';
import { MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
const starry = readFileSync(join(STYLES_DIR, 'starry_night.jpg'));
const scream = readFileSync(join(STYLES_DIR, 'the_scream.jpg'));

describe('styleDistance', () => {
  it('is 0 for the same picture and positive on all 5 layers for different ones', async () => {
    const same = await styleDistance(starry, starry);
    expect(same.total).toBe(0);
    expect(same.perLayer).toEqual([0, 0, 0, 0, 0]);
    const ab = await styleDistance(starry, scream);
    expect(ab.perLayer).toHaveLength(5);
    expect(ab.perLayer.every((v) => v > 0)).toBe(true);
    expect(ab.total).toBeCloseTo(
      ab.perLayer.reduce((s, v) => s + v, 0),
      0,
    );
  });

  it('rejects bytes that are not an image with an ImageError', async () => {
    await expect(styleDistance(starry, new Uint8Array([0, 1, 2]))).rejects.toBeInstanceOf(ImageError);
  });
});

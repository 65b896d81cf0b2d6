// Coarse-to-fine scales: the plan (pure), and a real two-scale run on VGG-19 at 32 -> 64 px.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import {
  autoScaleCount,
  maxScaleCount,
  MIN_SCALE_SIDE,
  planScales,
  scaleWork,
  upsamplePicture,
  upsampleWithDetail,
} from '../../src/engine/multiscale.js';
import { stylize } from '../../src/engine/stylize.js';
import type { StylizeProgress } from '../../src/engine/types.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;

describe('planScales', () => {
  it('gives N sizes ending at size, each half the next, and splits the iterations equally (remainder last)', () => {
    expect(planScales(512, 300, 3)).toEqual([
      { size: 128, iterations: 100 },
      { size: 256, iterations: 100 },
      { size: 512, iterations: 100 },
    ]);
    expect(planScales(512, 301, 3)).toEqual([
      { size: 128, iterations: 100 },
      { size: 256, iterations: 100 },
      { size: 512, iterations: 101 },
    ]);
    expect(planScales(500, 302, 2)).toEqual([
      { size: 250, iterations: 151 },
      { size: 500, iterations: 151 },
    ]);
    expect(planScales(512, 100, 1)).toEqual([{ size: 512, iterations: 100 }]);
  });

  it('never goes below 128 px: a request for more scales than fit gets fewer', () => {
    expect(MIN_SCALE_SIDE).toBe(128);
    expect(planScales(256, 10, 5).map((s) => s.size)).toEqual([128, 256]);
    expect(planScales(200, 10, 3).map((s) => s.size)).toEqual([200]);
    expect(planScales(2048, 500, 8).map((s) => s.size)).toEqual([128, 256, 512, 1024, 2048]);
    expect(maxScaleCount(255)).toBe(1);
    expect(maxScaleCount(1023)).toBe(3);
    // No more scales than iterations, and every scale gets one.
    expect(planScales(1024, 2, 4)).toEqual([
      { size: 512, iterations: 1 },
      { size: 1024, iterations: 1 },
    ]);
  });

  it('auto (0): one scale up to 256 px, every scale that fits above', () => {
    expect(autoScaleCount(128)).toBe(1);
    expect(autoScaleCount(256)).toBe(1);
    expect(planScales(512, 500, 0).map((s) => s.size)).toEqual([128, 256, 512]);
    expect(planScales(512, 500, 0).map((s) => s.iterations)).toEqual([166, 167, 167]);
    expect(planScales(2048, 500, 0)).toHaveLength(5);
  });

  it('rejects a fractional or negative scale count', () => {
    expect(() => planScales(512, 10, -1)).toThrow(RangeError);
    expect(() => planScales(512, 10, 1.5)).toThrow(/scales must be a whole number/);
    expect(() => planScales(512, 0, 1)).toThrow(/iterations/);
  });

  it('weighs work by pixels, so the coarse scales count for less in progress and time estimates', () => {
    expect(scaleWork(planScales(512, 300, 3))).toEqual([100 * 128 * 128, 100 * 256 * 256, 100 * 512 * 512]);
  });
});

describe('upsampleWithDetail', () => {
  it("puts back the photo's detail band: a coarse copy of the photo comes back as the photo, a flat picture gets only the band", () => {
    // A photo with fine detail (a checkerboard on a gradient), 8 x 8, and its coarse 4 x 4 copy by 2 x 2 averages.
    const photo = tf.tensor4d(
      Array.from({ length: 64 }, (_, i) => 100 + 4 * (i % 8) + (((i % 8) + Math.floor(i / 8)) % 2) * 40),
      [1, 8, 8, 1],
    );
    const coarse = tf.avgPool(photo, 2, 2, 'valid') as tf.Tensor4D;
    const back = upsampleWithDetail(coarse, photo);
    expect(tf.max(tf.abs(tf.sub(back, photo))).dataSync()[0]).toBeLessThan(1e-3);
    // Without the band the checkerboard is gone: the upsampled coarse copy is far from the photo.
    expect(tf.max(tf.abs(tf.sub(upsamplePicture(coarse, 8, 8), photo))).dataSync()[0]).toBeGreaterThan(15);
    const flat = tf.fill([1, 4, 4, 1], 128) as tf.Tensor4D;
    const band = tf.sub(upsampleWithDetail(flat, photo), 128);
    expect(Math.abs(tf.mean(band).dataSync()[0]!)).toBeLessThan(1);
    expect(tf.max(tf.abs(band)).dataSync()[0]).toBeGreaterThan(15);
  });
});

describe('stylize over two scales (real VGG-19)', () => {
  const tuebingen = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
  const starry = readFileSync(join(STYLES_DIR, 'starry_night.jpg'));

  it('paints 32 px then 64 px from the upsampled picture; progress counts overall and names the scale', async () => {
    const events: StylizeProgress[] = [];
    const result = await stylize(
      {
        content: tuebingen,
        styles: [{ image: starry, name: 'starry' }],
        options: { size: 64, iterations: 9, scales: 2, seed: 3, progressEvery: 1, previewSize: 0 },
      },
      { minScaleSide: 32, onProgress: (p) => events.push(p) },
    );
    expect(result.scales).toMatchObject([
      { size: 32, iterations: 4 },
      { size: 64, iterations: 5 },
    ]);
    expect(result.iterations).toBe(9);
    expect([result.width, result.height]).toEqual([64, 48]);
    const meta = await sharp(result.png).metadata();
    expect([meta.width, meta.height]).toEqual([64, 48]);

    expect(events.map((e) => e.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.every((e) => e.total === 9)).toBe(true);
    expect(events.map((e) => e.scale?.size)).toEqual([32, 32, 32, 32, 64, 64, 64, 64, 64]);
    expect(events.map((e) => e.scale?.index)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 2]);
    expect(events.every((e) => e.scale?.count === 2)).toBe(true);
    expect(events.at(-1)!.losses).toEqual(result.losses.final);
    expect(events.at(-1)!.etaMs).toBe(0);

    // The losses are the final scale's: it starts from the 32 px picture upsampled, not from the photo, so its
    // content loss starts above 0 (a content-initialised single scale starts at exactly 0) and its style loss
    // starts below the photo's.
    const single = await stylize({
      content: tuebingen,
      styles: [{ image: starry }],
      options: { size: 64, iterations: 1, scales: 1, seed: 3, previewSize: 0 },
    });
    expect(single.losses.initial.content).toBeLessThan(1e-3 * result.losses.initial.content);
    expect(result.losses.initial.style).toBeLessThan(single.losses.initial.style);
    expect(result.losses.final.total).toBeLessThan(result.losses.initial.total);
  }, 120_000);
});

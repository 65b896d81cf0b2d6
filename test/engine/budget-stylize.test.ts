// stylize() with the real VGG-19 at small sizes: painting to a time budget (kept by a fake clock, so nothing here is
// timed), and explicit loss weights across coarse-to-fine scales.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { FINAL_SCALE_FLOOR } from '../../src/engine/budget.js';
import { stylize } from '../../src/engine/stylize.js';
import type { StylizeProgress, StylizeRequest } from '../../src/engine/types.js';
import { CONTENT_DIR, STYLES_DIR } from '../helpers/shared.js';

const tuebingen = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
const starry = readFileSync(join(STYLES_DIR, 'starry_night.jpg'));

beforeAll(async () => {
  await initBackend();
});

/** A clock that moves `stepMs` every time it is read. */
function fakeClock(stepMs: number): () => number {
  let t = 0;
  return () => (t += stepMs);
}

describe('stylize to a time budget (fake clock)', () => {
  it('ends within 10% of the budget, paints every scale, and reports the iterations it ran', async () => {
    const events: StylizeProgress[] = [];
    // The loop reads the clock about twice an iteration, so an iteration "takes" about 110 ms: the model says so.
    const now = fakeClock(50);
    const request: StylizeRequest = {
      content: tuebingen,
      styles: [{ image: starry }],
      options: { size: 96, scales: 3, budget: 5, seed: 3, previewSize: 0, progressEvery: 5 },
    };
    const result = await stylize(request, {
      now,
      minScaleSide: 16,
      cost: { backend: 'fake', fixedMs: 110, msPerMegapixel: 0, setupMs: 0 },
      onProgress: (p) => events.push(p),
    });
    const last = events.at(-1)!;
    expect(Math.abs(last.elapsedMs - 5000) / 5000).toBeLessThan(0.1);
    expect(result.scales.map((s) => s.size)).toEqual([24, 48, 96]);
    expect(result.scales.at(-1)!.iterations).toBeGreaterThanOrEqual(FINAL_SCALE_FLOOR);
    expect(result.iterations).toBe(result.scales.reduce((a, s) => a + s.iterations, 0));
    expect(last.iteration).toBe(result.iterations);
    // The ETA counts down to the budget.
    const mid = events[Math.floor(events.length / 2)]!;
    expect(mid.etaMs).toBeCloseTo(5000 - mid.elapsedMs, 0);
  });

  it('with iterations given too, they cap the total', async () => {
    const request: StylizeRequest = {
      content: tuebingen,
      styles: [{ image: starry }],
      options: { size: 64, budget: 600, iterations: 24, seed: 3, previewSize: 0 },
    };
    const result = await stylize(request, { now: fakeClock(1), minScaleSide: 16 });
    expect(result.iterations).toBeLessThanOrEqual(24);
    expect(result.scales.at(-1)!.iterations).toBeGreaterThanOrEqual(FINAL_SCALE_FLOOR);
  });
});

describe('explicit weights across scales', () => {
  it("an explicit style weight is the weight at the size asked for: the coarse-to-fine run ends below the photo's own loss", async () => {
    const options = { size: 128, styleWeight: 1e4 * (128 / 512) ** 2, contentWeight: 1, tvWeight: 0, seed: 5, previewSize: 0 };
    const photo = await stylize({ content: tuebingen, styles: [{ image: starry }], options: { ...options, scales: 1, iterations: 1 } });
    const photoTotal = photo.losses.initial.total;
    const painted = await stylize(
      { content: tuebingen, styles: [{ image: starry }], options: { ...options, scales: 3, iterations: 30 } },
      { minScaleSide: 32 },
    );
    expect(painted.scales.map((s) => s.size)).toEqual([32, 64, 128]);
    expect(painted.options.styleWeight).toBe(options.styleWeight);
    // The final scale starts from the coarse picture: both its start and its end are below the photo's loss.
    expect(painted.losses.initial.total).toBeLessThan(photoTotal);
    expect(painted.losses.final.total).toBeLessThan(0.5 * photoTotal);
  });
});

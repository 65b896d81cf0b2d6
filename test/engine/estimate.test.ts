// The run-time estimator: fitted costs, chat defaults within a budget, and refusals with a size that fits.
import { describe, expect, it } from 'vitest';
import {
  budgetDefaults,
  costForBackend,
  estimateJobMs,
  fitCost,
  formatDuration,
  iterationMs,
  largestSizeWithin,
  MIN_GOOD_ITERATIONS,
  refuseOverLimit,
  type IterationCost,
} from '../../src/engine/estimate.js';

const cost: IterationCost = { backend: 'onnxruntime', fixedMs: 20, msPerMegapixel: 20_000, setupMs: 2000 };

describe('estimate', () => {
  it('fits a line through calibration samples, and through the origin from one', () => {
    const fitted = fitCost('x', [
      { pixels: 128 * 128, ms: 20 + 20_000 * 0.016384 },
      { pixels: 256 * 256, ms: 20 + 20_000 * 0.065536 },
    ]);
    expect(fitted.fixedMs).toBeCloseTo(20, 6);
    expect(fitted.msPerMegapixel).toBeCloseTo(20_000, 3);
    expect(fitCost('x', [{ pixels: 1e6, ms: 500 }]).msPerMegapixel).toBe(500);
    expect(() => fitCost('x', [])).toThrow(RangeError);
  });

  it('estimates a job as set-up plus iterations, a chat job as a square picture', () => {
    expect(iterationMs(cost, 1000, 1000)).toBe(20_020);
    expect(estimateJobMs(cost, { size: 1000, iterations: 10 })).toBe(2000 + 10 * 20_020);
    expect(estimateJobMs(cost, { size: 1000, width: 1000, height: 500, iterations: 10 })).toBe(2000 + 10 * 10_020);
  });

  it('chat defaults: the largest size with enough iterations inside the budget, never past the configured ones', () => {
    const d = budgetDefaults(cost, { targetMs: 120_000, maxSize: 512, maxIterations: 300 });
    expect(d.estimateMs).toBeLessThanOrEqual(120_000);
    expect(d.iterations).toBeGreaterThanOrEqual(MIN_GOOD_ITERATIONS);
    // The next size up would not fit MIN_GOOD_ITERATIONS: 256 px costs 1.33 s an iteration, so 88 fit; 224 px does.
    expect(d.size).toBe(224);
    const roomy = budgetDefaults(cost, { targetMs: 1e9, maxSize: 512, maxIterations: 300 });
    expect(roomy).toMatchObject({ size: 512, iterations: 300 });
    const tight = budgetDefaults(cost, { targetMs: 5000, maxSize: 512, maxIterations: 300 });
    expect(tight.size).toBe(64);
    expect(tight.iterations).toBeGreaterThanOrEqual(1);
  });

  it('refuses a job over the limit with its estimate and a size that fits', () => {
    expect(refuseOverLimit(cost, { size: 256, iterations: 100 }, 1_800_000)).toBeNull();
    const message = refuseOverLimit(cost, { size: 1024, iterations: 500 }, 1_800_000)!;
    expect(message).toMatch(/size 1024 with 500 iterations this job would take about 2\.\d h on onnxruntime, over the 30 min limit; size \d+ fits/);
    const size = Number(/size (\d+) fits/.exec(message)![1]);
    expect(estimateJobMs(cost, { size, iterations: 500 })).toBeLessThanOrEqual(1_800_000);
    expect(largestSizeWithin(cost, 500, 1000)).toBeNull();
  });

  it('has a cost for every backend name', () => {
    for (const name of ['onnxruntime', 'wasm', 'webgpu', 'tensorflow-gpu', 'onnxruntime-cuda', 'tensorflow', 'cpu']) {
      const c = costForBackend(name);
      expect(c.backend).toBe(name);
      expect(c.msPerMegapixel).toBeGreaterThan(0);
    }
    expect(costForBackend('cpu').msPerMegapixel).toBeGreaterThan(costForBackend('wasm').msPerMegapixel);
    expect(formatDuration(45_000)).toBe('about 45 s');
    expect(formatDuration(30 * 60_000)).toBe('about 30 min');
  });
});

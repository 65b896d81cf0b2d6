// The run-time estimator: fitted costs, chat defaults within a budget, and refusals with a size that fits.
import { describe, expect, it } from 'vitest';
import {
  budgetSize,
  finalIterationsWithin,
  GOOD_FINAL_ITERATIONS,
  costForBackend,
  estimateJobMs,
  fitCost,
  formatDuration,
  iterationMs,
  largestSizeWithin,
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

  it('defaults for a budget: 512 px for 60 s on the 2-core CPU, 1024 px or more on a GPU, never above the largest size', () => {
    expect(budgetSize(costForBackend('onnxruntime'), 60_000, 4096)).toBe(512);
    expect(finalIterationsWithin(costForBackend('onnxruntime'), 60_000, 512)).toBeGreaterThanOrEqual(GOOD_FINAL_ITERATIONS);
    expect(finalIterationsWithin(costForBackend('onnxruntime'), 60_000, 640)).toBeLessThan(GOOD_FINAL_ITERATIONS);
    expect(budgetSize(costForBackend('webgpu'), 60_000, 4096)).toBeGreaterThanOrEqual(1024);
    expect(budgetSize(costForBackend('webgpu'), 60_000, 512)).toBe(512);
    // Nothing is good in 2 s on the CPU: the smallest size on the ladder.
    expect(budgetSize(costForBackend('onnxruntime'), 2000, 4096)).toBe(64);
  });

  it('refuses a job over the limit with its estimate and a size that fits', () => {
    expect(refuseOverLimit(cost, { size: 256, iterations: 100 }, 1_800_000)).toBeNull();
    const message = refuseOverLimit(cost, { size: 1024, iterations: 500 }, 1_800_000)!;
    expect(message).toMatch(
      /size 1024 with 500 iterations this job would take about 2\.\d h on onnxruntime, over the 30 min limit; size \d+ fits/,
    );
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

import { describe, expect, it } from 'vitest';
import { MeasuredTimeLeft } from '../../src/jobs/eta.js';

describe('MeasuredTimeLeft', () => {
  it('leaves the set-up before the first report out of the rate, and starts at the second report', () => {
    const eta = new MeasuredTimeLeft();
    // 40 s of loading and one iteration (1% of the work), then 1% of the work every second: 98 s left at 2%.
    expect(eta.update({ elapsedMs: 40_000, workDone: 0.01 })).toBeUndefined();
    expect(eta.update({ elapsedMs: 41_000, workDone: 0.02 })).toBe(98_000);
    expect(eta.update({ elapsedMs: 89_000, workDone: 0.5 })).toBe(50_000);
    expect(eta.update({ elapsedMs: 140_000, workDone: 1 })).toBe(0);
  });

  it('follows a job that slows down (a busy host) from the average since the first report', () => {
    const eta = new MeasuredTimeLeft();
    eta.update({ elapsedMs: 5_000, workDone: 0.1 });
    expect(eta.update({ elapsedMs: 10_000, workDone: 0.2 })).toBe(40_000);
    // Half as fast from here: 0.2 -> 0.3 took 10 s, so 0.2 of work in 15 s since the first report, 52.5 s for 0.7.
    expect(eta.update({ elapsedMs: 20_000, workDone: 0.3 })).toBe(52_500);
  });

  it('gives no estimate without progress in work or time, or for values that are not numbers', () => {
    const eta = new MeasuredTimeLeft();
    eta.update({ elapsedMs: 1_000, workDone: 0.1 });
    expect(eta.update({ elapsedMs: 2_000, workDone: 0.1 })).toBeUndefined();
    expect(eta.update({ elapsedMs: 1_000, workDone: 0.2 })).toBeUndefined();
    expect(eta.update({ elapsedMs: Number.NaN, workDone: 0.3 })).toBeUndefined();
  });
});

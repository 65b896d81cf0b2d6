// The time-budget planner driven by a fake clock: each iteration "takes" the modelled cost times a slowdown the
// planner is not told, so nothing here is timed.
import { describe, expect, it } from 'vitest';
import {
  BudgetRun,
  COARSE_SCALE_KEEP,
  FINAL_SCALE_FLOOR,
  FINE_SHARE_RATIO,
  planBudget,
  type BudgetScale,
} from '../../src/engine/budget.js';
import { iterationMs, type IterationCost } from '../../src/engine/estimate.js';

const COST: IterationCost = { backend: 'fake', fixedMs: 20, msPerMegapixel: 4000, setupMs: 0 };
const SCALES: BudgetScale[] = [
  { width: 128, height: 96 },
  { width: 256, height: 192 },
  { width: 512, height: 384 },
];

/**
 * Runs the loop stylize() runs, on a fake clock; `slowdownAt(ms)` is how much slower than the model the machine is,
 * and each scale's first iteration takes `setupMs` more (its set-up).
 */
function simulate(budgetMs: number, slowdownAt: (elapsedMs: number, iteration: number) => number, floor = FINAL_SCALE_FLOOR, setupMs = 0) {
  const run = new BudgetRun(COST, SCALES, budgetMs, floor);
  const firstPlan = [...run.plan];
  let clock = 0;
  let iteration = 0;
  const done: number[] = [];
  SCALES.forEach((s, index) => {
    let n = 0;
    while (run.continueScale(index, n, clock)) {
      const ms = slowdownAt(clock, iteration++) * iterationMs(COST, s.width, s.height) + (n === 0 ? setupMs : 0);
      run.record(index, clock, clock + ms);
      clock += ms;
      n += 1;
    }
    done.push(n);
  });
  return { firstPlan, done, elapsedMs: clock };
}

describe('planBudget', () => {
  it('prices each scale at its own size and gives scale i a time share of FINE_SHARE_RATIO^i', () => {
    const plan = planBudget(COST, SCALES, 60_000);
    const msOf = (n: number, i: number) => n * iterationMs(COST, SCALES[i]!.width, SCALES[i]!.height);
    const ms = plan.reduce((a, n, i) => a + msOf(n, i), 0);
    expect(ms).toBeLessThanOrEqual(60_000);
    expect(ms).toBeGreaterThan(0.95 * 60_000);
    const shares = [1, FINE_SHARE_RATIO, FINE_SHARE_RATIO ** 2].map((w) => (60_000 * w) / (1 + FINE_SHARE_RATIO + FINE_SHARE_RATIO ** 2));
    plan.forEach((n, i) => expect(msOf(n, i)).toBeLessThanOrEqual(shares[i]! + iterationMs(COST, 512, 384)));
    plan.forEach((n, i) => expect(msOf(n + 1, i)).toBeGreaterThan(shares[i]!));
    // Equal time (ratio 1) buys far more of the cheap coarse iterations.
    const equalTime = planBudget(COST, SCALES, 60_000, { ratio: 1 });
    expect(equalTime[0]!).toBeGreaterThan(3 * equalTime[2]!);
    // Priced at the final size for every iteration it would plan far fewer.
    expect(plan.reduce((a, b) => a + b, 0)).toBeGreaterThan(Math.floor(60_000 / iterationMs(COST, 512, 384)) * 1.5);
  });

  it('short of time, keeps the final scale at its target and takes from the coarse scales, then floors the final', () => {
    const plan = planBudget(COST, SCALES, 60_000);
    const slower = planBudget(COST, SCALES, 60_000, { slowdown: 1.5, finalTarget: plan[2] });
    expect(slower[2]).toBeLessThanOrEqual(plan[2]!);
    expect(slower[0]!).toBeLessThan(plan[0]!);
    const hopeless = planBudget(COST, SCALES, 1000, { finalTarget: plan[2] });
    expect(hopeless).toEqual([0, 0, FINAL_SCALE_FLOOR]);
  });
});

describe('BudgetRun on a fake clock', () => {
  it.each([30_000, 60_000, 120_000])('keeps a %i ms budget within 10%% when the model is right', (budget) => {
    const { elapsedMs, done } = simulate(budget, () => 1);
    expect(Math.abs(elapsedMs - budget) / budget).toBeLessThan(0.1);
    expect(done.every((n) => n > 0)).toBe(true);
  });

  it('on a machine 1.6x slower than the model, still ends within 10% and the coarse scales lose iterations first', () => {
    const right = simulate(60_000, () => 1);
    const slow = simulate(60_000, () => 1.6);
    expect(Math.abs(slow.elapsedMs - 60_000) / 60_000).toBeLessThan(0.1);
    const lostCoarse = right.done[0]! + right.done[1]! - slow.done[0]! - slow.done[1]!;
    expect(lostCoarse).toBeGreaterThan(0);
    // The final scale's share of the iterations grows: it gave up fewer than the coarse ones (relatively).
    expect(slow.done[2]! / right.done[2]!).toBeGreaterThan((slow.done[0]! + slow.done[1]!) / (right.done[0]! + right.done[1]!));
  });

  it('when the machine gets busy halfway, re-plans and still ends within 10%', () => {
    const { elapsedMs } = simulate(60_000, (t) => (t > 20_000 ? 2 : 1));
    expect(Math.abs(elapsedMs - 60_000) / 60_000).toBeLessThan(0.1);
  });

  it('on a faster machine uses the time too (more iterations, within 10%)', () => {
    const right = simulate(60_000, () => 1);
    const fast = simulate(60_000, () => 0.5);
    expect(Math.abs(fast.elapsedMs - 60_000) / 60_000).toBeLessThan(0.1);
    expect(fast.done[2]!).toBeGreaterThan(right.done[2]!);
  });

  it("keeps each scale's set-up out of the slowdown: a slow first iteration does not cost the coarse scales their turn", () => {
    const { done, elapsedMs } = simulate(60_000, () => 1, FINAL_SCALE_FLOOR, 1500);
    const quick = simulate(60_000, () => 1);
    expect(Math.abs(elapsedMs - 60_000) / 60_000).toBeLessThan(0.1);
    // The set-up (3 x 1.5 s) is paid for, but every scale keeps most of its iterations.
    done.forEach((n, i) => expect(n).toBeGreaterThan(0.6 * quick.done[i]!));
  });

  it('does not believe one slow warm-up iteration: the coarse scales keep their turn', () => {
    // The run's second iteration (the first steady one) is 6x slower, as code warming up in a fresh process is.
    const { done, elapsedMs } = simulate(60_000, (_t, i) => (i === 1 ? 6 : 1));
    const quick = simulate(60_000, () => 1);
    expect(Math.abs(elapsedMs - 60_000) / 60_000).toBeLessThan(0.1);
    done.forEach((n, i) => expect(n).toBeGreaterThan(0.6 * quick.done[i]!));
  });

  it('on a machine 2.5x slower, the coarse scales keep a few iterations each before the final scale gives up its own', () => {
    const { done, elapsedMs } = simulate(60_000, () => 2.5);
    expect(Math.abs(elapsedMs - 60_000) / 60_000).toBeLessThan(0.1);
    expect(done[0]).toBeGreaterThanOrEqual(COARSE_SCALE_KEEP);
    expect(done[1]).toBeGreaterThanOrEqual(COARSE_SCALE_KEEP);
    expect(done[2]).toBeGreaterThanOrEqual(FINAL_SCALE_FLOOR);
  });

  it('never gives the final scale fewer than the floor, even far over budget', () => {
    const { done } = simulate(2000, () => 5, 7);
    expect(done[2]).toBe(7);
    expect(done[0]).toBe(0);
  });
});

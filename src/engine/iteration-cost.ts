// The cost model of one iteration: a line in the pixel count. Its own module so that the budget planner (budget.ts)
// and the estimates built on it (estimate.ts) both read it without importing each other.

/** Cost of one stylize() iteration (objective + optimizer step) on one backend: fixedMs + msPerMegapixel x MP. */
export interface IterationCost {
  backend: string;
  fixedMs: number;
  msPerMegapixel: number;
  /** Once per job: weights, targets, graph or session set-up. */
  setupMs: number;
}

/** ms of one iteration on a width x height picture. */
export function iterationMs(cost: IterationCost, width: number, height: number): number {
  return cost.fixedMs + (cost.msPerMegapixel * width * height) / 1e6;
}

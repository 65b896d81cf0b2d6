// Painting to a time budget: how many iterations each coarse-to-fine scale gets so that the whole run ends at the
// budget, planned from a cost model (estimate.ts: ms per iteration as a line in the pixel count, so a scale at half
// the side is priced at its own, about 4x lower, cost) and re-planned as the run goes from the time its iterations
// really took. A machine slower than the model (or a busy one) loses iterations from the coarse scales first; the
// final scale never gets fewer than FINAL_SCALE_FLOOR. The final scale runs until the budget's time is spent.
// Pure: the caller passes the clock's readings.
import { type IterationCost, iterationMs } from './iteration-cost.js';

/**
 * The fewest iterations the final scale gets whatever the clock says. At 512 px, 15 final iterations after two
 * coarse scales give a picture like the paper's figure (issue 20's measurement); 10 keep it recognisably finished.
 */
export const FINAL_SCALE_FLOOR = 10;

/**
 * How the budget's time is shared between the scales: scale i of n (0 = coarsest) gets a share proportional to
 * FINE_SHARE_RATIO^i, so with 3 scales the shares are 1 : r : r^2 of the time. r = 1 gives every scale the same time
 * (coarse scales then run many more, cheaper, iterations); r = 4 is 1/21, 4/21, 16/21. Measured at 512 px in 60 s
 * (docs/time-budget.md, Levers): r = 1 blurred the picture (14.8x the reference's total), r = 2 1.86x, r = 4 1.60x
 * and 1.43x with the detail band (stylize.ts DETAIL_TRANSFER), r = 8 1.38x with it but its coarse scales barely ran.
 */
export const FINE_SHARE_RATIO = 4;

/**
 * Steady iterations measured before the slowdown is believed: the default 512 px run's first job in a fresh process
 * measured one slow 128 px iteration (code warming up) and gave both coarse scales up after 2 iterations each.
 */
export const MIN_STEADY_SAMPLES = 3;

/** Steady iterations whose median is the slowdown: recent enough to follow a machine that gets busy. */
export const SLOWDOWN_WINDOW = 15;

/** Every scale but the final may be skipped (0 iterations) when time is short: its picture is then upsampled as is. */
export interface BudgetScale {
  /** Width and height of the picture at this scale, px. */
  width: number;
  height: number;
}

/** Options of planBudget; see there. */
export interface PlanOptions {
  /** Measured ms / modelled ms so far; 1 before anything is measured. */
  slowdown?: number;
  /** The final scale's iterations in the first plan: a re-plan short of time keeps them before any coarse ones. */
  finalTarget?: number;
  /** The final scale's least iterations (default FINAL_SCALE_FLOOR). */
  floor?: number;
  /** ms each scale after the first spends setting up before its first iteration (inputs, session); default 0. */
  setupMs?: number;
  /** The time-share ratio between neighbouring scales (default FINE_SHARE_RATIO). */
  ratio?: number;
}

/**
 * Iterations for each of `scales` (coarse to fine) to fill `budgetMs` of painting at the model's cost times
 * `slowdown`: scale i gets the share ratio^i / sum of the budget (after the set-up of the scales after the first),
 * priced at its own size. When that leaves the final scale below `finalTarget` (the plan made at the start), the
 * coarse scales give up theirs first, down to 0, then the final scale down to the floor.
 * Returns whole numbers >= 0 (the last >= the floor). Throws RangeError for an empty scale list.
 */
export function planBudget(cost: IterationCost, scales: readonly BudgetScale[], budgetMs: number, opts: PlanOptions = {}): number[] {
  if (scales.length === 0) throw new RangeError('planBudget needs at least one scale');
  const slowdown = opts.slowdown && opts.slowdown > 0 && Number.isFinite(opts.slowdown) ? opts.slowdown : 1;
  const floor = opts.floor ?? FINAL_SCALE_FLOOR;
  const ratio = opts.ratio ?? FINE_SHARE_RATIO;
  const each = scales.map((s) => slowdown * iterationMs(cost, s.width, s.height));
  const remaining = Math.max(0, budgetMs - (opts.setupMs ?? 0) * (scales.length - 1));
  const weights = scales.map((_, i) => ratio ** i);
  const weightSum = weights.reduce((a, b) => a + b, 0);
  const shared = scales.map((_, i) => Math.floor((remaining * weights[i]!) / weightSum / each[i]!));
  const finalMs = each.at(-1)!;
  // Whatever the rounding left goes to the final scale.
  const used = shared.reduce((a, n, i) => a + n * each[i]!, 0);
  shared[shared.length - 1] = shared.at(-1)! + Math.floor((remaining - used) / finalMs);
  const target = Math.max(floor, opts.finalTarget ?? 0);
  if (shared.at(-1)! >= target || scales.length === 1) {
    shared[shared.length - 1] = Math.max(floor, shared.at(-1)!);
    return shared;
  }
  // Short of time, in this order: the coarse scales give up iterations down to COARSE_SCALE_KEEP each, then the final
  // scale down to its floor, then the coarse scales the rest (a scale with no time is skipped).
  const coarseWeight = weightSum - weights.at(-1)!;
  const byShares = (ms: number) => scales.slice(0, -1).map((_, i) => Math.floor((ms * weights[i]!) / coarseWeight / each[i]!));
  const keep = shared.slice(0, -1).map((n) => Math.min(n, COARSE_SCALE_KEEP));
  const keepMs = keep.reduce((a, n, i) => a + n * each[i]!, 0);
  const finalAfterKeep = Math.min(target, Math.floor((remaining - keepMs) / finalMs));
  if (finalAfterKeep >= floor) {
    const extra = byShares(Math.max(0, remaining - keepMs - finalAfterKeep * finalMs));
    return [...keep.map((n, i) => n + extra[i]!), finalAfterKeep];
  }
  const final = Math.max(floor, Math.min(target, Math.floor(remaining / finalMs)));
  return [...byShares(Math.max(0, remaining - final * finalMs)), final];
}

/**
 * Iterations a coarse scale keeps before the final scale gives up any of its own: enough for the coarse picture to
 * take the painting's large shapes (the default 512 px run that gave its coarse scales 2 iterations each had none).
 */
export const COARSE_SCALE_KEEP = 8;

/**
 * Follows one budgeted run: plan() at the start, then before each iteration continueScale() says whether the
 * current scale takes another one, from the times record() was given. Times are ms on the caller's clock, counted
 * from the start of the run.
 */
export class BudgetRun {
  private readonly plannedFinal: number;
  /** Steady iterations only (a scale's first carries its set-up): measured and modelled ms, for the slowdown. */
  /** Measured / modelled ms of the newest steady iterations (a scale's first carries its set-up and is left out). */
  private ratios: number[] = [];
  private current: number[];
  private finalMsMeasured: number | null = null;
  private iterationsDone = 0;
  /** When the last recorded iteration ended, and the scale it belonged to. */
  private lastEnd = 0;
  private lastIndex = -1;
  /** The newest scale's set-up: the time from the previous scale's last iteration to its own first, less one steady iteration. */
  private setupMs = 0;
  private pendingSetup: { index: number; ms: number } | null = null;

  /**
   * `floor`: the final scale's least iterations. `cap`: the most iterations over all scales (the user's
   * `iterations` when given with a budget): a coarse scale then takes at most its equal share, cap / scales.
   * `ratio`: the time-share ratio between neighbouring scales (planBudget).
   */
  constructor(
    private readonly cost: IterationCost,
    private readonly scales: readonly BudgetScale[],
    readonly budgetMs: number,
    private readonly floor = FINAL_SCALE_FLOOR,
    private readonly cap = Infinity,
    private readonly ratio = FINE_SHARE_RATIO,
  ) {
    this.current = planBudget(cost, scales, budgetMs, { floor, ratio });
    this.plannedFinal = this.current.at(-1)!;
  }

  /** The plan now: iterations per scale (those done and those still planned). */
  get plan(): readonly number[] {
    return this.current;
  }

  /**
   * Measured over modelled time of the steady iterations: the median of the newest SLOWDOWN_WINDOW, so that one slow
   * iteration (code warming up in a fresh process, a hiccup) does not move it; 1 (the model) until MIN_STEADY_SAMPLES
   * are in.
   */
  get slowdown(): number {
    if (this.ratios.length < MIN_STEADY_SAMPLES) return 1;
    const sorted = [...this.ratios].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  }

  /**
   * One iteration of scale `index` ran from `startMs` to `endMs` (ms since the run began). A scale's first iteration
   * and the time before it since the previous scale's last are its set-up: they are kept out of the slowdown and
   * planned for each scale still to come.
   */
  record(index: number, startMs: number, endMs: number): void {
    const s = this.scales[index]!;
    const ms = endMs - startMs;
    this.iterationsDone += 1;
    if (index !== this.lastIndex) {
      this.pendingSetup = { index, ms: endMs - this.lastEnd };
    } else {
      this.ratios.push(ms / iterationMs(this.cost, s.width, s.height));
      if (this.ratios.length > SLOWDOWN_WINDOW) this.ratios.shift();
      if (this.pendingSetup?.index === index) {
        this.setupMs = Math.max(0, this.pendingSetup.ms - ms);
        this.pendingSetup = null;
      }
      if (index === this.scales.length - 1)
        this.finalMsMeasured = this.finalMsMeasured === null ? ms : 0.7 * this.finalMsMeasured + 0.3 * ms;
    }
    this.lastEnd = endMs;
    this.lastIndex = index;
  }

  /**
   * Whether scale `index` runs another iteration, having done `doneInScale` of them, with `elapsedMs` of the budget
   * spent. Coarse scales: re-planned from the time left, the slowdown and the set-up measured. The final scale: until
   * the next iteration would end past the budget, never fewer than the floor.
   */
  continueScale(index: number, doneInScale: number, elapsedMs: number): boolean {
    const last = index === this.scales.length - 1;
    if (this.iterationsDone >= this.cap) return false;
    const s = this.scales[index]!;
    if (last) {
      if (doneInScale < this.floor) return true;
      const per = this.finalMsMeasured ?? this.slowdown * iterationMs(this.cost, s.width, s.height);
      return elapsedMs + per <= this.budgetMs;
    }
    // The current scale's iterations so far count as its own in the re-plan (at their modelled price).
    const spentHere = doneInScale * this.slowdown * iterationMs(this.cost, s.width, s.height);
    const rest = planBudget(this.cost, this.scales.slice(index), this.budgetMs - elapsedMs + spentHere, {
      slowdown: this.slowdown,
      finalTarget: this.plannedFinal,
      floor: this.floor,
      setupMs: this.setupMs,
      ratio: this.ratio,
    });
    this.current = [...this.current.slice(0, index), ...rest];
    return doneInScale < Math.min(rest[0]!, Math.floor(this.cap / this.scales.length));
  }
}

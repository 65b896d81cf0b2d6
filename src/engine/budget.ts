// Painting to a time budget: how many iterations each coarse-to-fine scale gets so that the whole run ends at the
// budget, planned from a cost model (estimate.ts: ms per iteration as a line in the pixel count, so a scale at half
// the side is priced at its own, about 4x lower, cost) and re-planned as the run goes from the time its iterations
// really took. A machine slower than the model (or a busy one) loses iterations from the coarse scales first; the
// final scale never gets fewer than FINAL_SCALE_FLOOR. The final scale runs until the budget's time is spent.
// Pure: the caller passes the clock's readings.
import { iterationMs, type IterationCost } from './estimate.js';

/**
 * The fewest iterations the final scale gets whatever the clock says. At 512 px, 15 final iterations after two
 * coarse scales give a picture like the paper's figure (issue 20's measurement); 10 keep it recognisably finished.
 */
export const FINAL_SCALE_FLOOR = 10;

/** Every scale but the final may be skipped (0 iterations) when time is short: its picture is then upsampled as is. */
export interface BudgetScale {
  /** Width and height of the picture at this scale, px. */
  width: number;
  height: number;
}

/**
 * Iterations for each of `scales` (coarse to fine) to fill `budgetMs` of painting at the model's cost times `slowdown`
 * (measured ms / modelled ms; 1 before anything is measured): equal iterations per scale (today's split, priced
 * per scale), and when that leaves the final scale below `planned.final` (the plan made at the start), the coarse
 * scales give up theirs first, down to 0, then the final scale down to FINAL_SCALE_FLOOR.
 * Returns whole numbers >= 0 (the last >= FINAL_SCALE_FLOOR). Throws RangeError for an empty scale list.
 */
export function planBudget(
  cost: IterationCost,
  scales: readonly BudgetScale[],
  budgetMs: number,
  opts: { slowdown?: number; finalTarget?: number; floor?: number } = {},
): number[] {
  if (scales.length === 0) throw new RangeError('planBudget needs at least one scale');
  const slowdown = opts.slowdown && opts.slowdown > 0 && Number.isFinite(opts.slowdown) ? opts.slowdown : 1;
  const floor = opts.floor ?? FINAL_SCALE_FLOOR;
  const each = scales.map((s) => slowdown * iterationMs(cost, s.width, s.height));
  const remaining = Math.max(0, budgetMs);
  const equal = Math.floor(remaining / each.reduce((a, b) => a + b, 0));
  const target = opts.finalTarget ?? 0;
  if (equal >= Math.max(floor, target) || scales.length === 1) {
    const plan = scales.map(() => equal);
    // Whatever the rounding left goes to the final scale.
    const left = remaining - equal * each.reduce((a, b) => a + b, 0);
    plan[plan.length - 1] = Math.max(floor, equal + Math.floor(left / each.at(-1)!));
    return plan;
  }
  // Short of time: keep the final scale's target (or the floor) and give the coarse scales what is left.
  const finalMs = each.at(-1)!;
  const final = Math.max(floor, Math.min(Math.max(target, floor), Math.floor(remaining / finalMs)));
  const coarseMs = each.slice(0, -1).reduce((a, b) => a + b, 0);
  const coarse = Math.max(0, Math.floor((remaining - final * finalMs) / coarseMs));
  return [...scales.slice(0, -1).map(() => coarse), final];
}

/**
 * Follows one budgeted run: plan() at the start, then before each iteration continueScale() says whether the
 * current scale takes another one, from the times record() was given. Times are ms on the caller's clock.
 */
export class BudgetRun {
  private readonly plannedFinal: number;
  private spentMs = 0;
  private modelledMs = 0;
  private current: number[];
  private finalMsMeasured: number | null = null;
  private iterationsDone = 0;

  /**
   * `floor`: the final scale's least iterations. `cap`: the most iterations over all scales (the user's
   * `iterations` when given with a budget): a coarse scale then takes at most its equal share, cap / scales.
   */
  constructor(
    private readonly cost: IterationCost,
    private readonly scales: readonly BudgetScale[],
    readonly budgetMs: number,
    private readonly floor = FINAL_SCALE_FLOOR,
    private readonly cap = Infinity,
  ) {
    this.current = planBudget(cost, scales, budgetMs, { floor });
    this.plannedFinal = this.current.at(-1)!;
  }

  /** The plan now: iterations per scale (those done and those still planned). */
  get plan(): readonly number[] {
    return this.current;
  }

  /** Measured over modelled time so far (1 before anything is recorded). */
  get slowdown(): number {
    return this.modelledMs > 0 ? this.spentMs / this.modelledMs : 1;
  }

  /** One iteration of scale `index` took `ms` (set-up of the scale included in its first). */
  record(index: number, ms: number): void {
    const s = this.scales[index]!;
    this.spentMs += ms;
    this.iterationsDone += 1;
    this.modelledMs += iterationMs(this.cost, s.width, s.height);
    if (index === this.scales.length - 1) this.finalMsMeasured = this.finalMsMeasured === null ? ms : 0.7 * this.finalMsMeasured + 0.3 * ms;
  }

  /**
   * Whether scale `index` runs another iteration, having done `doneInScale` of them, with `elapsedMs` of the budget
   * spent. Coarse scales: re-planned from the time left and the slowdown measured. The final scale: until the next
   * iteration would end past the budget, never fewer than the floor.
   */
  continueScale(index: number, doneInScale: number, elapsedMs: number): boolean {
    const last = index === this.scales.length - 1;
    if (this.iterationsDone >= this.cap) return false;
    if (last) {
      if (doneInScale < this.floor) return true;
      const per = this.finalMsMeasured ?? this.slowdown * iterationMs(this.cost, this.scales[index]!.width, this.scales[index]!.height);
      return elapsedMs + per <= this.budgetMs;
    }
    const rest = planBudget(this.cost, this.scales.slice(index), this.budgetMs - elapsedMs + this.spentOnScale(index, doneInScale), {
      slowdown: this.slowdown,
      finalTarget: this.plannedFinal,
      floor: this.floor,
    });
    this.current = [...this.current.slice(0, index), ...rest];
    return doneInScale < Math.min(rest[0]!, Math.floor(this.cap / this.scales.length));
  }

  /** ms the current scale's iterations so far are modelled at, so a re-plan counts them as this scale's. */
  private spentOnScale(index: number, doneInScale: number): number {
    const s = this.scales[index]!;
    return doneInScale * this.slowdown * iterationMs(this.cost, s.width, s.height);
  }
}

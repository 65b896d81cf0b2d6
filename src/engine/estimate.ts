// How long a run takes, before it starts: ms per iteration as a line in the number of pixels (the convolutions,
// the Gram matrices and L-BFGS's vectors all grow with it), fitted to measurements, and the sizes and iteration
// counts that fit a time budget. Pure: no tfjs, no timers; the callers say which backend and what limits.
import { planBudget } from './budget.js';
import { type IterationCost, iterationMs } from './iteration-cost.js';

export { type IterationCost, iterationMs } from './iteration-cost.js';
import { planScales } from './scale-plan.js';

/**
 * Measured stylize() ms per iteration (L-BFGS, 5 style layers + content), fitted per backend:
 *   onnxruntime  the project's 2-core CI-class machine, quiet (issue 20): 182 ms at 128 x 128 (npm run bench), and
 *                3 scales of 15 iterations at 128/256/512 px (512 x 384) in 40-55 s with set-up. An older row measured
 *                under heavy load (load average 11-15: 1113 ms at 128 x 96) was about 5x slower than this; a
 *                calibration (fitCost) of the machine itself replaces the row.
 *   wasm         the same machine when quiet: 1945 ms at 128 px, 7654 ms at 256 px (README, Speed)
 *   webgpu       an H100: 25 ms at 512 px, 92 ms at 1024 px (README, On a GPU)
 * Other backends are estimated as the closest measured one (tensorflow-gpu and onnxruntime-cuda as webgpu,
 * tensorflow as onnxruntime, cpu as 25x wasm); a calibration (fitCost) replaces any of them.
 */
export const MEASURED_COSTS: Readonly<Record<string, IterationCost>> = {
  onnxruntime: { backend: 'onnxruntime', fixedMs: 40, msPerMegapixel: 10_000, setupMs: 4000 },
  wasm: { backend: 'wasm', fixedMs: 42, msPerMegapixel: 116_000, setupMs: 3000 },
  webgpu: { backend: 'webgpu', fixedMs: 3, msPerMegapixel: 85, setupMs: 3000 },
};

const STAND_IN: Readonly<Record<string, string>> = {
  'tensorflow-gpu': 'webgpu',
  'onnxruntime-cuda': 'webgpu',
  'onnxruntime-webgpu': 'webgpu',
  tensorflow: 'onnxruntime',
};

/** The measured cost of a backend by the name initBackend() reports, or a stand-in's (see MEASURED_COSTS). */
export function costForBackend(backend: string): IterationCost {
  const own = MEASURED_COSTS[backend];
  if (own) return own;
  if (backend === 'cpu') {
    const wasm = MEASURED_COSTS.wasm!;
    return { backend, fixedMs: 25 * wasm.fixedMs, msPerMegapixel: 25 * wasm.msPerMegapixel, setupMs: wasm.setupMs };
  }
  return { ...MEASURED_COSTS[STAND_IN[backend] ?? 'wasm']!, backend };
}

/**
 * The line through calibration samples (least squares; one sample: through the origin), in ms per iteration
 * against pixels. Throws a RangeError without samples.
 */
export function fitCost(backend: string, samples: readonly { pixels: number; ms: number }[], setupMs = 3000): IterationCost {
  if (samples.length === 0) throw new RangeError('fitCost needs at least one sample');
  const mp = samples.map((s) => s.pixels / 1e6);
  if (samples.length === 1 || mp.every((x) => x === mp[0])) {
    return {
      backend,
      fixedMs: 0,
      msPerMegapixel: samples.reduce((a, s) => a + s.ms, 0) / samples.reduce((a, s) => a + s.pixels / 1e6, 0),
      setupMs,
    };
  }
  const n = samples.length;
  const mx = mp.reduce((a, b) => a + b, 0) / n;
  const my = samples.reduce((a, s) => a + s.ms, 0) / n;
  let sxy = 0;
  let sxx = 0;
  samples.forEach((s, i) => {
    sxy += (mp[i]! - mx) * (s.ms - my);
    sxx += (mp[i]! - mx) ** 2;
  });
  const slope = Math.max(0, sxy / sxx);
  return { backend, fixedMs: Math.max(0, my - slope * mx), msPerMegapixel: slope, setupMs };
}

/**
 * ms of a whole job. A chat job's picture has the aspect ratio of a photo not yet seen, so without width and
 * height the picture is taken as square, size x size: the longest side fixed, the most pixels it can have.
 */
export function estimateJobMs(cost: IterationCost, job: { size: number; iterations: number; width?: number; height?: number }): number {
  return cost.setupMs + job.iterations * iterationMs(cost, job.width ?? job.size, job.height ?? job.size);
}

/** Sizes tried for defaults and suggestions, largest first. */
export const SIZE_LADDER = [2048, 1536, 1024, 768, 640, 512, 448, 384, 320, 256, 224, 192, 160, 128, 96, 64] as const;

/** The largest size on the ladder (or any size down to 16 px) whose job of `iterations` fits in limitMs, or null. */
export function largestSizeWithin(cost: IterationCost, iterations: number, limitMs: number): number | null {
  const perIteration = (limitMs - cost.setupMs) / iterations;
  if (!(perIteration > cost.fixedMs)) return null;
  const side = Math.floor(Math.sqrt(((perIteration - cost.fixedMs) * 1e6) / cost.msPerMegapixel));
  if (side < 16) return null;
  return SIZE_LADDER.find((s) => s <= side) ?? side;
}

/** "about 3 min" / "about 45 s" / "about 2.1 h". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 90) return `about ${Math.max(1, Math.round(s))} s`;
  if (s < 90 * 60) return `about ${Math.round(s / 60)} min`;
  return `about ${(s / 3600).toFixed(1)} h`;
}

/**
 * Null when the job's estimate is within limitMs; else a sentence for the requester with the estimate, the limit
 * and a size that fits at the same iterations (or fewer iterations, when no size does).
 */
export function refuseOverLimit(cost: IterationCost, job: { size: number; iterations: number }, limitMs: number): string | null {
  const estimate = estimateJobMs(cost, job);
  if (estimate <= limitMs) return null;
  const size = largestSizeWithin(cost, job.iterations, limitMs);
  const instead = size
    ? `size ${size} fits (${formatDuration(estimateJobMs(cost, { size, iterations: job.iterations }))})`
    : `fewer iterations would: ${Math.max(1, Math.floor((limitMs - cost.setupMs) / iterationMs(cost, 64, 64)))} at size 64 fit`;
  return (
    `At size ${job.size} with ${job.iterations} iterations this job would take ${formatDuration(estimate)} on ${cost.backend}, ` +
    `over the ${formatDuration(limitMs).replace('about ', '')} limit; ${instead}.`
  );
}

/**
 * ms of `iterations` split over coarse-to-fine scales (multiscale.ts planScales' sizes and split), each iteration
 * priced at its own scale's size x size (an upper bound for a picture that is not square).
 */
export function scaledJobMs(cost: IterationCost, scales: readonly { size: number; iterations: number }[]): number {
  return cost.setupMs + scales.reduce((ms, s) => ms + s.iterations * iterationMs(cost, s.size, s.size), 0);
}

/**
 * The line the CLI prints before the first iteration: for a budget, the budget; else the estimate for a size x size
 * picture (an upper bound) over its scales when `scales` is given (planScales), else at the final size throughout.
 */
export function describeEstimate(
  backend: string,
  size: number,
  iterations: number,
  scales?: readonly { size: number; iterations: number }[],
  budgetS?: number,
): string {
  const cost = costForBackend(backend);
  if (budgetS !== undefined)
    return `Painting to a budget of ${budgetS} s on ${backend} (${size} px; plus set-up, ${formatDuration(cost.setupMs)}).`;
  if (scales && scales.length > 1) {
    return `Estimate on ${backend}: at most ${formatDuration(scaledJobMs(cost, scales))} (${size} px, ${iterations} iterations over scales ${scales.map((s) => s.size).join('/')}).`;
  }
  const per = iterationMs(cost, size, size);
  return `Estimate on ${backend}: at most ${formatDuration(estimateJobMs(cost, { size, iterations }))} (${size} px, ${iterations} iterations, ${per < 1000 ? `${Math.round(per)} ms` : `${(per / 1000).toFixed(1)} s`} each).`;
}

/**
 * Seconds of painting a job gets when nobody names a budget or iterations (CLI, chat, studio; STYLEBOT_TARGET_JOB_S
 * for the bots). On the 2-core CPU box 60 s paints 512 px within 1.5x of the 500-iteration reference's loss.
 */
export const DEFAULT_BUDGET_S = 60;

/** Final-scale iterations a default picture needs to look finished (issue 20: 15 at 512 px look like the paper's figure). */
export const GOOD_FINAL_ITERATIONS = 15;

/**
 * The final-scale iterations a budget of `budgetMs` buys for a 4:3 picture of longest side `size` painted in its
 * automatic scales, by the cost model (set-up included), before anything is measured (budget.ts planBudget).
 */
export function finalIterationsWithin(cost: IterationCost, budgetMs: number, size: number): number {
  // The automatic scales' sizes (the iteration count only has to allow every scale).
  const scales = planScales(size, 1000, 0).map(({ size: side }) => ({ width: side, height: Math.max(1, Math.round((side * 3) / 4)) }));
  return planBudget(cost, scales, budgetMs - cost.setupMs, { floor: 0 }).at(-1)!;
}

/**
 * The default size for a budget: the largest size on SIZE_LADDER (at most maxSize) whose final scale gets
 * GOOD_FINAL_ITERATIONS in budgetMs by the cost model; the smallest when none does. 512 px for 60 s on a 2-core CPU.
 */
export function budgetSize(cost: IterationCost, budgetMs: number, maxSize: number): number {
  const sizes: number[] = SIZE_LADDER.filter((s) => s <= maxSize);
  if (sizes[0] !== maxSize) sizes.unshift(maxSize);
  return sizes.find((size) => finalIterationsWithin(cost, budgetMs, size) >= GOOD_FINAL_ITERATIONS) ?? sizes.at(-1)!;
}

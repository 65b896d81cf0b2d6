// Coarse-to-fine ("multi-scale") optimisation: the picture is painted first at a small size, where an iteration is
// cheap and VGG-19's receptive fields cover the painting's large structures, then upsampled and refined at sizes about
// twice as large, up to the size asked for. This file only plans the scales (pure, no tfjs: the front prices budgets
// with it); multiscale.ts upsamples between them and stylize.ts runs them.

/** The smallest scale (longest side, px) a plan starts from: below it VGG-19's relu5_1 is too coarse to carry style. */
export const MIN_SCALE_SIDE = 128;

/** With scales 0 ("auto"), pictures up to this longest side are painted in one scale (measured: bench/quality.ts). */
export const AUTO_SINGLE_SCALE_UP_TO = 256;

export interface ScalePlanEntry {
  /** Longest side of the picture at this scale, in pixels. */
  size: number;
  /** Optimizer iterations run at this scale. */
  iterations: number;
}

/** The most scales a picture of this longest side can have: each half the next, the smallest at least MIN_SCALE_SIDE. */
export function maxScaleCount(size: number, minSide = MIN_SCALE_SIDE): number {
  if (size < 2 * minSide) return 1;
  return 1 + Math.floor(Math.log2(size / minSide));
}

/**
 * The scale count `scales: 0` (auto) picks: one scale up to AUTO_SINGLE_SCALE_UP_TO px, above it every scale that fits
 * (512 px: 128, 256, 512; 2048 px: 128 ... 2048, five scales).
 */
export function autoScaleCount(size: number, minSide = MIN_SCALE_SIDE): number {
  return size <= AUTO_SINGLE_SCALE_UP_TO ? 1 : maxScaleCount(size, minSide);
}

/**
 * The scales of a run: `scales` sizes (longest side) ending at `size`, each half the next (rounded), at most
 * maxScaleCount(size) of them (a request for more gets fewer), 0 = autoScaleCount(size). `iterations` is the total
 * over all scales, split equally; the remainder goes to the last (largest) scales, one each, and every scale gets at
 * least one (so a plan never has more scales than iterations). Because an iteration at half the side costs about a
 * quarter, N scales of iterations/N each cost about (1 + 1/4 + 1/16 ...)/N of a single-scale run of the same total.
 *
 * `minSide` replaces MIN_SCALE_SIDE (tests at 64 px). Throws RangeError for a negative or fractional scale count, or
 * iterations below 1.
 */
export function planScales(size: number, iterations: number, scales: number, minSide = MIN_SCALE_SIDE): ScalePlanEntry[] {
  if (!Number.isInteger(scales) || scales < 0) throw new RangeError(`scales must be a whole number of 0 (auto) or more (got ${scales}).`);
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new RangeError(`iterations must be a whole number of 1 or more (got ${iterations}).`);
  const wanted = scales === 0 ? autoScaleCount(size, minSide) : scales;
  const count = Math.max(1, Math.min(wanted, maxScaleCount(size, minSide), iterations));
  const base = Math.floor(iterations / count);
  const extra = iterations - base * count;
  return Array.from({ length: count }, (_, i) => ({
    size: Math.round(size / 2 ** (count - 1 - i)),
    iterations: base + (i >= count - extra ? 1 : 0),
  }));
}

/**
 * The work of each scale relative to the others: iterations x pixels (an iteration's cost grows with the pixel count),
 * for an overall progress and time estimate that do not jump when a scale ends.
 */
export function scaleWork(plan: readonly ScalePlanEntry[]): number[] {
  return plan.map((s) => s.iterations * s.size * s.size);
}

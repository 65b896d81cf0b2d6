// The engine's default options and their validation. Every problem becomes a RangeError whose message
// can be shown as is to the person who asked for the picture.
import { randomInt } from 'node:crypto';
import { defaultStyleWeight } from './style-weight.js';
import type { StylizeOptions, StylizeRequest } from './types.js';

/**
 * Defaults. styleWeight 1e4 with this loss normalisation (E_l = 1/(4 N^2 M^2) sum (G - A)^2, content
 * 1/2 sum (F - P)^2, alpha = 1) gives pictures like the paper's figure at 512 px (see shared/reference/README.md);
 * when the caller gives none, resolveOptions uses defaultStyleWeight(size) (style-weight.ts), which is 1e4 at 512 px
 * and follows the pixel count elsewhere. scales 0 = automatic (multiscale.ts).
 * seed is a placeholder: a fresh random seed is drawn when the caller gives none.
 */
export const DEFAULT_OPTIONS: Readonly<StylizeOptions> = Object.freeze({
  iterations: 500,
  size: 512,
  init: 'content',
  styleScale: 1,
  contentWeight: 1,
  styleWeight: 1e4,
  tvWeight: 0,
  optimizer: 'lbfgs',
  learningRate: 10,
  seed: 0,
  preserveColors: 'none',
  layerWeights: Object.freeze([0.2, 0.2, 0.2, 0.2, 0.2]) as unknown as [number, number, number, number, number],
  progressEvery: 10,
  previewSize: 256,
  scales: 0,
  pick: 'random',
});

export const LIMITS = {
  iterations: { min: 1, max: 10_000 },
  size: { min: 16, max: 4096 },
  styleScale: { min: 0.05, max: 4 },
  previewSize: { max: 4096 },
  maxStyles: 16,
} as const;

function wholeNumber(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max} (got ${String(v)}).`);
  }
  return v;
}

function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new RangeError(`${name} must be a number of 0 or more (got ${String(v)}).`);
  }
  return v;
}

function oneOf<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new RangeError(`${name} must be one of ${allowed.join(', ')} (got ${String(v)}).`);
  }
  return v as T;
}

/** Fills in defaults, checks every value, and draws a random seed when none is given. */
export function resolveOptions(partial: Partial<StylizeOptions> = {}): StylizeOptions {
  const known = new Set(Object.keys(DEFAULT_OPTIONS));
  for (const key of Object.keys(partial)) {
    if (!known.has(key)) throw new RangeError(`Unknown option "${key}". Known options: ${[...known].join(', ')}.`);
  }
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<StylizeOptions>;
  const o = { ...DEFAULT_OPTIONS, ...given };
  const seed = given.seed ?? randomInt(0, 2 ** 31);

  const layerWeights = o.layerWeights as unknown;
  if (!Array.isArray(layerWeights) || layerWeights.length !== 5) {
    throw new RangeError('layerWeights must be a list of 5 numbers (for conv1_1, conv2_1, conv3_1, conv4_1, conv5_1).');
  }
  const lw = layerWeights.map((w, i) => nonNegative(`layerWeights[${i}]`, w)) as StylizeOptions['layerWeights'];
  const size = wholeNumber('size', o.size, LIMITS.size.min, LIMITS.size.max);
  const styleWeight = nonNegative('styleWeight', given.styleWeight ?? defaultStyleWeight(size));
  if (styleWeight > 0 && lw.every((w) => w === 0)) throw new RangeError('At least one of layerWeights must be above 0.');
  const learningRate = nonNegative('learningRate', o.learningRate);
  if (learningRate === 0) throw new RangeError('learningRate must be above 0.');
  const styleScale = nonNegative('styleScale', o.styleScale);
  if (styleScale < LIMITS.styleScale.min || styleScale > LIMITS.styleScale.max) {
    throw new RangeError(`styleScale must be from ${LIMITS.styleScale.min} to ${LIMITS.styleScale.max} (got ${styleScale}).`);
  }

  return {
    iterations: wholeNumber('iterations', o.iterations, LIMITS.iterations.min, LIMITS.iterations.max),
    size,
    init: oneOf('init', o.init, ['content', 'noise', 'picture'] as const),
    styleScale,
    contentWeight: nonNegative('contentWeight', o.contentWeight),
    styleWeight,
    tvWeight: nonNegative('tvWeight', o.tvWeight),
    optimizer: oneOf('optimizer', o.optimizer, ['lbfgs', 'adam'] as const),
    learningRate,
    seed: wholeNumber('seed', seed, 0, 2 ** 32 - 1),
    preserveColors: oneOf('preserveColors', o.preserveColors, ['none', 'luminance', 'reinhard'] as const),
    layerWeights: lw,
    progressEvery: wholeNumber('progressEvery', o.progressEvery, 1, LIMITS.iterations.max),
    previewSize: wholeNumber('previewSize', o.previewSize, 0, LIMITS.previewSize.max),
    scales: wholeNumber('scales', o.scales, 0, 8),
    pick: oneOf('pick', o.pick, ['random', 'closest'] as const),
  };
}

/** Checks the request's images and style weights (not their bytes: decoding does that). */
export function checkRequest(request: StylizeRequest): void {
  if (!request || !Array.isArray(request.styles) || request.styles.length === 0) {
    throw new RangeError('Give at least one style image.');
  }
  if (request.styles.length > LIMITS.maxStyles) {
    throw new RangeError(`Give at most ${LIMITS.maxStyles} style images (got ${request.styles.length}).`);
  }
  request.styles.forEach((s, i) => {
    if (!(s?.image instanceof Uint8Array) || s.image.byteLength === 0) throw new RangeError(`Style image ${i + 1} is empty.`);
    if (s.weight !== undefined) nonNegative(`The weight of style image ${i + 1}`, s.weight);
  });
  if (request.styles.reduce((sum, s) => sum + (s.weight ?? 1), 0) <= 0) {
    throw new RangeError('The style weights must add up to more than 0.');
  }
  if (request.content != null && (!(request.content instanceof Uint8Array) || request.content.byteLength === 0)) {
    throw new RangeError('The content image is empty.');
  }
}

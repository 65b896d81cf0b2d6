// The engine's default options and their validation, derived from the option table (src/options/fields.ts) so
// that the engine accepts exactly what the CLI and the bots accept. Every problem is a UserError('bad_option')
// whose message can be shown as is to the person who asked for the picture.
import { randomInt } from 'node:crypto';
import { UserError } from '../errors.js';
import { fieldNamed, OPTION_FIELDS } from '../options/fields.js';
import { checkCombination, checkFieldValue } from '../options/schema.js';
import { defaultStyleWeight } from './style-weight.js';
import type { StylizeOptions, StylizeRequest } from './types.js';

/** Options the engine has that no user sets directly: how often progress is reported and the preview's size. */
const INTERNAL_DEFAULTS = { seed: 0, progressEvery: 10, previewSize: 256 } as const;

function engineDefaults(): StylizeOptions {
  const defaults: Record<string, unknown> = { ...INTERNAL_DEFAULTS };
  for (const field of OPTION_FIELDS) {
    if (!field.engineKey || field.default === undefined) continue;
    defaults[field.engineKey] = Array.isArray(field.default) ? Object.freeze([...field.default]) : field.default;
  }
  return defaults as unknown as StylizeOptions;
}

/**
 * Defaults, from the option table. styleWeight has none of its own: resolveOptions makes it from the size
 * (style-weight.ts; 1e4 at 512 px, which with this loss normalisation gives pictures like the paper's figure, see
 * shared/reference/README.md). scales 0 = automatic (multiscale.ts). seed is a placeholder: a fresh random seed is
 * drawn when the caller gives none.
 */
export const DEFAULT_OPTIONS: Readonly<StylizeOptions> = Object.freeze(engineDefaults());

const range = (name: string) => {
  const field = fieldNamed(name);
  if (!field || (field.kind !== 'integer' && field.kind !== 'number')) throw new Error(`no numeric option ${name}`);
  return { min: field.min, max: field.max };
};

export const LIMITS = {
  iterations: range('iterations'),
  size: range('size'),
  styleScale: range('style-scale'),
  previewSize: { max: 4096 },
  maxStyles: 16,
} as const;

function wholeNumber(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new UserError('bad_option', `${name} must be a whole number from ${min} to ${max} (got ${String(v)}).`);
  }
  return v;
}

/** Engine options the option table does not set by itself: the style weight follows the size when not given. */
const ENGINE_KEYS = new Set<string>([
  ...Object.keys(INTERNAL_DEFAULTS),
  ...OPTION_FIELDS.flatMap((field) => (field.engineKey ? [field.engineKey] : [])),
]);

/**
 * Fills in defaults, checks every value against its field, and draws a random seed when none is given. Without a
 * styleWeight, it is styleStrength x defaultStyleWeight(size) (style-weight.ts: 1e4 at 512 px, following the pixel
 * count), within the style-weight field's range. Throws UserError('bad_option').
 */
export function resolveOptions(partial: Partial<StylizeOptions> = {}): StylizeOptions {
  for (const key of Object.keys(partial)) {
    if (!ENGINE_KEYS.has(key)) throw new UserError('bad_option', `Unknown option "${key}". Known options: ${[...ENGINE_KEYS].join(', ')}.`);
  }
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<StylizeOptions>;
  const resolved: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const field of OPTION_FIELDS) {
    if (!field.engineKey) continue;
    const value = given[field.engineKey];
    if (value === undefined) continue;
    const engineOnly = field.kind === 'choice' && field.engineOnly?.includes(value as string);
    resolved[field.engineKey] = engineOnly ? value : checkFieldValue(field, value);
  }
  if (given.styleWeight === undefined) {
    const strength = resolved.styleStrength as number;
    resolved.styleWeight = checkFieldValue(fieldNamed('style-weight')!, strength * defaultStyleWeight(resolved.size as number));
  }
  // A budget without iterations paints for the budget's time; with iterations, those are a cap on the total.
  if (given.budget !== undefined && given.iterations === undefined) resolved.iterations = LIMITS.iterations.max;
  resolved.seed = given.seed !== undefined ? resolved.seed : randomInt(0, 2 ** 31);
  resolved.progressEvery = wholeNumber('progressEvery', given.progressEvery ?? INTERNAL_DEFAULTS.progressEvery, 1, LIMITS.iterations.max);
  resolved.previewSize = wholeNumber('previewSize', given.previewSize ?? INTERNAL_DEFAULTS.previewSize, 0, LIMITS.previewSize.max);
  return resolved as unknown as StylizeOptions;
}

/**
 * Checks the request's images, style blend weights (the style-blend-weights field's range) and that its options
 * make a loss that depends on the picture (src/options/schema.ts checkCombination). Not the image bytes:
 * decoding does that.
 */
export function checkRequest(request: StylizeRequest): void {
  if (!request || !Array.isArray(request.styles) || request.styles.length === 0) {
    throw new UserError('bad_request', 'Give at least one style image.');
  }
  if (request.styles.length > LIMITS.maxStyles) {
    throw new UserError('bad_request', `Give at most ${LIMITS.maxStyles} style images (got ${request.styles.length}).`);
  }
  request.styles.forEach((s, i) => {
    if (!(s?.image instanceof Uint8Array) || s.image.byteLength === 0) throw new UserError('bad_request', `Style image ${i + 1} is empty.`);
  });
  const blend = fieldNamed('style-blend-weights')!;
  const weights = request.styles.map((s) => s.weight ?? 1);
  if (weights.every((w) => w === 0)) throw new UserError('bad_option', 'The style weights must add up to more than 0.');
  checkFieldValue(blend, weights);
  const hasContent = request.content != null;
  if (hasContent && (!(request.content instanceof Uint8Array) || request.content.byteLength === 0)) {
    throw new UserError('bad_request', 'The content image is empty.');
  }
  checkCombination(resolveOptions(request.options), hasContent);
}

// Checking option values against the field table (fields.ts) with zod, for every surface: text from a flag or a
// chat word, numbers from Discord or JSON, and typed engine options all pass the same schema per field.
import { z } from 'zod';
import { UserError } from '../errors.js';
import type { StylizeOptions } from './types.js';
import { fieldNamed, OPTION_FIELDS, snakeName, type OptionField, type Surface } from './fields.js';

/** A plain decimal number as people write it: "300", "-2", "0.5", ".5", "1e4", "1E-3". Not "0x5", "Infinity", "". */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** Text to number, strictly: anything but a plain decimal is left as text, so the number schema refuses it. */
function toNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  return DECIMAL.test(text) ? Number(text) : value;
}

function shown(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : Array.isArray(value) ? `"${value.join(',')}"` : String(value);
}

/** "1 to 10000", "0 to 1e10": bounds as short as they can be written. */
export function rangeText(min: number, max: number): string {
  return `${formatBound(min)} to ${formatBound(max)}`;
}

function formatBound(n: number): string {
  return Math.abs(n) >= 1e5 && Number.isInteger(Math.log10(n)) ? `1e${Math.log10(n)}` : String(n);
}

function numberSchema(name: string, min: number, max: number, integer: boolean): z.ZodType<number> {
  const what = integer ? `a whole number from ${rangeText(min, max)}` : `a number from ${rangeText(min, max)}`;
  const message = (issue: { input?: unknown }) => `${name} must be ${what} (got ${shown(issue.input)})`;
  let schema = z.number({ error: message });
  if (integer) schema = schema.int({ error: message });
  return z.preprocess(toNumber, schema.min(min, { error: message }).max(max, { error: message })) as unknown as z.ZodType<number>;
}

/** The zod schema of one field; it takes text or typed values and gives the engine's value. */
export function fieldSchema(field: OptionField): z.ZodType<number | string | number[]> {
  switch (field.kind) {
    case 'integer': {
      const schema = numberSchema(field.name, field.min, field.max, true);
      const words = field.words;
      if (!words) return schema;
      const word = (value: unknown): unknown => (typeof value === 'string' ? (words[value.trim().toLowerCase()] ?? value) : value);
      return z.preprocess(word, schema) as unknown as z.ZodType<number>;
    }
    case 'number':
      return numberSchema(field.name, field.min, field.max, false);
    case 'choice': {
      const message = (issue: { input?: unknown }) => `${field.name} must be ${field.choices.join(' or ')} (got ${shown(issue.input)})`;
      const normalise = (value: unknown): unknown => {
        const text = typeof value === 'boolean' ? String(value) : typeof value === 'string' ? value.trim().toLowerCase() : value;
        return typeof text === 'string' ? (field.aliases?.[text] ?? text) : text;
      };
      return z.preprocess(normalise, z.enum(field.choices as [string, ...string[]], { error: message })) as unknown as z.ZodType<string>;
    }
    case 'numbers': {
      const count = field.length > 0 ? `${field.length} numbers` : 'numbers';
      const listMessage = `${field.name} must be ${count} separated by commas, each from ${rangeText(field.min, field.max)}, not all 0`;
      const item = numberSchema(`each of ${field.name}`, field.min, field.max, false);
      const split = (value: unknown): unknown =>
        typeof value === 'string' ? value.split(/[,\s]+/).filter((part) => part !== '') : typeof value === 'number' ? [value] : value;
      let list = z.array(item, { error: (issue) => `${listMessage} (got ${shown(issue.input)})` });
      list =
        field.length > 0
          ? list.length(field.length, { error: (issue) => `${listMessage} (got ${shown(issue.input)})` })
          : list.min(1, { error: listMessage });
      const nonZero = list.refine((values) => values.some((v) => v > 0), {
        error: (issue) => `${listMessage} (got ${shown(issue.input)})`,
      });
      return z.preprocess(split, nonZero) as unknown as z.ZodType<number[]>;
    }
  }
}

const schemas = new Map<string, z.ZodType<number | string | number[]>>();

/** Checks one value of a field (text, number, boolean or list). Throws UserError('bad_option') with the reason. */
export function checkFieldValue(field: OptionField, value: unknown): number | string | number[] {
  let schema = schemas.get(field.name);
  if (!schema) {
    schema = fieldSchema(field);
    schemas.set(field.name, schema);
  }
  const result = schema.safeParse(value);
  if (!result.success)
    throw new UserError('bad_option', result.error.issues[0]?.message ?? `${field.name} is not valid (got ${shown(value)})`);
  return result.data;
}

/** Option names as the surfaces spell them (kebab, snake, camel; "preserve-colours") -> the kebab-case name. */
export function canonicalName(key: string): string {
  const kebab = key
    .trim()
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
  return kebab === 'preserve-colours' ? 'preserve-colors' : kebab;
}

export type RawOptions = Record<string, string | number | boolean | readonly number[] | undefined>;

/** What parseOptions gives: the engine's options, plus the fields that are not engine options. */
export interface ParsedOptions {
  options: Partial<StylizeOptions>;
  /** Per-style blend weights when given (not yet normalised). */
  blendWeights?: number[];
  /** --backend (CLI). */
  backend?: string;
}

/**
 * Reads user options from any surface: names in any spelling, values as text or typed. Only the fields the
 * surface offers are accepted; undefined values are skipped. Throws UserError('bad_option') naming the problem.
 */
export function parseOptions(raw: RawOptions, surface: Surface): ParsedOptions {
  const parsed: ParsedOptions = { options: {} };
  const options = parsed.options as Record<string, unknown>;
  const seen = new Map<string, string>();
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    // Spellings that name the same option (size, Size, SIZE; style_weight, style-weight) must not both be given:
    // which one wins would be a guess.
    const earlier = seen.get(canonicalName(key));
    if (earlier !== undefined) throw new UserError('bad_option', `"${earlier}" and "${key}" are the same option: give it once.`);
    seen.set(canonicalName(key), key);
    const field = fieldNamed(canonicalName(key));
    if (!field || !field.surfaces.includes(surface)) {
      const known = OPTION_FIELDS.filter((f) => f.surfaces.includes(surface)).map((f) =>
        surface === 'discord' || surface === 'web' ? snakeName(f) : f.name,
      );
      throw new UserError('bad_option', `Unknown option "${key}". Options are: ${known.join(', ')}.`);
    }
    const checked = checkFieldValue(field, value);
    if (field.name === 'style-blend-weights') parsed.blendWeights = checked as number[];
    else if (field.name === 'backend') parsed.backend = checked as string;
    else if (field.engineKey) options[field.engineKey] = checked;
  }
  if (parsed.options.styleStrength !== undefined && parsed.options.styleWeight !== undefined) {
    throw new UserError('bad_option', 'Give style-weight or style-strength, not both.');
  }
  return parsed;
}

/**
 * Blend weights scaled to sum to 1 without overflow: divided by the largest first, so 1e308,1e308 gives 0.5,0.5.
 * Throws UserError when they are not finite, negative, or all 0.
 */
export function normaliseBlendWeights(weights: readonly number[]): number[] {
  if (weights.length === 0 || weights.some((w) => !Number.isFinite(w) || w < 0)) {
    throw new UserError('bad_option', 'Style blend weights must be finite numbers of 0 or more.');
  }
  const largest = Math.max(...weights);
  if (!(largest > 0)) throw new UserError('bad_option', 'Style blend weights must not all be 0.');
  const scaled = weights.map((w) => w / largest);
  const sum = scaled.reduce((s, w) => s + w, 0);
  return scaled.map((w) => w / sum);
}

/**
 * Options that are each valid but do nothing together: at least one loss term must depend on the picture
 * (content with a content image, style with a layer weight above 0, or total variation), and keeping the photo's
 * colours needs a photo. Throws UserError('bad_option').
 */
export function checkCombination(
  options: Pick<StylizeOptions, 'contentWeight' | 'styleWeight' | 'tvWeight' | 'layerWeights' | 'preserveColors'>,
  hasContent: boolean,
): void {
  const content = hasContent && options.contentWeight > 0;
  const style = options.styleWeight > 0 && options.layerWeights.some((w) => w > 0);
  if (!content && !style && options.tvWeight <= 0) {
    const why = hasContent ? 'content-weight and style-weight are both 0' : 'there is no content image and style-weight is 0';
    throw new UserError(
      'bad_option',
      `Nothing to paint: ${why}, so no part of the loss depends on the picture. Give style-weight (or content-weight) above 0.`,
    );
  }
  if (!hasContent && options.preserveColors !== 'none') {
    throw new UserError('bad_option', `preserve-colors ${options.preserveColors} needs a content image to take the colours from.`);
  }
}

/** The JSON-able description of one field, for the studio's form and API (and for docs). */
export interface FieldDescription {
  name: string;
  kind: 'integer' | 'number' | 'choice' | 'numbers';
  min?: number;
  max?: number;
  /** true for whole numbers; the form's step. */
  integer?: boolean;
  step?: number;
  /** numbers: how many (0 = one per style image). */
  length?: number;
  default?: number | string | readonly number[];
  defaultText?: string;
  choices?: readonly string[];
  help: string;
  surfaces: readonly Surface[];
}

/** Every field (or those of one surface) as plain JSON. */
export function describeOptions(surface?: Surface): FieldDescription[] {
  return OPTION_FIELDS.filter((f) => !surface || f.surfaces.includes(surface)).map((f) => {
    const base = { name: f.name, kind: f.kind, help: f.help, surfaces: f.surfaces };
    switch (f.kind) {
      case 'integer':
        return {
          ...base,
          min: f.min,
          max: f.max,
          integer: true,
          step: 1,
          ...(f.default !== undefined ? { default: f.default } : {}),
          ...(f.defaultText ? { defaultText: f.defaultText } : {}),
        };
      case 'number':
        return {
          ...base,
          min: f.min,
          max: f.max,
          integer: false,
          ...(f.default !== undefined ? { default: f.default } : {}),
          ...(f.defaultText ? { defaultText: f.defaultText } : {}),
        };
      case 'choice':
        return { ...base, choices: f.choices, default: f.default };
      case 'numbers':
        return {
          ...base,
          min: f.min,
          max: f.max,
          length: f.length,
          ...(f.default ? { default: f.default } : {}),
          ...(f.defaultText ? { defaultText: f.defaultText } : {}),
        };
    }
  });
}

/** "1 to 10000, default 500" / "lbfgs | adam, default lbfgs": the range part of a help line. */
export function rangeHelp(field: OptionField): string {
  const def =
    'default' in field && field.default !== undefined
      ? Array.isArray(field.default)
        ? field.default.join(',')
        : String(field.default)
      : field.kind !== 'choice'
        ? field.defaultText
        : undefined;
  const range =
    field.kind === 'choice'
      ? field.choices.join(' | ')
      : field.kind === 'numbers'
        ? `each ${rangeText(field.min, field.max)}`
        : rangeText(field.min, field.max);
  return def === undefined ? range : `${range}, default ${def}`;
}

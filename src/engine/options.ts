// The user-facing names and checks of the stylize options, shared by the CLI and the chat bots so that
// "--style-weight 1e5" and "style_weight: 1e5" mean the same and fail with the same message.
import type { StylizeOptions } from './types.js';
import { defaultStyleWeight } from './style-weight.js';
import { DEFAULT_OPTIONS } from './validate.js';

export type RawOptions = Record<string, string | number | boolean | undefined>;

/** User-facing option names (kebab case) with a one-line description, for help texts. */
export const OPTION_HELP: Readonly<Record<string, string>> = Object.freeze({
  iterations: `optimizer steps, 1-10000 (default ${DEFAULT_OPTIONS.iterations})`,
  size: `longest side of the output in pixels, 32-2048 (default ${DEFAULT_OPTIONS.size})`,
  init: 'start from the content photo or from noise: content | noise',
  'style-scale': 'size of the style image relative to the output, 0.05-4 (default 1)',
  'style-weight': 'weight of the style loss, beta (default 1e4 x (size/512)^2: 625 at 128 px, 1e4 at 512 px)',
  'style-strength': 'multiplier of the default style weight, e.g. 2 = twice as much style',
  'content-weight': `weight of the content loss, alpha (default ${DEFAULT_OPTIONS.contentWeight})`,
  'tv-weight': `weight of the total-variation smoothing (default ${DEFAULT_OPTIONS.tvWeight})`,
  optimizer: 'lbfgs | adam',
  'learning-rate': `Adam step size (default ${DEFAULT_OPTIONS.learningRate})`,
  seed: 'random seed, a whole number (same seed, same picture)',
  'preserve-colors': "keep the photo's colours: none | luminance | reinhard (yes = luminance)",
  'layer-weights': 'five weights for conv1_1,conv2_1,conv3_1,conv4_1,conv5_1, e.g. 1,1,1,1,1',
  scales: 'coarse-to-fine scales, each about twice the previous, ending at size: 1-8, or auto (default auto: 1 up to 256 px, more above)',
  pick: "with an artist: random | closest (the work nearest the photo's style)",
});

export const SIZE_RANGE = { min: 32, max: 2048 } as const;
export const ITERATIONS_RANGE = { min: 1, max: 10_000 } as const;
export const STYLE_SCALE_RANGE = { min: 0.05, max: 4 } as const;
const SEED_MAX = 2 ** 32 - 1;

/**
 * Turns loosely typed options (from flags or chat) into engine options. Accepts kebab-case, snake_case and
 * camelCase names; undefined values are skipped. Throws RangeError with a message for the user.
 */
export function parseStylizeOptions(raw: RawOptions): Partial<StylizeOptions> {
  const out: Partial<StylizeOptions> = {};
  let styleStrength: number | undefined;

  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const name = canonicalName(key);
    switch (name) {
      case 'iterations':
        out.iterations = wholeNumber(name, value, ITERATIONS_RANGE.min, ITERATIONS_RANGE.max);
        break;
      case 'size':
        out.size = wholeNumber(name, value, SIZE_RANGE.min, SIZE_RANGE.max, ' pixels');
        break;
      case 'init':
        out.init = choice(name, value, ['content', 'noise'] as const);
        break;
      case 'style-scale':
        out.styleScale = numberBetween(name, value, STYLE_SCALE_RANGE.min, STYLE_SCALE_RANGE.max);
        break;
      case 'style-weight':
        out.styleWeight = nonNegative(name, value);
        break;
      case 'style-strength':
        styleStrength = nonNegative(name, value);
        break;
      case 'content-weight':
        out.contentWeight = nonNegative(name, value);
        break;
      case 'tv-weight':
        out.tvWeight = nonNegative(name, value);
        break;
      case 'optimizer': {
        const text = typeof value === 'string' ? value.toLowerCase().replace(/[-_\s]/g, '') : value;
        out.optimizer = choice(name, text, ['lbfgs', 'adam'] as const);
        break;
      }
      case 'learning-rate': {
        const rate = nonNegative(name, value);
        if (rate === 0) throw new RangeError('learning-rate must be above 0');
        out.learningRate = rate;
        break;
      }
      case 'seed':
        out.seed = wholeNumber(name, value, 0, SEED_MAX);
        break;
      case 'preserve-colors':
        out.preserveColors = preserveColors(value);
        break;
      case 'layer-weights':
        out.layerWeights = layerWeights(value);
        break;
      case 'scales':
        out.scales = String(value).trim().toLowerCase() === 'auto' ? 0 : wholeNumber(name, value, 1, 8);
        break;
      case 'pick':
        out.pick = choice(name, value, ['random', 'closest'] as const);
        break;
      default:
        throw new RangeError(`Unknown option "${key}". Options are: ${Object.keys(OPTION_HELP).join(', ')}.`);
    }
  }

  if (styleStrength !== undefined) {
    if (out.styleWeight !== undefined) throw new RangeError('Give style-weight or style-strength, not both.');
    out.styleWeight = styleStrength * defaultStyleWeight(out.size ?? DEFAULT_OPTIONS.size);
  }
  return out;
}

/** "style_weight", "styleWeight", "Style-Weight" -> "style-weight"; "preserve-colours" is accepted too. */
function canonicalName(key: string): string {
  const kebab = key
    .trim()
    .replace(/^-+/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
  return kebab === 'preserve-colours' ? 'preserve-colors' : kebab;
}

function toNumber(name: string, value: string | number | boolean): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new RangeError(`${name} must be a number (got "${String(value)}")`);
  return n;
}

function wholeNumber(name: string, value: string | number | boolean, min: number, max: number, unit = ''): number {
  const n = toNumber(name, value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new RangeError(`${name} must be a whole number between ${min} and ${max}${unit} (got ${String(value)})`);
  }
  return n;
}

function numberBetween(name: string, value: string | number | boolean, min: number, max: number): number {
  const n = toNumber(name, value);
  if (n < min || n > max) throw new RangeError(`${name} must be between ${min} and ${max} (got ${String(value)})`);
  return n;
}

function nonNegative(name: string, value: string | number | boolean): number {
  const n = toNumber(name, value);
  if (n < 0) throw new RangeError(`${name} must be 0 or more (got ${String(value)})`);
  return n;
}

function choice<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  const text = typeof value === 'string' ? value.trim().toLowerCase() : value;
  if (typeof text !== 'string' || !(allowed as readonly string[]).includes(text)) {
    throw new RangeError(`${name} must be ${allowed.join(' or ')} (got "${String(value)}")`);
  }
  return text as T;
}

/** none | luminance | reinhard; a yes/no answer (a chat checkbox) means luminance or none. */
function preserveColors(value: string | number | boolean): StylizeOptions['preserveColors'] {
  const text = String(value).trim().toLowerCase();
  if (['true', 'yes', 'on'].includes(text)) return 'luminance';
  if (['false', 'no', 'off'].includes(text)) return 'none';
  return choice('preserve-colors', text, ['none', 'luminance', 'reinhard'] as const);
}

function layerWeights(value: string | number | boolean): StylizeOptions['layerWeights'] {
  const parts = typeof value === 'string' ? value.split(/[,\s]+/).filter((p) => p !== '') : [];
  if (parts.length !== 5) {
    throw new RangeError(
      `layer-weights must be 5 numbers separated by commas, for conv1_1,conv2_1,conv3_1,conv4_1,conv5_1 (got "${String(value)}")`,
    );
  }
  const weights = parts.map((p) => nonNegative('each layer weight', p)) as StylizeOptions['layerWeights'];
  if (weights.every((w) => w === 0)) throw new RangeError('layer-weights needs at least one weight above 0');
  return weights;
}

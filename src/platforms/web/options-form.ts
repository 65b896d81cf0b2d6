// The studio's form fields and API option names, derived in ONE place from the option definitions the CLI and the
// chat bots use (src/engine/options.ts: OPTION_HELP, the ranges, DEFAULT_OPTIONS). When the options move to one
// schema, this function is the only thing to rewire. Values are still checked by parseStylizeOptions through
// commands/stylize.ts, exactly as for Discord and Slack.
import { ITERATIONS_RANGE, OPTION_HELP, SIZE_RANGE, STYLE_SCALE_RANGE } from '../../engine/options.js';
import { DEFAULT_OPTIONS } from '../../engine/validate.js';

export interface OptionField {
  /** The API and form name: snake_case, as Discord's /stylize options (style_strength, preserve_colors ...). */
  name: string;
  /** The CLI flag it matches (kebab case). */
  flag: string;
  type: 'integer' | 'number' | 'choice' | 'text';
  help: string;
  choices?: string[];
  min?: number;
  max?: number;
  /** What the engine uses when the field is left empty (the studio's size and iterations come from `defaults`). */
  default?: string | number;
  /** Shown in the form's first group; the rest sit under "More options". */
  common: boolean;
}

const CHOICES: Record<string, string[]> = {
  init: ['content', 'noise'],
  optimizer: ['lbfgs', 'adam'],
  'preserve-colors': ['none', 'luminance', 'reinhard'],
};
const INTEGER = new Set(['iterations', 'size', 'seed']);
const RANGES: Record<string, { min: number; max: number }> = {
  iterations: ITERATIONS_RANGE,
  size: SIZE_RANGE,
  'style-scale': STYLE_SCALE_RANGE,
};
const DEFAULTS: Record<string, string | number | undefined> = {
  iterations: DEFAULT_OPTIONS.iterations,
  size: DEFAULT_OPTIONS.size,
  init: DEFAULT_OPTIONS.init,
  'style-scale': DEFAULT_OPTIONS.styleScale,
  'style-weight': DEFAULT_OPTIONS.styleWeight,
  'content-weight': DEFAULT_OPTIONS.contentWeight,
  'tv-weight': DEFAULT_OPTIONS.tvWeight,
  optimizer: DEFAULT_OPTIONS.optimizer,
  'learning-rate': DEFAULT_OPTIONS.learningRate,
  'preserve-colors': DEFAULT_OPTIONS.preserveColors,
  'layer-weights': DEFAULT_OPTIONS.layerWeights.join(','),
};
const COMMON = new Set(['iterations', 'size', 'style-strength', 'preserve-colors', 'init', 'seed']);

/**
 * Every stylize option as a form field, in OPTION_HELP's order. `defaults` are what a job gets when the user names
 * none (STYLEBOT_DEFAULT_SIZE / _ITERATIONS, as for the bots), shown instead of the engine's own.
 */
export function optionFields(defaults: { size: number; iterations: number }): OptionField[] {
  return Object.entries(OPTION_HELP).map(([flag, help]) => {
    const choices = CHOICES[flag];
    const range = RANGES[flag];
    const type: OptionField['type'] = choices ? 'choice' : INTEGER.has(flag) ? 'integer' : flag === 'layer-weights' ? 'text' : 'number';
    const fallback = flag === 'size' ? defaults.size : flag === 'iterations' ? defaults.iterations : DEFAULTS[flag];
    return {
      name: flag.replace(/-/g, '_'),
      flag,
      type,
      help,
      ...(choices ? { choices } : {}),
      ...(range ? { min: range.min, max: range.max } : type === 'number' ? { min: 0 } : {}),
      ...(fallback !== undefined ? { default: fallback } : {}),
      common: COMMON.has(flag),
    };
  });
}

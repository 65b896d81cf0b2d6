// The studio's form fields and API option names, derived from the one option table (src/options) that the CLI,
// Discord and Slack use. Values are checked by parseOptions(…, 'web') through commands/stylize.ts, exactly as for
// the bots, so the form only has to offer what the table says.
import { describeOptions, rangeText, type FieldDescription } from '../../options/schema.js';

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
  /** What a job uses when the field is left empty (the studio's size and iterations come from `defaults`). */
  default?: string | number;
  /** Shown in the form's first group; the rest sit under "More options". */
  common: boolean;
}

const COMMON = new Set(['budget', 'iterations', 'size', 'style-strength', 'preserve-colors', 'init', 'seed']);
/** The page has its own inputs for these: one blend weight beside each painting. */
const OWN_INPUTS = new Set(['style-blend-weights']);

/**
 * Every stylize option the studio offers, in the option table's order. `defaults` are what a job gets when the user
 * names none (STYLEBOT_DEFAULT_SIZE / _ITERATIONS, as for the bots), shown instead of the engine's own.
 */
export function optionFields(defaults: { size: number; iterations: number; budget?: number }): OptionField[] {
  return describeOptions('web')
    .filter((field) => !OWN_INPUTS.has(field.name))
    .map((field) => toFormField(field, defaults));
}

function toFormField(field: FieldDescription, defaults: { size: number; iterations: number; budget?: number }): OptionField {
  const own =
    field.name === 'size'
      ? defaults.size
      : field.name === 'iterations'
        ? defaults.iterations
        : field.name === 'budget'
          ? defaults.budget
          : undefined;
  const listed = field.default;
  const fallback = own ?? (typeof listed === 'object' ? listed.join(',') : listed) ?? field.defaultText;
  const type: OptionField['type'] =
    field.kind === 'choice' ? 'choice' : field.kind === 'integer' ? 'integer' : field.kind === 'number' ? 'number' : 'text';
  return {
    name: field.name.replace(/-/g, '_'),
    flag: field.name,
    type,
    help: type === 'integer' || type === 'number' ? `${field.help}; ${rangeText(field.min!, field.max!)}` : field.help,
    ...(field.choices ? { choices: [...field.choices] } : {}),
    ...(type === 'integer' || type === 'number' ? { min: field.min, max: field.max } : {}),
    ...(fallback !== undefined ? { default: fallback } : {}),
    common: COMMON.has(field.name),
  };
}

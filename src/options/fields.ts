// Every stylize option, defined once: name, kind, range, default, help, and which surfaces offer it. The CLI flags
// and --help, Discord's /stylize options, Slack's words and help, the engine's checks and the studio's form all
// come from this table (src/options/*.ts). Adding an option is one entry here (plus its engine field in
// src/engine/types.ts when the engine reads it).
//
// Ranges keep every value and every product the engine forms with it inside float32 (max 3.4e38): a loss of the
// order of 1e12 at 512 px times a weight of at most 1e10 stays far below it, and a step of at most 1000 pixel levels
// cannot leave the range either. The engine still stops with a clear error if a loss or gradient is ever non-finite.
import { BACKEND_NAMES } from '../engine/backend-names.js';
import type { StylizeOptions } from '../engine/types.js';

/** Where an option can be given. 'web' is the studio's form and JSON API. */
export type Surface = 'cli' | 'discord' | 'slack' | 'web';

interface FieldBase {
  /** The option's name in kebab case (CLI flag without "--"); Discord and the API use it in snake case. */
  name: string;
  /** The engine option the value sets; absent for options the caller turns into something else (style-strength). */
  engineKey?: keyof StylizeOptions;
  /** One line for help texts and the studio's form (no range: the help adds it from min/max/choices). */
  help: string;
  surfaces: readonly Surface[];
  /** Other words a Slack message may use for it ("steps" for iterations). */
  slackWords?: readonly string[];
}

export interface IntegerField extends FieldBase {
  kind: 'integer';
  min: number;
  max: number;
  default?: number;
  /** Words that stand for a number ("auto" for 0). */
  words?: Readonly<Record<string, number>>;
  /** Text shown as the default when there is no fixed one ("random"). */
  defaultText?: string;
}

export interface NumberField extends FieldBase {
  kind: 'number';
  min: number;
  max: number;
  default?: number;
  defaultText?: string;
}

export interface ChoiceField extends FieldBase {
  kind: 'choice';
  choices: readonly string[];
  /** Other spellings that mean a choice (yes -> luminance, l-bfgs -> lbfgs). */
  aliases?: Readonly<Record<string, string>>;
  default: string;
  /** How a menu (Discord's choices, the studio's select) names each choice; default the choice itself. */
  labels?: Readonly<Record<string, string>>;
  /** Slack words that set one choice on their own ("adam", "preserve colors"). */
  slackFlags?: Readonly<Record<string, string>>;
  /** Values the engine takes that no user surface offers (init 'picture': a finished result to upscale). */
  engineOnly?: readonly string[];
}

export interface NumberListField extends FieldBase {
  kind: 'numbers';
  /** How many numbers; 0 = one per style image (any count from 1). */
  length: number;
  min: number;
  max: number;
  default?: readonly number[];
  defaultText?: string;
}

export type OptionField = IntegerField | NumberField | ChoiceField | NumberListField;

const ALL: readonly Surface[] = ['cli', 'discord', 'slack', 'web'];
const NOT_DISCORD: readonly Surface[] = ['cli', 'slack', 'web'];

/** The largest style weight (beta), given or made from style-strength and the size (src/engine/style-weight.ts). */
export const MAX_STYLE_WEIGHT = 1e10;

export const OPTION_FIELDS: readonly OptionField[] = [
  {
    name: 'iterations',
    engineKey: 'iterations',
    kind: 'integer',
    min: 1,
    max: 10_000,
    default: 500,
    help: 'optimizer steps (more = finer, slower)',
    surfaces: ALL,
    slackWords: ['iteration', 'iters', 'steps'],
  },
  {
    name: 'budget',
    engineKey: 'budget',
    kind: 'integer',
    min: 5,
    max: 3600,
    defaultText: 'none',
    help: 'seconds of painting: the best picture in that time (iterations, if also given, caps it)',
    surfaces: ALL,
  },
  {
    name: 'size',
    engineKey: 'size',
    kind: 'integer',
    min: 16,
    max: 4096,
    default: 512,
    help: 'longest side of the output in pixels',
    surfaces: ALL,
  },
  {
    name: 'init',
    engineKey: 'init',
    kind: 'choice',
    choices: ['content', 'noise'],
    engineOnly: ['picture'],
    default: 'content',
    help: 'start from the content photo or from noise',
    surfaces: ALL,
  },
  {
    name: 'style-scale',
    engineKey: 'styleScale',
    kind: 'number',
    min: 0.05,
    max: 4,
    default: 1,
    help: 'size of the style images relative to the output',
    surfaces: NOT_DISCORD,
  },
  {
    name: 'style-weight',
    engineKey: 'styleWeight',
    kind: 'number',
    min: 0,
    max: MAX_STYLE_WEIGHT,
    defaultText: '1e4 x (size/512)^2',
    help: 'beta, the weight of the style loss; by default it follows the size (625 at 128 px, 1e4 at 512 px)',
    surfaces: NOT_DISCORD,
  },
  {
    name: 'style-strength',
    engineKey: 'styleStrength',
    kind: 'number',
    min: 0,
    max: 1000,
    default: 1,
    help: 'multiplier of the default style weight (2 = twice the style); instead of style-weight',
    surfaces: ALL,
    slackWords: ['strength'],
  },
  {
    name: 'content-weight',
    engineKey: 'contentWeight',
    kind: 'number',
    min: 0,
    max: 1e6,
    default: 1,
    help: 'alpha, the weight of the content loss',
    surfaces: NOT_DISCORD,
  },
  {
    name: 'tv-weight',
    engineKey: 'tvWeight',
    kind: 'number',
    min: 0,
    max: 1e6,
    default: 0,
    help: 'weight of the total-variation smoothing (0 = off)',
    surfaces: NOT_DISCORD,
  },
  {
    name: 'layer-weights',
    engineKey: 'layerWeights',
    kind: 'numbers',
    length: 5,
    min: 0,
    max: 1000,
    default: [0.2, 0.2, 0.2, 0.2, 0.2],
    help: 'w_l of conv1_1,conv2_1,conv3_1,conv4_1,conv5_1, comma-separated',
    surfaces: NOT_DISCORD,
  },
  {
    name: 'style-blend-weights',
    kind: 'numbers',
    length: 0,
    min: 0,
    max: 1e6,
    defaultText: 'equal',
    help: 'one weight per style image, comma-separated (normalised to sum to 1)',
    surfaces: NOT_DISCORD,
    slackWords: ['blend'],
  },
  {
    name: 'preserve-colors',
    engineKey: 'preserveColors',
    kind: 'choice',
    choices: ['none', 'luminance', 'reinhard'],
    aliases: { yes: 'luminance', true: 'luminance', on: 'luminance', no: 'none', false: 'none', off: 'none' },
    default: 'none',
    labels: { none: 'no (paint the colours too)', luminance: 'luminance only', reinhard: 'Reinhard colour transfer' },
    help: "keep the photo's colours: transfer on luminance only, or recolour the painting first (Reinhard et al. 2001)",
    surfaces: ALL,
    slackWords: ['preserve'],
    slackFlags: {
      'preserve colors': 'luminance',
      'preserve colours': 'luminance',
      'preserve color': 'luminance',
      'preserve colour': 'luminance',
      'keep colors': 'luminance',
      'keep colours': 'luminance',
      'preserve luminance': 'luminance',
      'preserve reinhard': 'reinhard',
      'preserve none': 'none',
      reinhard: 'reinhard',
    },
  },
  {
    name: 'optimizer',
    engineKey: 'optimizer',
    kind: 'choice',
    choices: ['lbfgs', 'adam'],
    aliases: { 'l-bfgs': 'lbfgs', l_bfgs: 'lbfgs' },
    default: 'lbfgs',
    help: 'L-BFGS (as in the paper) or Adam',
    surfaces: NOT_DISCORD,
    slackFlags: { adam: 'adam', lbfgs: 'lbfgs' },
  },
  {
    name: 'learning-rate',
    engineKey: 'learningRate',
    kind: 'number',
    min: 0.001,
    max: 1000,
    default: 10,
    help: "Adam's step size in pixel levels",
    surfaces: NOT_DISCORD,
    slackWords: ['lr'],
  },
  {
    name: 'seed',
    engineKey: 'seed',
    kind: 'integer',
    min: 0,
    max: 2 ** 32 - 1,
    defaultText: 'random, reported',
    help: 'same seed, same picture (artwork pick and noise)',
    surfaces: ALL,
  },
  {
    name: 'scales',
    engineKey: 'scales',
    kind: 'integer',
    min: 0,
    max: 8,
    default: 0,
    words: { auto: 0 },
    help: 'coarse-to-fine scales, each about twice the previous, ending at size (0 or auto: 1 up to 256 px, more above)',
    surfaces: ALL,
  },
  {
    name: 'pick',
    engineKey: 'pick',
    kind: 'choice',
    choices: ['random', 'closest'],
    default: 'random',
    labels: { random: 'random', closest: 'closest to the photo' },
    help: "with an artist: a random work (seeded), or the one whose style is closest to the photo's",
    surfaces: ALL,
    slackFlags: { closest: 'closest' },
  },
  {
    name: 'backend',
    kind: 'choice',
    choices: ['auto', ...BACKEND_NAMES],
    default: 'auto',
    help: 'the engine backend (auto = the fastest that loads)',
    surfaces: ['cli'],
  },
];

/** The field of a kebab-case name, or undefined. */
export function fieldNamed(name: string): OptionField | undefined {
  return OPTION_FIELDS.find((field) => field.name === name);
}

/** The fields one surface offers, in table order. */
export function fieldsFor(surface: Surface): OptionField[] {
  return OPTION_FIELDS.filter((field) => field.surfaces.includes(surface));
}

/** "style-weight" -> "style_weight" (Discord option names, JSON keys). */
export function snakeName(field: Pick<OptionField, 'name'>): string {
  return field.name.replace(/-/g, '_');
}

// `stylebot stylize CONTENT STYLE... -o OUT`: the engine on files, like the seed tool art.py.
import { randomInt } from 'node:crypto';
import { constants } from 'node:fs';
import { existsSync, readFileSync } from 'node:fs';
import { access, mkdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { listWorks, pickArtwork, resolveArtist, resolveArtistsDir } from '../engine/artists.js';
import type { ParseArgsConfig } from 'node:util';
import { fieldsFor, type OptionField } from '../options/fields.js';
import { checkCombination, normaliseBlendWeights, parseOptions, rangeHelp } from '../options/schema.js';
import { resolveOptions } from '../engine/validate.js';
import type { BackendName, LossParts, StyleInput, StylizeOptions, StylizeProgress } from '../engine/types.js';
import { isUserError } from '../errors.js';
import { BACKEND_NAMES } from '../engine/backend-names.js';
import { defaultStyleWeight } from '../engine/style-weight.js';
import { embedSettings, readSettings, settingsOf, type PictureSettings } from '../reproduce/settings.js';
import { ProgressBar } from './progress.js';
import { paintAnimation, readAnimation, type AnimationPlan } from './animate.js';
import { MAX_FRAMES } from '../animation/animate.js';
import type { Animation } from '../images/frames.js';
import { parseCommandLine, readImageFile, UsageError } from './shared.js';

const FIXED_USAGE = `Usage: stylebot stylize CONTENT STYLE... -o OUT.png [options]
       stylebot stylize CONTENT --artist NAME -o OUT.png [options]
       stylebot stylize --no-content STYLE... -o OUT.png [options]   (texture synthesis)
       stylebot stylize [options] -o OUT.png -- -photo.png STYLE...   (file names that start with "-" go after --)

  -o, --output FILE          where to write the PNG (required; its folder is created); .gif or .webp with an
                             animated GIF or WebP photo paints every frame (see docs/animation.md)
  --from PICTURE.png         repeat a Stylebot picture: its options, seed, backend and paintings (flags given win)
  --artist NAME              use a work by this artist instead of STYLE files (e.g. "van gogh")
  --artists-dir DIR          artist folders (default: STYLEBOT_ARTISTS_DIR, else STYLEBOT_DATA_DIR/artists, else ./data/artists)`;

const TAIL_USAGE = `  --max-frames N             animation: refuse a photo with more frames than this (default 24, at most ${MAX_FRAMES})
  --frame-iterations N       animation: iterations of each frame after the first (default 40% of --iterations)
  --coherence flow|none      animation: start each frame from the previous painting moved by the motion (flow,
                             the default) or from its own photo (none: every frame painted on its own; flickers)
  --print-rate N             progress every N iterations (default 10)
  --save-every N             also write OUT-stem_<iteration>.png every N iterations
  --no-content               texture synthesis: every positional argument is a STYLE
  --json                     print one JSON object with the result on stdout
  -h, --help`;

/** "--style-weight X" with its help and range, from the option table. */
function usageLine(field: OptionField): string {
  const meta =
    field.kind === 'choice'
      ? field.choices.join('|')
      : field.kind === 'integer'
        ? 'N'
        : field.kind === 'numbers'
          ? field.length === 5
            ? 'a,b,c,d,e'
            : 'w1,w2,...'
          : 'X';
  const flag = `--${field.name} ${meta}`;
  return `  ${flag.padEnd(26)} ${field.help} (${rangeHelp(field)})`;
}

const USAGE = [FIXED_USAGE, ...fieldsFor('cli').map(usageLine), TAIL_USAGE].join('\n');

const FLAGS = {
  output: { type: 'string', short: 'o' },
  from: { type: 'string' },
  artist: { type: 'string' },
  'artists-dir': { type: 'string' },
  ...Object.fromEntries(fieldsFor('cli').map((field) => [field.name, { type: 'string' } as const])),
  'max-frames': { type: 'string' },
  'frame-iterations': { type: 'string' },
  coherence: { type: 'string' },
  'print-rate': { type: 'string' },
  'save-every': { type: 'string' },
  'no-content': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

interface Plan {
  contentPath: string | null;
  styles: { path: string; weight: number }[];
  artwork?: { artist: string; file: string; path: string };
  /** --pick closest: every work of the artist is a candidate; the engine names the one it took. */
  closestOf?: string;
  output: string;
  options: Partial<StylizeOptions>;
  backend: BackendName | 'auto';
  printRate: number;
  saveEvery: number;
  json: boolean;
  /** Set when the output is .gif or .webp: the photo is an animation, painted frame by frame. */
  animation?: AnimationPlan;
}

export async function run(argv: string[]): Promise<number> {
  let plan: Plan;
  let content: Uint8Array | null;
  let styles: StyleInput[];
  let animation: Animation | undefined;
  try {
    const parsed = parseFlags(argv);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    plan = parsed;
    content = plan.contentPath ? await readImageFile(plan.contentPath) : null;
    if (plan.animation && content)
      animation = await readAnimation(plan.contentPath!, content, resolveOptions(plan.options).size, plan.animation.maxFrames);
    styles = await Promise.all(
      plan.styles.map(async (s) => ({
        image: await readImageFile(s.path),
        weight: s.weight,
        name: plan.artwork
          ? `${plan.artwork.artist}/${plan.artwork.file}`
          : plan.closestOf
            ? `${plan.closestOf}/${basename(s.path)}`
            : basename(s.path),
      })),
    );
    // The output's folder is created and checked now, not after every iteration has run.
    await prepareOutput(plan.output);
  } catch (error) {
    // Everything up to here is about what the user typed or gave: flags, names, files.
    console.error(`stylebot stylize: ${(error as Error).message}`);
    return 2;
  }

  if (plan.artwork && !plan.json) console.error(`Style: ${plan.artwork.artist}, "${plan.artwork.file}"`);
  // The engine (tfjs, wasm) is imported only once the flags and files are known to be good: a typo fails fast.
  const { initBackend, stylize, describeEstimate, DEFAULT_OPTIONS } = await import('../engine/index.js');
  const { budgetSize, costForBackend, DEFAULT_BUDGET_S } = await import('../engine/estimate.js');
  const { planScales } = await import('../engine/multiscale.js');
  let backendName: string;
  try {
    backendName = await initBackend(plan.backend);
  } catch (error) {
    console.error(`stylebot stylize: the ${plan.backend} backend is not available here: ${(error as Error).message}`);
    return 1;
  }
  // Without --iterations or --budget the run paints for DEFAULT_BUDGET_S at the largest size that is good in that time
  // on this backend (unless --size names one); --iterations alone paints exactly that many, as before.
  if (plan.options.budget === undefined && plan.options.iterations === undefined) {
    plan.options.budget = DEFAULT_BUDGET_S;
    plan.options.size ??= budgetSize(costForBackend(backendName), DEFAULT_BUDGET_S * 1000, 2048);
  }
  if (!plan.json) {
    const size = plan.options.size ?? DEFAULT_OPTIONS.size;
    const iterations = plan.options.iterations ?? DEFAULT_OPTIONS.iterations;
    const scales = planScales(size, iterations, plan.options.scales ?? DEFAULT_OPTIONS.scales);
    console.error(describeEstimate(backendName, size, iterations, scales, plan.options.budget));
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\nStopping after the current iteration (Ctrl-C again to quit now)...\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);

  const bar = new ProgressBar(process.stderr);
  const saves: Promise<void>[] = [];
  let savesFailed = false;
  /** Side work: an intermediate save that fails is reported once and no more are tried; the run goes on. */
  const saveIntermediate = (iteration: number, png: Uint8Array) => {
    if (savesFailed) return;
    const path = intermediatePath(plan.output, iteration);
    saves.push(
      writeOutput(path, png).catch((error: unknown) => {
        if (savesFailed) return;
        savesFailed = true;
        process.stderr.write(`\nstylebot stylize: could not save ${path} (${errnoText(error)}); going on without intermediate saves.\n`);
      }),
    );
  };
  if (plan.animation && animation) {
    try {
      const painted = await paintAnimation(
        animation,
        plan.animation,
        { styles, options: plan.options },
        plan.output,
        stylize,
        bar,
        plan.printRate,
        controller.signal,
      );
      const { frameMs, ...summary } = painted;
      if (plan.json) console.log(JSON.stringify({ output: plan.output, ...summary, frame_ms: frameMs }));
      else
        console.error(
          `Wrote ${plan.output} (${summary.frames} frames of ${summary.width}x${summary.height}, ${(frameMs.reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s on ${summary.backend}, seed ${summary.seed})`,
        );
      return 0;
    } catch (error) {
      bar.finish();
      if ((error as Error).name === 'AbortError') {
        console.error('Stopped: nothing was written.');
        return 130;
      }
      console.error(`stylebot stylize: ${(error as Error).message}`);
      return isUserError(error) ? 2 : 1;
    } finally {
      process.off('SIGINT', onSigint);
    }
  }
  try {
    const result = await stylize(
      { content, styles, options: plan.options },
      {
        signal: controller.signal,
        // Intermediate saves are PNG files, written from the previews.
        previewFormat: 'png',
        onProgress: (p: StylizeProgress) => {
          // Progress display and saves are side work: nothing they throw may stop the run.
          try {
            if (p.iteration % plan.printRate === 0 || p.iteration === p.total) bar.update(p);
            if (plan.saveEvery > 0 && p.preview && p.iteration % plan.saveEvery === 0 && p.iteration < p.total)
              saveIntermediate(p.iteration, p.preview);
          } catch (error) {
            process.stderr.write(`\nstylebot stylize: progress report failed (${errnoText(error)}); the run goes on.\n`);
          }
        },
      },
    );
    bar.finish();
    if (plan.closestOf && !plan.json)
      console.error(`Style: ${plan.closestOf}, "${basename(result.styles[0]!)}" (the closest to the photo)`);
    await Promise.all(saves);
    try {
      await writeOutput(plan.output, embedSettings(result.png, settingsOf({ content, styles, options: plan.options }, result)));
    } catch (error) {
      console.error(`stylebot stylize: could not write ${plan.output}: ${errnoText(error)}`);
      return 2;
    }
    if (plan.json) {
      console.log(
        JSON.stringify({
          output: plan.output,
          width: result.width,
          height: result.height,
          iterations: result.iterations,
          backend: result.backend,
          ms_per_iteration: round(result.msPerIteration, 2),
          seed: result.seed,
          styles: result.styles,
          ...(plan.artwork ? { artwork: plan.artwork } : {}),
          ...(plan.closestOf ? { artwork: { artist: plan.closestOf, file: basename(result.styles[0]!), pick: 'closest' } } : {}),
          scales: result.scales,
          losses: { initial: lossJson(result.losses.initial), final: lossJson(result.losses.final) },
        }),
      );
    } else {
      console.error(
        `Wrote ${plan.output} (${result.width}x${result.height}, ${result.iterations} iterations, ` +
          `${Math.round(result.msPerIteration)} ms/iteration on ${result.backend}, seed ${result.seed})`,
      );
    }
    return 0;
  } catch (error) {
    bar.finish();
    await Promise.allSettled(saves);
    if ((error as Error).name === 'AbortError') {
      console.error('Stopped: nothing was written.');
      return 130;
    }
    if (isUserError(error)) {
      console.error(`stylebot stylize: ${error.message}`);
      return 2;
    }
    console.error(`stylebot stylize: ${(error as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function parseFlags(argv: string[]): Plan | 'help' {
  let parsed;
  try {
    parsed = parseCommandLine(argv, FLAGS);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}${dashHint(argv)}. See "stylebot stylize --help".`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  const positionals = parsed.positionals;
  if (values.help) return 'help';

  const output = values.output as string | undefined;
  if (!output) throw new UsageError('give the output file with -o OUT.png');
  if (!OUTPUT_EXTENSIONS.has(extname(output).toLowerCase())) {
    throw new UsageError(
      `the output is a PNG (or an animated .gif or .webp), so its name must end in .png, .gif or .webp (got "${output}")`,
    );
  }

  const from = values.from === undefined ? undefined : settingsFrom(values.from as string);
  // Every option of the table, checked by its field (src/options): the same ranges as the bots and the engine.
  // With --from, the picture's settings fill in every option the command line leaves out.
  const given = Object.fromEntries(fieldsFor('cli').map((field) => [field.name, values[field.name] as string | undefined]));
  const raw = from ? { ...rawOptionsOf(from, given), ...definedOnly(given) } : given;
  const { options: engineOptions, blendWeights: givenBlend, backend = 'auto' } = parseOptions(raw, 'cli');

  const outputFormat = extname(output).toLowerCase().slice(1);
  let animationPlan: AnimationPlan | undefined;
  if (outputFormat === 'gif' || outputFormat === 'webp') {
    if (values['no-content'] === true) throw new UsageError('an animated output needs an animated photo (GIF or WebP), not --no-content');
    if (values['save-every'] !== undefined) throw new UsageError('--save-every is for still pictures, not animations');
    const coherence = (values.coherence as string | undefined) ?? 'flow';
    if (coherence !== 'flow' && coherence !== 'none') throw new UsageError(`--coherence is flow or none (got "${coherence}")`);
    const maxFrames = values['max-frames'] === undefined ? 24 : positiveInt('max-frames', values['max-frames'] as string);
    if (maxFrames > MAX_FRAMES) throw new UsageError(`--max-frames is at most ${MAX_FRAMES} (got ${maxFrames})`);
    animationPlan = { format: outputFormat, coherence, maxFrames };
    if (values['frame-iterations'] !== undefined)
      animationPlan.laterIterations = positiveInt('frame-iterations', values['frame-iterations'] as string);
  } else if (values['max-frames'] !== undefined || values['frame-iterations'] !== undefined || values.coherence !== undefined) {
    throw new UsageError('--max-frames, --frame-iterations and --coherence are for animations: name the output .gif or .webp');
  }

  const printRate = values['print-rate'] === undefined ? 10 : positiveInt('print-rate', values['print-rate'] as string);
  const saveEvery = values['save-every'] === undefined ? 0 : positiveInt('save-every', values['save-every'] as string);

  // The seed is fixed here so that the artwork pick and the engine's noise both follow it.
  const seed = engineOptions.seed ?? randomInt(0, 2 ** 31);
  const options: Partial<StylizeOptions> = { ...engineOptions, seed, progressEvery: gcd(printRate, saveEvery || printRate) };
  if (saveEvery > 0) options.previewSize = 4096; // intermediates at full size

  const noContent = values['no-content'] === true;
  const contentPath = noContent ? null : (positionals[0] ?? null);
  let stylePaths = noContent ? positionals : positionals.slice(1);
  let fromBlend: number[] | undefined;
  if (from && values.artist === undefined) {
    // The picture names its paintings; artist works ("monet/water_lilies.jpg") are found in the artists folder.
    if (stylePaths.length === 0 && from.styles.length > 0) {
      const dir = (values['artists-dir'] as string | undefined) ?? resolveArtistsDir();
      stylePaths = from.styles.map((s) => {
        const path = join(dir, s.name);
        if (!s.name.includes('/') || !existsSync(path)) {
          throw new UsageError(`${values.from} was painted with "${s.name}"; give that painting's file after the photo`);
        }
        return path;
      });
    }
    if (givenBlend === undefined && from.styles.length === stylePaths.length && stylePaths.length > 1)
      fromBlend = from.styles.map((s) => s.weight);
  }
  if (!noContent && !contentPath) throw new UsageError('give a CONTENT image (or --no-content for texture synthesis)');
  // Options that are each fine but paint nothing together fail here, before the engine loads.
  checkCombination(resolveOptions(options), contentPath !== null);

  let artwork: Plan['artwork'];
  let styles: Plan['styles'];
  if (values.artist !== undefined) {
    if (stylePaths.length > 0) throw new UsageError('give STYLE files or --artist, not both');
    if (givenBlend !== undefined) throw new UsageError('--style-blend-weights needs STYLE files, not --artist');
    const dir = (values['artists-dir'] as string | undefined) ?? resolveArtistsDir();
    if (engineOptions.pick === 'closest') {
      if (!contentPath) throw new UsageError('--pick closest compares the works with CONTENT, so it needs one');
      const artist = resolveArtist(dir, values.artist as string);
      const works = listWorks(dir, artist);
      if (works.length === 0) throw new UsageError(`the artist "${artist}" has no images yet`);
      styles = works.map((file) => ({ path: join(dir, artist, file), weight: 1 }));
      return {
        contentPath,
        styles,
        closestOf: artist,
        output,
        options,
        backend: backend as BackendName | 'auto',
        printRate,
        saveEvery,
        json: values.json === true,
        ...(animationPlan ? { animation: animationPlan } : {}),
      };
    }
    artwork = pickArtwork(dir, values.artist as string, seed);
    styles = [{ path: artwork.path, weight: 1 }];
  } else {
    if (stylePaths.length === 0) throw new UsageError('give at least one STYLE image (or --artist NAME)');
    if (givenBlend && givenBlend.length !== stylePaths.length) {
      throw new UsageError(
        `--style-blend-weights needs ${stylePaths.length} number${stylePaths.length === 1 ? '' : 's'} (one per STYLE), got ${givenBlend.length}`,
      );
    }
    const weights = normaliseBlendWeights(givenBlend ?? fromBlend ?? stylePaths.map(() => 1));
    styles = stylePaths.map((path, i) => ({ path, weight: weights[i]! }));
  }

  return {
    contentPath,
    styles,
    artwork,
    output,
    options,
    backend: backend as BackendName | 'auto',
    printRate,
    saveEvery,
    json: values.json === true,
    ...(animationPlan ? { animation: animationPlan } : {}),
  };
}

const OUTPUT_EXTENSIONS = new Set(['.png', '.gif', '.webp']);

/** The settings a Stylebot PNG carries; UsageError when the file cannot be read or carries none. */
function settingsFrom(path: string): PictureSettings {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${errnoText(error)}`);
  }
  let settings: PictureSettings | null;
  try {
    settings = readSettings(bytes);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  if (!settings) throw new UsageError(`${path} carries no Stylebot settings (only PNGs that Stylebot painted do)`);
  if (settings.options.init === 'picture') {
    throw new UsageError(`${path} was painted from another picture (an upscale), which it does not carry, so --from cannot repeat it`);
  }
  return settings;
}

/**
 * The picture's settings as command-line option values. Its style weight was either given or made from its style
 * strength and size; in the second case the strength is passed on, so that the weight follows a new --size as it
 * would have and the repeated run resolves the very same options. A style flag on the command line replaces both.
 */
function rawOptionsOf(settings: PictureSettings, given: Record<string, string | undefined>): Record<string, string> {
  const raw: Record<string, string> = {};
  const { styleWeight, styleStrength, size } = settings.options;
  const derived =
    styleWeight !== undefined &&
    styleStrength !== undefined &&
    size !== undefined &&
    Math.abs(styleWeight - styleStrength * defaultStyleWeight(size)) <= 1e-9 * Math.abs(styleWeight);
  const styleGiven = given['style-weight'] !== undefined || given['style-strength'] !== undefined;
  for (const field of fieldsFor('cli')) {
    if (!field.engineKey) continue;
    if (field.engineKey === 'styleWeight' && (styleGiven || derived)) continue;
    if (field.engineKey === 'styleStrength' && (styleGiven || !derived)) continue;
    const value = settings.options[field.engineKey];
    if (value === undefined) continue;
    raw[field.name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  raw.seed = String(settings.seed);
  if ((BACKEND_NAMES as readonly string[]).includes(settings.backend)) raw.backend = settings.backend;
  return raw;
}

function definedOnly(values: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** A file name that starts with "-" reads as flags; say how to pass it. */
function dashHint(argv: string[]): string {
  const file = argv.find((arg) => /^-[^-]/.test(arg) && /[./\\]/.test(arg));
  return file ? ` ("${file}" looks like a file name: put file names that start with "-" after "--", as in -- ${file})` : '';
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of 1 or more (got "${raw}")`);
  return n;
}

/** Plain words for a file-system error code. */
function errnoText(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const words: Record<string, string> = {
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder',
    EEXIST: 'a file of that name is in the way',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
    ENOSPC: 'the disk is full',
    ENAMETOOLONG: 'the name is too long',
  };
  return (code && words[code]) ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Creates the output's folder and checks that the output (and the intermediates beside it) can be written there:
 * not a folder, folder writable. Throws UsageError with one line.
 */
async function prepareOutput(output: string): Promise<void> {
  const folder = dirname(output);
  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new UsageError(`cannot create the folder of ${output}: ${errnoText(error)}`);
  }
  const existing = await stat(output).catch(() => null);
  if (existing?.isDirectory()) throw new UsageError(`cannot write ${output}: it is a folder`);
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new UsageError(`cannot write into ${folder}: ${errnoText(error)}`);
  }
}

async function writeOutput(path: string, png: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, png);
}

/** out/picture.png, 100 -> out/picture_100.png */
export function intermediatePath(output: string, iteration: number): string {
  const ext = extname(output);
  return join(dirname(output), `${basename(output, ext)}_${iteration}${ext}`);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function lossJson(parts: LossParts): LossParts {
  return { content: parts.content, style: parts.style, tv: parts.tv, total: parts.total };
}

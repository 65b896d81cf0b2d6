// `stylebot stylize CONTENT STYLE... -o OUT`: the engine on files, like the seed tool art.py.
import { randomInt } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { listWorks, pickArtwork, resolveArtist, resolveArtistsDir } from '../engine/artists.js';
import { BACKEND_NAMES } from '../engine/backend-names.js';
import { parseStylizeOptions } from '../engine/options.js';
import type { BackendName, LossParts, StyleInput, StylizeOptions, StylizeProgress } from '../engine/types.js';
import { ImageError } from '../images/index.js';
import { ProgressBar } from './progress.js';
import { parseBackend, parseCommandLine, readImageFile, UsageError } from './shared.js';

const USAGE = `Usage: stylebot stylize CONTENT STYLE... -o OUT.png [options]
       stylebot stylize CONTENT --artist NAME -o OUT.png [options]
       stylebot stylize --no-content STYLE... -o OUT.png [options]   (texture synthesis)

  -o, --output FILE          where to write the PNG (required)
  --artist NAME              use a work by this artist instead of STYLE files (e.g. "van gogh")
  --pick random|closest      with --artist: a random work (seeded), or the one closest in style to CONTENT
  --artists-dir DIR          artist folders (default: STYLEBOT_ARTISTS_DIR, else STYLEBOT_DATA_DIR/artists, else ./data/artists)
  --iterations N             optimizer steps (default 500)
  --size N                   longest side of the output in pixels, 32-2048 (default 512)
  --init content|noise       starting picture (default content)
  --style-scale X            style image size relative to the output (default 1)
  --style-weight X           beta (default 1e4 x (size/512)^2); or --style-strength X = X times the default
  --content-weight X         alpha (default 1)
  --tv-weight X              total-variation smoothing (default 0)
  --layer-weights a,b,c,d,e  weights of conv1_1,conv2_1,conv3_1,conv4_1,conv5_1
  --style-blend-weights w1,w2,...  one weight per STYLE (normalised to sum to 1)
  --preserve-colors luminance|reinhard   keep the content's colours
  --optimizer lbfgs|adam     (default lbfgs); --learning-rate X for Adam (default 10)
  --seed N                   same seed, same picture (artwork pick and noise)
  --scales N|auto            coarse-to-fine: N scales, each about twice the previous, ending at --size, the
                             smallest at least 128 px; --iterations is split equally over them (default auto:
                             1 up to 256 px, every scale that fits above)
  --backend NAME             auto, ${BACKEND_NAMES.join(', ')}
  --print-rate N             progress every N iterations (default 10)
  --save-every N             also write OUT-stem_<iteration>.png every N iterations
  --json                     print one JSON object with the result on stdout
  -h, --help`;

const FLAGS = {
  output: { type: 'string', short: 'o' },
  artist: { type: 'string' },
  pick: { type: 'string' },
  scales: { type: 'string' },
  'artists-dir': { type: 'string' },
  iterations: { type: 'string' },
  size: { type: 'string' },
  init: { type: 'string' },
  'style-scale': { type: 'string' },
  'style-weight': { type: 'string' },
  'style-strength': { type: 'string' },
  'content-weight': { type: 'string' },
  'tv-weight': { type: 'string' },
  'layer-weights': { type: 'string' },
  'style-blend-weights': { type: 'string' },
  'preserve-colors': { type: 'string' },
  optimizer: { type: 'string' },
  'learning-rate': { type: 'string' },
  seed: { type: 'string' },
  backend: { type: 'string' },
  'print-rate': { type: 'string' },
  'save-every': { type: 'string' },
  'no-content': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

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
}

export async function run(argv: string[]): Promise<number> {
  let plan: Plan;
  let content: Uint8Array | null;
  let styles: StyleInput[];
  try {
    const parsed = parseFlags(argv);
    if (parsed === 'help') {
      console.log(USAGE);
      return 0;
    }
    plan = parsed;
    content = plan.contentPath ? await readImageFile(plan.contentPath) : null;
    styles = await Promise.all(
      plan.styles.map(async (s) => ({
        image: await readImageFile(s.path),
        weight: s.weight,
        name: plan.artwork ? `${plan.artwork.artist}/${plan.artwork.file}` : plan.closestOf ? `${plan.closestOf}/${basename(s.path)}` : basename(s.path),
      })),
    );
  } catch (error) {
    // Everything up to here is about what the user typed or gave: flags, names, files.
    console.error(`stylebot stylize: ${(error as Error).message}`);
    return 2;
  }

  if (plan.artwork && !plan.json) console.error(`Style: ${plan.artwork.artist}, "${plan.artwork.file}"`);
  // The engine (tfjs, wasm) is imported only once the flags and files are known to be good: a typo fails fast.
  const { initBackend, stylize } = await import('../engine/index.js');
  if (plan.backend !== 'auto') {
    try {
      await initBackend(plan.backend);
    } catch (error) {
      console.error(`stylebot stylize: the ${plan.backend} backend is not available here: ${(error as Error).message}`);
      return 1;
    }
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
  try {
    const result = await stylize(
      { content, styles, options: plan.options },
      {
        signal: controller.signal,
        onProgress: (p: StylizeProgress) => {
          if (p.iteration % plan.printRate === 0 || p.iteration === p.total) bar.update(p);
          if (plan.saveEvery > 0 && p.preview && p.iteration % plan.saveEvery === 0 && p.iteration < p.total) {
            saves.push(writeOutput(intermediatePath(plan.output, p.iteration), p.preview));
          }
        },
      },
    );
    bar.finish();
    if (plan.closestOf && !plan.json) console.error(`Style: ${plan.closestOf}, "${basename(result.styles[0]!)}" (the closest to the photo)`);
    await Promise.all(saves);
    await writeOutput(plan.output, result.png);
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
    if (error instanceof RangeError || error instanceof ImageError) {
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
    throw new UsageError(`${(error as Error).message}. See "stylebot stylize --help".`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';

  const output = values.output;
  if (!output) throw new UsageError('give the output file with -o OUT.png');
  if (extname(output).toLowerCase() !== '.png') throw new UsageError(`the output is a PNG, so its name must end in .png (got "${output}")`);

  const engineOptions = parseStylizeOptions({
    iterations: values.iterations,
    size: values.size,
    init: values.init,
    'style-scale': values['style-scale'],
    'style-weight': values['style-weight'],
    'style-strength': values['style-strength'],
    'content-weight': values['content-weight'],
    'tv-weight': values['tv-weight'],
    'layer-weights': values['layer-weights'],
    'preserve-colors': values['preserve-colors'],
    optimizer: values.optimizer,
    'learning-rate': values['learning-rate'],
    seed: values.seed,
    scales: values.scales,
    pick: values.pick,
  });

  const printRate = values['print-rate'] === undefined ? 10 : positiveInt('print-rate', values['print-rate']);
  const saveEvery = values['save-every'] === undefined ? 0 : positiveInt('save-every', values['save-every']);
  const backend = parseBackend(values.backend);

  // The seed is fixed here so that the artwork pick and the engine's noise both follow it.
  const seed = engineOptions.seed ?? randomInt(0, 2 ** 31);
  const options: Partial<StylizeOptions> = { ...engineOptions, seed, progressEvery: gcd(printRate, saveEvery || printRate) };
  if (saveEvery > 0) options.previewSize = 4096; // intermediates at full size

  const noContent = values['no-content'];
  const contentPath = noContent ? null : (positionals[0] ?? null);
  const stylePaths = noContent ? positionals : positionals.slice(1);
  if (!noContent && !contentPath) throw new UsageError('give a CONTENT image (or --no-content for texture synthesis)');

  let artwork: Plan['artwork'];
  let styles: Plan['styles'];
  if (values.artist !== undefined) {
    if (stylePaths.length > 0) throw new UsageError('give STYLE files or --artist, not both');
    if (values['style-blend-weights'] !== undefined) throw new UsageError('--style-blend-weights needs STYLE files, not --artist');
    const dir = values['artists-dir'] ?? resolveArtistsDir();
    if (engineOptions.pick === 'closest') {
      if (!contentPath) throw new UsageError('--pick closest compares the works with CONTENT, so it needs one');
      const artist = resolveArtist(dir, values.artist);
      const works = listWorks(dir, artist);
      if (works.length === 0) throw new UsageError(`the artist "${artist}" has no images yet`);
      styles = works.map((file) => ({ path: join(dir, artist, file), weight: 1 }));
      return { contentPath, styles, closestOf: artist, output, options, backend, printRate, saveEvery, json: values.json };
    }
    artwork = pickArtwork(dir, values.artist, seed);
    styles = [{ path: artwork.path, weight: 1 }];
  } else {
    if (stylePaths.length === 0) throw new UsageError('give at least one STYLE image (or --artist NAME)');
    const weights = blendWeights(values['style-blend-weights'], stylePaths.length);
    styles = stylePaths.map((path, i) => ({ path, weight: weights[i]! }));
  }

  return { contentPath, styles, artwork, output, options, backend, printRate, saveEvery, json: values.json };
}

function blendWeights(raw: string | undefined, count: number): number[] {
  if (raw === undefined) return new Array(count).fill(1);
  const weights = raw.split(',').map((part) => Number(part.trim()));
  if (weights.length !== count || weights.some((w) => !Number.isFinite(w) || w < 0) || weights.every((w) => w === 0)) {
    throw new UsageError(`--style-blend-weights needs ${count} numbers of 0 or more (one per STYLE), not all 0 (got "${raw}")`);
  }
  return weights;
}

function positiveInt(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of 1 or more (got "${raw}")`);
  return n;
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

// Picture quality (issue 15): `npm run bench -- quality [section] [flags]`, on the default backend.
//
//   balance   how the balance of content and style moves with size (quality-balance.ts): the numbers behind
//             src/engine/style-weight.ts. Forward passes only.            --sizes 128,256,512
//   defaults  tuebingen + starry_night at 128 px with the size-following default style weight and with the old fixed
//             1e4, side by side.                                            --iterations 30
//   compare   single scale against coarse-to-fine at the same wall time: the single-scale run takes --iterations,
//             the multi-scale run as many iterations as fit the time the single one took (split equally over its
//             scales), from per-iteration times measured here. Final total loss of each at the final size, and the
//             two pictures side by side.                                   --size 256 --styles starry_night,the_scream
//
// Pictures go to --out (default bench/quality-out/), one PNG per comparison: left single scale (or beta 1e4), right
// multi-scale (or the new default). On this project's 2-core CPU box (wasm) an iteration takes about 2 s at 128 px,
// 7.7 s at 256 px and 90 s at 512 px: `compare --size 512` is there for a GPU and takes hours on wasm.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/engine/backend.js';
import { stylize } from '../src/engine/stylize.js';
import { defaultStyleWeight } from '../src/engine/style-weight.js';
import { maxScaleCount, planScales } from '../src/engine/multiscale.js';
import { createVgg } from '../src/engine/vgg.js';
import { loadVggWeights, resolveModelDir } from '../src/engine/weights.js';
import type { StylizeOptions, StylizeResult } from '../src/engine/types.js';
import { measureBalance } from './quality-balance.js';

const SHARED = resolve(process.env.STYLEBOT_SHARED ?? new URL('../../shared', import.meta.url).pathname);
const CONTENT = join(SHARED, 'images', 'content', 'tuebingen_neckarfront.jpg');
const styleFile = (name: string) => join(SHARED, 'images', 'styles', name.endsWith('.jpg') ? name : `${name}.jpg`);

interface Flags {
  section: string;
  size: number;
  sizes: number[];
  styles: string[];
  iterations: number;
  out: string;
  seed: number;
}

function parseFlags(argv: string[]): Flags {
  const flags: Flags = {
    section: 'compare',
    size: 256,
    sizes: [128, 256, 512],
    styles: ['starry_night', 'the_scream'],
    iterations: 0,
    out: 'bench/quality-out',
    seed: 1,
  };
  const rest = [...argv];
  if (rest[0] && !rest[0].startsWith('--')) flags.section = rest.shift()!;
  for (let i = 0; i < rest.length; i += 2) {
    const [name, value] = [rest[i]!, rest[i + 1] ?? ''];
    if (name === '--size') flags.size = Number(value);
    else if (name === '--sizes') flags.sizes = value.split(',').map(Number);
    else if (name === '--styles') flags.styles = value.split(',');
    else if (name === '--iterations') flags.iterations = Number(value);
    else if (name === '--out') flags.out = value;
    else if (name === '--seed') flags.seed = Number(value);
    else throw new Error(`unknown flag ${name}`);
  }
  return flags;
}

async function paint(style: string, options: Partial<StylizeOptions>): Promise<{ result: StylizeResult; wallMs: number }> {
  const began = performance.now();
  const result = await stylize({
    content: readFileSync(CONTENT),
    styles: [{ image: readFileSync(styleFile(style)), name: style }],
    options: { previewSize: 0, ...options },
  });
  return { result, wallMs: performance.now() - began };
}

/** Two PNGs next to each other with a 4 px gap. */
async function sideBySide(left: Uint8Array, right: Uint8Array, path: string): Promise<void> {
  const [a, b] = await Promise.all([sharp(left).metadata(), sharp(right).metadata()]);
  const width = a.width! + 4 + b.width!;
  const height = Math.max(a.height!, b.height!);
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([
      { input: Buffer.from(left), left: 0, top: 0 },
      { input: Buffer.from(right), left: a.width! + 4, top: 0 },
    ])
    .png()
    .toBuffer();
  writeFileSync(path, png);
}

const e = (n: number) => n.toExponential(3);
const s = (ms: number) => `${(ms / 1000).toFixed(0)} s`;

async function balance(flags: Flags): Promise<void> {
  await initBackend();
  const vgg = createVgg(await loadVggWeights(resolveModelDir()), 'custom');
  console.log('| size | style | content of the painting | style of the photo | ratio | ratio / previous size |');
  console.log('|---|---|---|---|---|---|');
  const previous = new Map<string, number>();
  for (const size of flags.sizes) {
    for (const style of flags.styles) {
      const row = await measureBalance(vgg, readFileSync(CONTENT), { name: style, bytes: readFileSync(styleFile(style)) }, size);
      const before = previous.get(style);
      previous.set(style, row.ratio);
      console.log(
        `| ${size} | ${style} | ${e(row.contentOfPainting)} | ${e(row.styleOfPhoto)} | ${row.ratio.toFixed(1)} | ${before ? (row.ratio / before).toFixed(2) : '-'} |`,
      );
    }
  }
}

async function defaults(flags: Flags): Promise<void> {
  const iterations = flags.iterations || 30;
  const size = 128;
  mkdirSync(flags.out, { recursive: true });
  const old = await paint('starry_night', { size, iterations, seed: flags.seed, scales: 1, styleWeight: 1e4 });
  const now = await paint('starry_night', { size, iterations, seed: flags.seed, scales: 1 });
  const path = join(flags.out, `defaults-128-starry_night.png`);
  await sideBySide(old.result.png, now.result.png, path);
  console.log(`| ${size} px, ${iterations} iterations | style weight | content | style | total | wall |`);
  console.log('|---|---|---|---|---|---|');
  console.log(
    `| old fixed default | 1e4 | ${e(old.result.losses.final.content)} | ${e(old.result.losses.final.style)} | ${e(old.result.losses.final.total)} | ${s(old.wallMs)} |`,
  );
  console.log(
    `| new default | ${defaultStyleWeight(size)} | ${e(now.result.losses.final.content)} | ${e(now.result.losses.final.style)} | ${e(now.result.losses.final.total)} | ${s(now.wallMs)} |`,
  );
  console.log(`pictures: ${path} (left 1e4, right the new default)`);
}

async function compare(flags: Flags): Promise<void> {
  const size = flags.size;
  const iterations = flags.iterations || 12;
  mkdirSync(flags.out, { recursive: true });
  const scales = maxScaleCount(size);
  if (scales < 2) throw new Error(`at ${size} px there is only one scale; use --size 256 or more`);
  console.log(`| size | style | run | scales (size x iterations) | wall | final content | final style | final total |`);
  console.log('|---|---|---|---|---|---|---|---|');
  for (const style of flags.styles) {
    const single = await paint(style, { size, iterations, seed: flags.seed, scales: 1 });
    // Per-iteration time at each coarser size, measured with a short run (3 iterations) in this process.
    const plan = planScales(size, scales * 100, scales);
    const perIteration = new Map<number, number>([[size, single.result.msPerIteration]]);
    for (const entry of plan.slice(0, -1)) {
      const probe = await paint(style, { size: entry.size, iterations: 3, seed: flags.seed, scales: 1 });
      perIteration.set(entry.size, probe.result.msPerIteration);
    }
    // Equal split: I/N iterations per scale; time = I/N x sum of per-iteration times.
    const perRound = plan.reduce((sum, entry) => sum + perIteration.get(entry.size)!, 0);
    const multiIterations = Math.max(scales, Math.floor((scales * iterations * single.result.msPerIteration) / perRound));
    const multi = await paint(style, { size, iterations: multiIterations, seed: flags.seed, scales });
    for (const [name, run] of [
      ['single', single],
      ['multi', multi],
    ] as const) {
      const f = run.result.losses.final;
      const shape = run.result.scales.map((x) => `${x.size}x${x.iterations}`).join(' + ');
      console.log(`| ${size} | ${style} | ${name} | ${shape} | ${s(run.wallMs)} | ${e(f.content)} | ${e(f.style)} | ${e(f.total)} |`);
    }
    const path = join(flags.out, `compare-${size}-${style}.png`);
    await sideBySide(single.result.png, multi.result.png, path);
    console.log(`pictures: ${path} (left single scale, right multi-scale)`);
  }
}

export async function runQualityBench(argv: string[]): Promise<void> {
  const flags = parseFlags(argv);
  if (flags.section === 'balance') await balance(flags);
  else if (flags.section === 'defaults') await defaults(flags);
  else if (flags.section === 'compare') await compare(flags);
  else throw new Error(`unknown section "${flags.section}": balance, defaults or compare`);
}

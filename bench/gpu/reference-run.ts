// The runs of ../shared/reference (README.md there) through stylize() itself, on the device's GPU: Tübingen at
// 512 px with Starry Night (beta 1e3 and 1e4), the Great Wave and the Scream (1e4), init from the content, L-BFGS
// with history 100, 500 iterations, no TV. Prints each run's losses and speed next to what the reference reached
// (the bar: final totals within 2%) and writes the pictures; with --progress, then what progress previews
// cost a chat job, every 10 iterations or at most one per 3 s. The path stylize() takes is its own choice
// (STYLEBOT_RECORDED=0 asks for the tfjs path); --label names the run in the table.
// Bundled by bench/gpu/prepare.sh into reference-run.mjs (sharp travels beside it).
//   node reference-run.mjs --images DIR --out DIR [--iterations 500] [--size 512] [--label NAME] [--json FILE] [--progress]
// (--size other than 512 only to try the script: the reference's losses are for 512 px.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stylize } from '../../src/engine/stylize.js';

/** What ../shared/reference/README.md reports for each run: style loss at the start and end, content and total at the end. */
const RUNS = [
  {
    name: 'tub_starry_b1000',
    style: 'starry_night.jpg',
    beta: 1e3,
    reference: { styleStart: 1.017e8, styleEnd: 4.56e6, contentEnd: 1.43e10, totalEnd: 1.89e10 },
  },
  {
    name: 'tub_starry_b10000',
    style: 'starry_night.jpg',
    beta: 1e4,
    reference: { styleStart: 1.017e8, styleEnd: 4.17e5, contentEnd: 2.49e10, totalEnd: 2.91e10 },
  },
  {
    name: 'tub_wave_b10000',
    style: 'great_wave_off_kanagawa.jpg',
    beta: 1e4,
    reference: { styleStart: 6.17e7, styleEnd: 6.7e5, contentEnd: 2.69e10, totalEnd: 3.36e10 },
  },
  {
    name: 'tub_scream_b10000',
    style: 'the_scream.jpg',
    beta: 1e4,
    reference: { styleStart: 1.16e8, styleEnd: 5.88e5, contentEnd: 3.32e10, totalEnd: 3.91e10 },
  },
];

function argument(name: string, fallback?: string): string {
  const i = process.argv.indexOf(name);
  const value = i >= 0 ? process.argv[i + 1] : fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
}

/** ms per iteration of the first run with progress events (and 256 px previews) every 10 iterations, or throttled. */
async function progressCost(
  content: Buffer,
  style: Buffer,
  iterations: number,
  minProgressIntervalMs: number,
): Promise<{ ms: number; events: number }> {
  let events = 0;
  const result = await stylize(
    {
      content,
      styles: [{ image: style, weight: 1 }],
      options: { size: 512, iterations, styleWeight: 1e4, progressEvery: 10, previewSize: 256, seed: 1 },
    },
    { onProgress: () => (events += 1), minProgressIntervalMs },
  );
  return { ms: result.msPerIteration, events };
}

async function main(): Promise<void> {
  const images = argument('--images');
  const out = argument('--out');
  const iterations = Number(argument('--iterations', '500'));
  const size = Number(argument('--size', '512'));
  const label = argument('--label', process.env.STYLEBOT_RECORDED === '0' ? 'tfjs path (STYLEBOT_RECORDED=0)' : "stylize()'s default path");
  const json = process.argv.includes('--json') ? argument('--json') : null;
  const content = readFileSync(join(images, 'tuebingen_neckarfront.jpg'));
  const e = (n: number) => n.toExponential(3);
  const percent = (ours: number, theirs: number) => `${(((ours - theirs) / theirs) * 100).toFixed(1)}%`;
  const rows: Record<string, unknown>[] = [];
  console.log(`${label}, ${iterations} iterations at ${size} px:`);
  console.log(
    '| run | backend | ms / iteration | style start | style end (reference) | content end (reference) | total end (reference) | total vs reference |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const run of RUNS) {
    const result = await stylize({
      content,
      styles: [{ image: readFileSync(join(images, run.style)), weight: 1 }],
      options: {
        size,
        iterations,
        styleWeight: run.beta,
        contentWeight: 1,
        tvWeight: 0,
        init: 'content',
        optimizer: 'lbfgs',
        seed: 1,
        previewSize: 0,
      },
    });
    writeFileSync(join(out, `${run.name}.png`), result.png);
    const { initial, final } = result.losses;
    const r = run.reference;
    console.log(
      `| ${run.name} | ${result.backend} | ${result.msPerIteration.toFixed(1)} | ${e(initial.style)} (${e(r.styleStart)}) | ` +
        `${e(final.style)} (${e(r.styleEnd)}) | ${e(final.content)} (${e(r.contentEnd)}) | ${e(final.total)} (${e(r.totalEnd)}) | ${percent(final.total, r.totalEnd)} |`,
    );
    rows.push({
      run: run.name,
      label,
      size,
      backend: result.backend,
      iterations,
      msPerIteration: result.msPerIteration,
      initial,
      final,
      reference: r,
    });
    if (json) writeFileSync(json, JSON.stringify({ label, rows }));
  }
  if (!process.argv.includes('--progress')) return;
  // What a chat job's progress previews cost: every 10 iterations (as jobs asked before), or at most one per 3 s.
  const starry = readFileSync(join(images, RUNS[0]!.style));
  console.log('\n| progress events | events | ms / iteration |\n|---|---|---|');
  for (const [label, interval] of [
    ['every 10 iterations, 256 px previews', 0],
    ['at most one per 3 s (STYLEBOT_PROGRESS_MS)', 3000],
  ] as const) {
    const { ms, events } = await progressCost(content, starry, iterations, interval);
    console.log(`| ${label} | ${events} | ${ms.toFixed(1)} |`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

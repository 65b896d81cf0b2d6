// Painting to a time budget (issue 20): `npm run bench -- budget [SIZE] [SECONDS ...] [--styles a,b] [--out DIR]`.
//
// For each style and budget, on the default backend, in one process: the budgeted coarse-to-fine run (what users get)
// and a single-scale run given the same budget, each scored with the reference's loss at the full size (content 1,
// style 1e4 x (size/512)^2, tv 0: the defaults, shared/reference/README.md), the time each first reached 1.5x the
// 500-iteration reference's total (from the progress events' losses, which are the final scale's), and the two pictures
// side by side (left single scale, right coarse-to-fine) in --out. Defaults: 512 px, 60 s, starry_night.
// PyTorch CPU in the same run is left out: this machine's Debian has no python3-torch installed (bench/torch_step.py
// runs it where it is).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/engine/backend.js';
import { stylize } from '../src/engine/stylize.js';
import type { StylizeResult } from '../src/engine/types.js';

const SHARED = resolve(process.env.STYLEBOT_SHARED ?? new URL('../../shared', import.meta.url).pathname);
const CONTENT = join(SHARED, 'images', 'content', 'tuebingen_neckarfront.jpg');

/** The 500-iteration PyTorch reference's final totals at 512 px, beta 1e4 (shared/reference/README.md). */
const REFERENCE_TOTAL: Record<string, number> = { starry_night: 2.91e10, great_wave_off_kanagawa: 3.36e10, the_scream: 3.91e10 };

interface Row {
  style: string;
  budgetS: number;
  mode: 'coarse-to-fine' | 'single scale';
  wallS: number;
  iterations: number;
  scales: string;
  total: number;
  ratio: number | null;
  reachedS: number | null;
}

async function paint(style: string, size: number, budgetS: number, single: boolean): Promise<{ row: Row; png: Uint8Array }> {
  const image = readFileSync(join(SHARED, 'images', 'styles', `${style}.jpg`));
  const reference = size === 512 ? REFERENCE_TOTAL[style] : undefined;
  let reachedMs: number | null = null;
  const began = performance.now();
  const result: StylizeResult = await stylize(
    { content: readFileSync(CONTENT), styles: [{ image, name: style }], options: { size, budget: budgetS, seed: 1, progressEvery: 1, previewSize: 0, ...(single ? { scales: 1 } : {}) } },
    {
      onProgress: (p) => {
        const final = !p.scale || p.scale.index === p.scale.count;
        if (reference && reachedMs === null && final && p.losses.total <= 1.5 * reference) reachedMs = p.elapsedMs;
      },
    },
  );
  const total = result.losses.final.total;
  return {
    row: {
      style,
      budgetS,
      mode: single ? 'single scale' : 'coarse-to-fine',
      wallS: (performance.now() - began) / 1000,
      iterations: result.iterations,
      scales: result.scales.map((s) => `${s.size}:${s.iterations}`).join(' '),
      total,
      ratio: reference ? total / reference : null,
      reachedS: reachedMs === null ? null : (reachedMs as number) / 1000,
    },
    png: result.png,
  };
}

export async function runBudgetBench(argv: string[]): Promise<void> {
  const numbers = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  const size = numbers[0] ?? 512;
  const budgets = numbers.length > 1 ? numbers.slice(1) : [60];
  const stylesAt = argv.indexOf('--styles');
  const styles = stylesAt >= 0 ? argv[stylesAt + 1]!.split(',') : ['starry_night'];
  const outAt = argv.indexOf('--out');
  const out = resolve(outAt >= 0 ? argv[outAt + 1]! : 'bench/quality-out/budget');
  mkdirSync(out, { recursive: true });
  const backend = await initBackend();
  const rows: Row[] = [];
  for (const style of styles) {
    for (const budgetS of budgets) {
      const multi = await paint(style, size, budgetS, false);
      const single = await paint(style, size, budgetS, true);
      rows.push(single.row, multi.row);
      const [a, b] = await Promise.all([sharp(single.png).metadata(), sharp(multi.png).metadata()]);
      const file = join(out, `${style}-${size}px-${budgetS}s.png`);
      const side = await sharp({ create: { width: a.width! + b.width! + 8, height: Math.max(a.height!, b.height!), channels: 3, background: '#ffffff' } })
        .composite([
          { input: Buffer.from(single.png), left: 0, top: 0 },
          { input: Buffer.from(multi.png), left: a.width! + 8, top: 0 },
        ])
        .png()
        .toBuffer();
      writeFileSync(file, side);
      console.error(`wrote ${file} (left single scale, right coarse-to-fine)`);
    }
  }
  const fmt = (n: number) => n.toExponential(2);
  console.log(`Time budget, ${size} px, tuebingen_neckarfront, ${backend}; reference: 500 PyTorch L-BFGS iterations (shared/reference)`);
  console.log('| style | budget s | run | wall s | iterations | scales (px:iterations) | final total | x reference | s to 1.5x reference |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.style} | ${r.budgetS} | ${r.mode} | ${r.wallS.toFixed(1)} | ${r.iterations} | ${r.scales} | ${fmt(r.total)} | ${r.ratio === null ? '-' : r.ratio.toFixed(2)} | ${r.reachedS === null ? 'not reached' : r.reachedS.toFixed(1)} |`,
    );
  }
}

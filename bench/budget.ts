// Painting to a time budget (issue 20):
//   npm run bench -- budget [SIZE] [SECONDS ...] [--styles a,b] [--ratios 1,2,4] [--detail on|off|both] [--no-torch] [--no-single] [--cpu-clock] [--out DIR]
//
// For each style and budget, on the default backend: the budgeted coarse-to-fine run (what users get; with --ratios,
// once per time-share ratio between neighbouring scales, budget.ts FINE_SHARE_RATIO, and with or without the photo's
// detail band at the start of each finer scale, stylize.ts DETAIL_TRANSFER), a single-scale run given the
// same budget, and PyTorch CPU single-scale L-BFGS in the same script (bench/torch_budget.py, Debian's python3-torch,
// same weights, same resized pixels, same loss; left out where no python3 imports torch). Each is scored
// with the reference's loss at the full size (content 1, style 1e4 x (size/512)^2, tv 0: the defaults,
// shared/reference/README.md), with the time each first reached 1.5x the 500-iteration reference's total (512 px;
// from the progress events' losses, which are the final scale's), and the pictures side by side in --out (left to
// right: PyTorch, single scale, coarse-to-fine at each ratio).
// --cpu-clock keeps our runs' budgets on this process's CPU time divided by the engine's threads instead of the wall
// clock, so that a lever can be compared on a machine other work shares (PyTorch's row stays on the wall clock).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { initBackend } from '../src/engine/backend.js';
import { FINE_SHARE_RATIO } from '../src/engine/budget.js';
import { sessionSettingsFromEnv } from '../src/engine/onnx/session.js';
import { defaultStyleWeight } from '../src/engine/style-weight.js';
import { DETAIL_TRANSFER, stylize } from '../src/engine/stylize.js';
import type { StylizeResult } from '../src/engine/types.js';
import { decodeImage } from '../src/images/index.js';
import { torchPython } from './torch-python.js';

const SHARED = resolve(process.env.STYLEBOT_SHARED ?? new URL('../../shared', import.meta.url).pathname);
const CONTENT = join(SHARED, 'images', 'content', 'tuebingen_neckarfront.jpg');
const MODELS = join(SHARED, 'models', 'vgg19');

/** The 500-iteration PyTorch reference's final totals at 512 px, beta 1e4 (shared/reference/README.md). */
const REFERENCE_TOTAL: Record<string, number> = { starry_night: 2.91e10, great_wave_off_kanagawa: 3.36e10, the_scream: 3.91e10 };

interface Row {
  style: string;
  budgetS: number;
  mode: string;
  wallS: number;
  iterations: number;
  scales: string;
  total: number;
  ratio: number | null;
  reachedS: number | null;
}

interface Painted {
  row: Row;
  png: Uint8Array;
}

/** A clock in ms: this process's CPU time over the engine's threads (see the header), or the wall clock. */
function clock(cpu: boolean, threads: number): () => number {
  if (!cpu) return () => performance.now();
  return () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000 / threads;
  };
}

async function paint(
  style: string,
  size: number,
  budgetS: number,
  mode: { single: true } | { ratio: number; detail: boolean },
  now: () => number,
): Promise<Painted> {
  const image = readFileSync(join(SHARED, 'images', 'styles', `${style}.jpg`));
  const reference = size === 512 ? REFERENCE_TOTAL[style] : undefined;
  let reachedMs: number | null = null;
  const began = performance.now();
  const single = 'single' in mode;
  const result: StylizeResult = await stylize(
    {
      content: readFileSync(CONTENT),
      styles: [{ image, name: style }],
      options: { size, budget: budgetS, seed: 1, progressEvery: 1, previewSize: 0, ...(single ? { scales: 1 } : {}) },
    },
    {
      now,
      ...(single ? {} : { shareRatio: mode.ratio, detailTransfer: mode.detail }),
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
      mode: single ? 'single scale' : `coarse-to-fine, ratio ${mode.ratio}${mode.detail ? ', detail' : ''}`,
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

/** PyTorch single-scale L-BFGS for the same budget on the same resized pixels (bench/torch_budget.py). */
async function paintTorch(python: string, style: string, size: number, budgetS: number, threads: number): Promise<Painted> {
  const dir = mkdtempSync(join(tmpdir(), 'stylebot-torch-'));
  try {
    const content = await decodeImage(readFileSync(CONTENT), { longestSide: size });
    const painting = await decodeImage(readFileSync(join(SHARED, 'images', 'styles', `${style}.jpg`)), { longestSide: size });
    writeFileSync(join(dir, 'content.rgb'), content.data);
    writeFileSync(join(dir, 'style.rgb'), painting.data);
    const reference = size === 512 ? REFERENCE_TOTAL[style] : undefined;
    const began = performance.now();
    const out = execFileSync(
      python,
      [
        new URL('./torch_budget.py', import.meta.url).pathname,
        ...['--models', MODELS, '--content', join(dir, 'content.rgb'), '--content-size', `${content.width}x${content.height}`],
        ...['--style', join(dir, 'style.rgb'), '--style-size', `${painting.width}x${painting.height}`],
        ...['--beta', String(defaultStyleWeight(size)), '--budget', String(budgetS), '--threads', String(threads)],
        ...['--reach', String(reference ? 1.5 * reference : 0), '--out', join(dir, 'out.rgb')],
      ],
      { encoding: 'utf8', maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(out.trim().split('\n').at(-1)!) as { iterations: number; wall_s: number; total: number; reached_s: number | null };
    const png = await sharp(readFileSync(join(dir, 'out.rgb')), { raw: { width: content.width, height: content.height, channels: 3 } })
      .png()
      .toBuffer();
    return {
      row: {
        style,
        budgetS,
        mode: `PyTorch ${threads} threads, single scale`,
        wallS: (performance.now() - began) / 1000,
        iterations: r.iterations,
        scales: `${size}:${r.iterations}`,
        total: r.total,
        ratio: reference ? r.total / reference : null,
        reachedS: r.reached_s,
      },
      png,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pictures side by side with 8 px of white between them. */
async function sideBySide(pngs: readonly Uint8Array[]): Promise<Buffer> {
  const metas = await Promise.all(pngs.map((p) => sharp(p).metadata()));
  let left = 0;
  const composite = pngs.map((p, i) => {
    const at = left;
    left += metas[i]!.width! + 8;
    return { input: Buffer.from(p), left: at, top: 0 };
  });
  return sharp({ create: { width: left - 8, height: Math.max(...metas.map((m) => m.height!)), channels: 3, background: '#ffffff' } })
    .composite(composite)
    .png()
    .toBuffer();
}

export async function runBudgetBench(argv: string[]): Promise<void> {
  // Plain numbers are SIZE and SECONDS; a flag's value is not one of them.
  const numbers = argv.filter((a, i) => /^\d+$/.test(a) && !argv[i - 1]?.startsWith('--')).map(Number);
  const size = numbers[0] ?? 512;
  const budgets = numbers.length > 1 ? numbers.slice(1) : [60];
  const listAfter = (flag: string) => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1]!.split(',') : null);
  const styles = listAfter('--styles') ?? ['starry_night'];
  const ratios = (listAfter('--ratios') ?? [String(FINE_SHARE_RATIO)]).map(Number);
  const outAt = argv.indexOf('--out');
  const out = resolve(outAt >= 0 ? argv[outAt + 1]! : 'bench/quality-out/budget');
  mkdirSync(out, { recursive: true });
  const backend = await initBackend();
  const threads = backend === 'onnxruntime' ? sessionSettingsFromEnv('cpu').threads : 1;
  const now = clock(argv.includes('--cpu-clock'), threads);
  const python = argv.includes('--no-torch') ? null : torchPython();
  if (!python && !argv.includes('--no-torch'))
    console.error('PyTorch row left out: no python3 imports torch (Debian: apt install python3-torch)');
  const withSingle = !argv.includes('--no-single');
  const detailAt = argv.indexOf('--detail');
  const detailChoice = detailAt >= 0 ? argv[detailAt + 1] : DETAIL_TRANSFER ? 'on' : 'off';
  const details = detailChoice === 'both' ? [false, true] : [detailChoice === 'on'];
  const rows: Row[] = [];
  for (const style of styles) {
    for (const budgetS of budgets) {
      const runs: Painted[] = [];
      if (python) runs.push(await paintTorch(python, style, size, budgetS, threads));
      if (withSingle) runs.push(await paint(style, size, budgetS, { single: true }, now));
      for (const ratio of ratios) for (const detail of details) runs.push(await paint(style, size, budgetS, { ratio, detail }, now));
      rows.push(...runs.map((r) => r.row));
      const file = join(out, `${style}-${size}px-${budgetS}s.png`);
      writeFileSync(file, await sideBySide(runs.map((r) => r.png)));
      console.error(`wrote ${file} (left to right: ${runs.map((r) => r.row.mode).join('; ')})`);
    }
  }
  const fmt = (n: number) => n.toExponential(2);
  const clockName = argv.includes('--cpu-clock') ? `CPU time / ${threads} threads` : 'wall clock';
  console.log(
    `Time budget, ${size} px, tuebingen_neckarfront, ${backend} (${threads} threads, budgets on the ${clockName}); reference: 500 PyTorch L-BFGS iterations (shared/reference)`,
  );
  console.log(
    '| style | budget s | run | wall s | iterations | scales (px:iterations) | final total | x reference | s to 1.5x reference |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.style} | ${r.budgetS} | ${r.mode} | ${r.wallS.toFixed(1)} | ${r.iterations} | ${r.scales} | ${fmt(r.total)} | ${r.ratio === null ? '-' : r.ratio.toFixed(2)} | ${r.reachedS === null ? 'not reached' : r.reachedS.toFixed(1)} |`,
    );
  }
}

// Engine benchmark: milliseconds per optimisation step (forward to relu5_1 + image gradient) and the
// arithmetic rate it implies, on the active backend, plus custom-vs-stock gradient speed at 128 px.
// `npm run bench` prints the table. Other sections import runEngineBench() and add their own.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { initBackend } from '../src/engine/backend.js';
import type { GradientMode } from '../src/engine/gradients.js';
import { contentLoss, CONTENT_LAYER, gramMatrix, STYLE_LAYERS, styleLayerLoss } from '../src/engine/losses.js';
import { createVgg, vggFeatures, type Vgg } from '../src/engine/vgg.js';
import { loadVggWeights, resolveModelDir, VGG_CONV_LAYERS } from '../src/engine/weights.js';

export interface EngineBenchRow {
  size: number;
  mode: GradientMode;
  /** Mean ms per step after one warm-up step, or null when skipped. */
  msPerStep: number | null;
  gflopPerStep: number;
  gflops: number | null;
  note?: string;
}

export interface EngineBenchReport {
  backend: string;
  rows: EngineBenchRow[];
  /** stock ms / custom ms at 128 px, measured in the same process. */
  customSpeedup: number | null;
}

/** Forward multiply-accumulates of VGG-19 from conv1_1 to conv5_1 on a size x size image. */
export function forwardMacs(size: number): number {
  const channels: Record<string, [number, number]> = {};
  let inC = 3;
  for (const l of VGG_CONV_LAYERS) {
    const out = l.startsWith('conv1') ? 64 : l.startsWith('conv2') ? 128 : l.startsWith('conv3') ? 256 : 512;
    channels[l] = [inC, out];
    inC = out;
  }
  let macs = 0;
  for (const l of VGG_CONV_LAYERS) {
    const side = Math.floor(size / 2 ** (Number(l[4]) - 1));
    const [cin, cout] = channels[l]!;
    macs += side * side * 9 * cin * cout;
    if (l === 'conv5_1') break;
  }
  return macs;
}

/** One step costs about twice the forward pass (forward + input gradient), 2 FLOP per MAC. */
export function stepGflop(size: number): number {
  return (4 * forwardMacs(size)) / 1e9;
}

/** Times full Gatys steps (content at relu4_2, style at relu1_1..relu5_1) on a size x size image. */
async function timeSteps(vgg: Vgg, size: number, reps: number): Promise<number[]> {
  const [contentTarget, grams] = tf.tidy(() => {
    const target = tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const feats = vggFeatures(vgg, target, [...STYLE_LAYERS, CONTENT_LAYER]);
    return [feats.get(CONTENT_LAYER)!, STYLE_LAYERS.map((l) => gramMatrix(feats.get(l)!))] as const;
  });
  const x = tf.variable(tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 3) as tf.Tensor4D);
  const loss = (image: tf.Tensor) => {
    const feats = vggFeatures(vgg, image as tf.Tensor4D, [...STYLE_LAYERS, CONTENT_LAYER]);
    let total = contentLoss(feats.get(CONTENT_LAYER)!, contentTarget);
    STYLE_LAYERS.forEach((l, i) => {
      const f = feats.get(l)!;
      total = tf.add(total, tf.mul(1e4 * 0.2, styleLayerLoss(gramMatrix(f, vgg.mode), grams[i]!, f.shape[1] * f.shape[2])));
    });
    return total;
  };
  const valueAndGrad = tf.valueAndGrad(loss);
  const times: number[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const { value, grad } = tf.tidy(() => valueAndGrad(x));
      await grad.data();
      times.push(performance.now() - t0);
      value.dispose();
      grad.dispose();
    }
  } finally {
    x.dispose();
    contentTarget.dispose();
    grams.forEach((g) => g.dispose());
  }
  return times;
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

/**
 * Measures the engine on the active backend. A size is skipped when its estimated time (from the
 * previous size, x4 per doubling) for warm-up plus the repetitions exceeds budgetMs.
 */
export async function runEngineBench(
  opts: { sizes?: number[]; reps?: number; budgetMs?: number; log?: (line: string) => void } = {},
): Promise<EngineBenchReport> {
  const { sizes = [128, 256, 512], reps = 2, budgetMs = 60_000, log = () => {} } = opts;
  await initBackend();
  // The tfjs backend these steps run on (under onnxruntime, tfjs is on wasm; its own rows are cpu-bench.ts's).
  const backend = tf.getBackend();
  const weights = await loadVggWeights(resolveModelDir());
  const custom = createVgg(weights, 'custom');
  const stock = createVgg(weights, 'stock');
  const rows: EngineBenchRow[] = [];
  let previous: { size: number; ms: number } | null = null;
  let customAt128: number | null = null;
  for (const size of sizes) {
    const gflop = stepGflop(size);
    const estimate = previous ? previous.ms * (size / previous.size) ** 2 * (reps + 1) : 0;
    if (estimate > budgetMs) {
      const note = `skipped: about ${(estimate / 1000).toFixed(0)} s estimated (> ${budgetMs / 1000} s budget)`;
      rows.push({ size, mode: 'custom', msPerStep: null, gflopPerStep: gflop, gflops: null, note });
      log(`${size} px: ${note}`);
      continue;
    }
    const times = await timeSteps(custom, size, reps + 1);
    const ms = mean(times.slice(1));
    rows.push({ size, mode: 'custom', msPerStep: ms, gflopPerStep: gflop, gflops: gflop / (ms / 1000) });
    log(`${size} px: ${ms.toFixed(0)} ms/step`);
    previous = { size, ms };
    if (size === 128) customAt128 = ms;
  }
  let customSpeedup: number | null = null;
  if (customAt128 !== null) {
    const times = await timeSteps(stock, 128, reps + 1);
    const ms = mean(times.slice(1));
    const gflop = stepGflop(128);
    rows.push({ size: 128, mode: 'stock', msPerStep: ms, gflopPerStep: gflop, gflops: gflop / (ms / 1000) });
    customSpeedup = ms / customAt128;
  }
  return { backend, rows, customSpeedup };
}

export function formatEngineBench(report: EngineBenchReport): string {
  const lines = [
    `Engine: one Gatys step (VGG-19 to relu5_1, forward + image gradient) on backend "${report.backend}"`,
    '| size | gradients | ms / step | GFLOP / step | GFLOP/s |',
    '|---|---|---|---|---|',
  ];
  for (const r of report.rows) {
    const ms = r.msPerStep === null ? (r.note ?? 'skipped') : r.msPerStep.toFixed(0);
    const rate = r.gflops === null ? '-' : r.gflops.toFixed(1);
    lines.push(`| ${r.size} | ${r.mode} | ${ms} | ${r.gflopPerStep.toFixed(1)} | ${rate} |`);
  }
  if (report.customSpeedup !== null) lines.push(`custom gradients are ${report.customSpeedup.toFixed(2)}x faster than stock at 128 px`);
  return lines.join('\n');
}

/** A developer checkout measures with the shared weights beside the repository unless told otherwise. */
function useSharedWeightsByDefault(): void {
  const shared = fileURLToPath(new URL('../../shared/models/vgg19', import.meta.url));
  if (!process.env.STYLEBOT_MODEL_DIR && existsSync(`${shared}/weights_manifest.json`)) process.env.STYLEBOT_MODEL_DIR = shared;
}

async function main(): Promise<void> {
  useSharedWeightsByDefault();
  if (process.argv[2] === 'quality') {
    // `npm run bench -- quality ...`: picture quality (bench/quality.ts), not the speed tables.
    const { runQualityBench } = await import('./quality.js');
    await runQualityBench(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'overhead') {
    // `npm run bench -- overhead [SIZE ...] [--iterations N]`: the job path (studio, job service, worker) against stylize().
    const { runOverheadBench, formatOverheadBench } = await import('./overhead.js');
    console.log(formatOverheadBench(await runOverheadBench(process.argv.slice(3))));
    return;
  }
  if (process.argv[2] === 'budget') {
    // `npm run bench -- budget [SIZE] [SECONDS ...] [--styles a,b]`: what a time budget paints, against single scale.
    const { runBudgetBench } = await import('./budget.js');
    await runBudgetBench(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'spinning') {
    // `npm run bench -- spinning [SIZE ...] [--reps N]`: onnxruntime's idle threads spinning or sleeping.
    const { runSpinningBench } = await import('./spinning.js');
    await initBackend();
    await runSpinningBench(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'memory') {
    // `npm run bench -- memory [SIZE] [SECONDS]`: peak RSS of the default job, in its own process.
    const { runMemoryBench } = await import('./memory.js');
    await runMemoryBench(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'flicker') {
    // `npm run bench -- flicker ...`: how much a painted animation flickers, with and without coherence.
    const { runFlickerBench } = await import('./flicker.js');
    await runFlickerBench(process.argv.slice(3));
    return;
  }
  if (process.argv[2] === 'issue') {
    // `npm run bench -- issue ...`: CPU time to issue an iteration on webgpu, recorded vs the tfjs path.
    const { runIssueBench, formatIssueBench } = await import('./issue-bench.js');
    const result = await runIssueBench(process.argv.slice(3));
    const info =
      typeof result === 'string'
        ? ''
        : ((tf.backend() as unknown as { device: { adapterInfo?: { description?: string } } }).device.adapterInfo?.description ??
          'unknown adapter');
    console.log(formatIssueBench(result, info));
    return;
  }
  // On wasm the CPU section below measures 128 and 256 px again beside onnxruntime: here 128 px and stock gradients
  // only, to keep the whole run within about 3 minutes.
  await initBackend();
  const report = await runEngineBench({ sizes: tf.getBackend() === 'wasm' ? [128] : undefined, log: (l) => console.error(l) });
  console.log(formatEngineBench(report));
  const { runCpuBench, formatCpuBench } = await import('./cpu-bench.js');
  console.log('');
  console.log(formatCpuBench(await runCpuBench(await loadVggWeights(resolveModelDir()), { log: (l) => console.error(l) })));
  // Imported here so the engine table prints even if a later section fails.
  const { runLbfgsBench, formatLbfgsBench } = await import('./lbfgs-bench.js');
  console.log('');
  console.log(formatLbfgsBench(await runLbfgsBench()));
  const { formatJobsBench } = await import('./jobs-bench.js');
  console.log('');
  const { runJobsBenchSuite } = await import('./jobs-bench.js');
  console.log(formatJobsBench(await runJobsBenchSuite()));

  // The same job core on PostgreSQL with 1, 2 and 4 worker processes (needs the server binaries or a URL).
  const { findPostgresBin } = await import('../test/db/postgres-cluster.js');
  console.log('');
  if (process.env.STYLEBOT_BENCH_DATABASE_URL || findPostgresBin()) {
    const { runPostgresJobsBench, formatPostgresJobsBench } = await import('./jobs-pg-bench.js');
    console.log(formatPostgresJobsBench(await runPostgresJobsBench()));
  } else {
    console.log('Jobs on PostgreSQL: skipped (no server binaries under /usr/lib/postgresql, STYLEBOT_BENCH_DATABASE_URL unset)');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}

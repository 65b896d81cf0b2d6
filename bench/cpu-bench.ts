// CPU backends side by side: ms per iteration of the Gatys objective (VGG-19 to relu5_1, forward + image gradient,
// content at relu4_2 and five Gram layers) at 128 and 256 px on onnxruntime (1 and 2 intra-op threads), on tfjs
// wasm, and on PyTorch CPU when python3 can import torch. All in one process, the rows taking turns rep by rep, so
// that a change in the machine's load falls on every row alike; PyTorch runs as a child process after them.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { contentLoss, CONTENT_LAYER, gramMatrix, STYLE_LAYERS, styleLayerLoss } from '../src/engine/losses.js';
import { OnnxGatys } from '../src/engine/onnx/objective.js';
import { onnxWeights } from '../src/engine/onnx/session.js';
import { seededRandom } from '../src/engine/random.js';
import { createVgg, vggFeatures, type Vgg } from '../src/engine/vgg.js';
import { torchPython } from './torch-python.js';
import type { VggWeights } from '../src/engine/weights.js';

export interface CpuBenchRow {
  who: string;
  size: number;
  /** Mean ms per iteration after a warm-up one; null when absent. */
  ms: number | null;
  note?: string;
}

export interface CpuBenchReport {
  rows: CpuBenchRow[];
  /** PyTorch's best-of-threads row per size, when torch ran. */
  torch: Map<number, number>;
}

export interface Stepper {
  who: string;
  size: number;
  step(): Promise<void>;
  dispose(): Promise<void>;
}

function noisePicture(size: number, seed: number) {
  const r = seededRandom(seed);
  return { width: size, height: size, data: Uint8Array.from({ length: size * size * 3 }, () => Math.floor(256 * r())) };
}

const LOSS_WEIGHTS = {
  contentWeight: 1,
  styleWeight: 1e4,
  tvWeight: 0,
  layerWeights: [0.2, 0.2, 0.2, 0.2, 0.2] as [number, number, number, number, number],
};

/** One objective evaluation on onnxruntime's CPU provider; `spinning` as SessionSettings.spinning. */
export async function onnxStepper(weights: VggWeights, size: number, threads: number, spinning?: boolean): Promise<Stepper> {
  const images = { width: size, height: size, content: noisePicture(size, 1), styles: [{ image: noisePicture(size, 2), weight: 1 }] };
  const gatys = await OnnxGatys.create(onnxWeights(weights), images, LOSS_WEIGHTS, 3, {
    provider: 'cpu',
    threads,
    ...(spinning === undefined ? {} : { spinning }),
  });
  const x = Float32Array.from(noisePicture(size, 3).data);
  const spin = spinning === undefined ? '' : spinning ? ', spinning' : ', no spinning';
  return {
    who: `onnxruntime, ${threads} thread${threads > 1 ? 's' : ''}${spin}`,
    size,
    step: async () => void (await gatys.evaluate(x)),
    dispose: () => gatys.dispose(),
  };
}

/** The tfjs step as stylize() runs it on wasm: the custom gradients through tf.valueAndGrad. */
function wasmStepper(vgg: Vgg, size: number): Stepper {
  const [contentTarget, grams] = tf.tidy(() => {
    const target = tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 7) as tf.Tensor4D;
    const feats = vggFeatures(vgg, target, [...STYLE_LAYERS, CONTENT_LAYER]);
    return [feats.get(CONTENT_LAYER)!, STYLE_LAYERS.map((l) => gramMatrix(feats.get(l)!))] as const;
  });
  const x = tf.variable(tf.randomUniform([1, size, size, 3], 0, 255, 'float32', 3) as tf.Tensor4D);
  const valueAndGrad = tf.valueAndGrad((image: tf.Tensor) => {
    const feats = vggFeatures(vgg, image as tf.Tensor4D, [...STYLE_LAYERS, CONTENT_LAYER]);
    let total = contentLoss(feats.get(CONTENT_LAYER)!, contentTarget);
    STYLE_LAYERS.forEach((l, i) => {
      const f = feats.get(l)!;
      total = tf.add(total, tf.mul(1e4 * 0.2, styleLayerLoss(gramMatrix(f, vgg.mode), grams[i]!, f.shape[1] * f.shape[2])));
    });
    return total;
  });
  return {
    who: `tfjs ${tf.getBackend()}, 1 thread`,
    size,
    step: async () => {
      const { value, grad } = tf.tidy(() => valueAndGrad(x));
      await grad.data();
      value.dispose();
      grad.dispose();
    },
    dispose: async () => {
      x.dispose();
      contentTarget.dispose();
      grams.forEach((g) => g.dispose());
    },
  };
}

/**
 * Runs the steppers rep by rep, taking turns (so a change in the machine's load falls on all alike), after one warm-up
 * rep; then disposes them. Per stepper: mean wall ms per step, and this process's CPU seconds over the timed reps.
 */
export async function timeInTurns(steppers: readonly Stepper[], reps: number): Promise<{ ms: number[]; cpuS: number[] }> {
  const ms = steppers.map(() => 0);
  const cpuS = steppers.map(() => 0);
  try {
    for (let rep = 0; rep <= reps; rep++) {
      for (const [i, s] of steppers.entries()) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await s.step();
        const c = process.cpuUsage(c0);
        if (rep === 0) continue; // the warm-up
        ms[i]! += (performance.now() - t0) / reps;
        cpuS[i]! += (c.user + c.system) / 1e6;
      }
    }
  } finally {
    for (const s of steppers) await s.dispose();
  }
  return { ms, cpuS };
}

/** PyTorch CPU through bench/torch_step.py, or why not. Best of 1 and 2 threads per size. */
function torchRows(sizes: number[], reps: number): { rows: CpuBenchRow[]; best: Map<number, number> } {
  const script = fileURLToPath(new URL('./torch_step.py', import.meta.url));
  const python = torchPython();
  if (!python)
    return { rows: sizes.map((size) => ({ who: 'PyTorch CPU', size, ms: null, note: 'absent (no python3 with torch)' })), best: new Map() };
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  const run = spawnSync(python, [script, '--sizes', sizes.join(','), '--threads', '1,2', '--reps', String(reps)], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0)
    return {
      rows: sizes.map((size) => ({ who: 'PyTorch CPU', size, ms: null, note: `failed: ${run.stderr.trim().split('\n').at(-1)}` })),
      best: new Map(),
    };
  const rows: CpuBenchRow[] = [];
  const best = new Map<number, number>();
  for (const line of run.stdout.trim().split('\n')) {
    const { size, threads, ms } = JSON.parse(line) as { size: number; threads: number; ms: number };
    rows.push({ who: `PyTorch ${probe.stdout.trim()} CPU, ${threads} thread${threads > 1 ? 's' : ''}`, size, ms });
    best.set(size, Math.min(best.get(size) ?? Infinity, ms));
  }
  return { rows, best };
}

/** The whole comparison; tfjs must already be on its backend (wasm) and `weights` loaded on it. */
export async function runCpuBench(
  weights: VggWeights,
  opts: { sizes?: number[]; reps?: number; log?: (line: string) => void } = {},
): Promise<CpuBenchReport> {
  const { sizes = [128, 256], reps = 2, log = () => {} } = opts;
  const vgg = createVgg(weights, 'custom');
  const rows: CpuBenchRow[] = [];
  for (const size of sizes) {
    const steppers = [await onnxStepper(weights, size, 1), await onnxStepper(weights, size, 2), wasmStepper(vgg, size)];
    const { ms: times } = await timeInTurns(steppers, reps);
    steppers.forEach((s, i) => {
      const ms = times[i]!;
      rows.push({ who: s.who, size, ms });
      log(`${size} px, ${s.who}: ${ms.toFixed(0)} ms`);
    });
  }
  const torch = torchRows(sizes, reps);
  rows.push(...torch.rows);
  return { rows, torch: torch.best };
}

export function formatCpuBench(report: CpuBenchReport): string {
  const lines = [
    'CPU backends: ms per iteration (VGG-19 to relu5_1, forward + image gradient), same process, rows taking turns',
    '| who | size | ms / iteration | vs wasm | vs PyTorch (best of 1, 2 threads) |',
    '|---|---|---|---|---|',
  ];
  for (const r of report.rows) {
    const wasm = report.rows.find((w) => w.size === r.size && w.who.startsWith('tfjs'))?.ms ?? null;
    const torch = report.torch.get(r.size) ?? null;
    const ratio = (base: number | null) => (r.ms !== null && base !== null ? `${(r.ms / base).toFixed(2)}` : '-');
    lines.push(`| ${r.who} | ${r.size} | ${r.ms === null ? (r.note ?? '-') : r.ms.toFixed(0)} | ${ratio(wasm)} | ${ratio(torch)} |`);
  }
  return lines.join('\n');
}

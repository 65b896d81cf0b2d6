// Micro-benchmark of our WGSL 3x3 convolution (src/engine/wgsl/conv3x3.ts) against tfjs's stock ops, on the ACTIVE
// backend, for the conv layers the engine runs (VGG-19 up to conv5_1) at a given image size, per tile configuration:
//   forward:  stock tf.fused.conv2d (bias + ReLU)          vs conv3x3BiasRelu
//   backward: stock tf.conv2d(dy * step(y), Wback)          vs conv3x3MaskedBackward (mask fused into the read)
// Each timing: one warm-up call (shader compilation), then `reps` calls and ONE read-back of a 1-element slice at the
// end, so the time is the GPU's, not a round trip per call. Returns the rows and prints a Markdown table plus, per
// implementation, the whole iteration's conv time (each layer shape weighted by how many layers have it).
import * as tf from '@tensorflow/tfjs';
import { msPerCall } from './ms-per-call.js';
import {
  CONV3X3_CONFIGS,
  chooseConv3x3Config,
  NARROW_CONV3X3_CONFIG,
  configName,
  configProblem,
  conv3x3BiasRelu,
  conv3x3MaskedBackward,
  registerConv3x3Kernels,
  type Conv3x3Config,
} from '../../src/engine/wgsl/conv3x3.js';

export interface ConvBenchOptions {
  /** Image side in pixels (512 for the numbers). */
  size: number;
  reps: number;
  /** Tile configurations to time (default: all offered). */
  configs?: readonly Conv3x3Config[];
}

export interface ConvBenchRow {
  layer: string;
  /** How many of the engine's layers have this shape (conv3_2..conv3_4 are one row, count 3). */
  count: number;
  side: number;
  cin: number;
  cout: number;
  pass: 'forward' | 'backward';
  /** 'stock' or a configuration name such as m128n64k16t8x4. */
  impl: string;
  ms: number | null;
  gflops: number | null;
  /** Stock ms / this ms for the same layer and pass. */
  speedup: number | null;
  error?: string;
}

/** The distinct conv layer shapes of VGG-19 up to conv5_1 at an image side: [name, count, side divisor, in, out]. */
export const LAYERS: [string, number, number, number, number][] = [
  ['conv1_1', 1, 1, 3, 64],
  ['conv1_2', 1, 1, 64, 64],
  ['conv2_1', 1, 2, 64, 128],
  ['conv2_2', 1, 2, 128, 128],
  ['conv3_1', 1, 4, 128, 256],
  ['conv3_2-4', 3, 4, 256, 256],
  ['conv4_1', 1, 8, 256, 512],
  ['conv4_2-4', 3, 8, 512, 512],
  ['conv5_1', 1, 16, 512, 512],
];

function workgroupLimit(): number {
  const backend = tf.backend() as unknown as { device?: { limits?: { maxComputeWorkgroupStorageSize?: number } } };
  return backend.device?.limits?.maxComputeWorkgroupStorageSize ?? 16384;
}

export async function benchConvKernels(options: ConvBenchOptions): Promise<ConvBenchRow[]> {
  const { size, reps } = options;
  const configs = options.configs ?? CONV3X3_CONFIGS;
  const onWebgpu = tf.getBackend() === 'webgpu';
  if (onWebgpu) await registerConv3x3Kernels();
  const limit = onWebgpu ? workgroupLimit() : 0;
  const rows: ConvBenchRow[] = [];

  for (const [layer, count, divisor, cin, cout] of LAYERS) {
    const side = Math.max(1, Math.round(size / divisor));
    const x = tf.randomNormal([1, side, side, cin], 0, 1, 'float32', 1) as tf.Tensor4D;
    const kernel = tf.randomNormal([3, 3, cin, cout], 0, 0.05, 'float32', 2) as tf.Tensor4D;
    const bias = tf.randomNormal([cout], 0, 0.1, 'float32', 3) as tf.Tensor1D;
    const dy = tf.randomNormal([1, side, side, cout], 0, 1, 'float32', 4) as tf.Tensor4D;
    const y = tf.tidy(() => tf.relu(tf.randomNormal([1, side, side, cout], 0, 1, 'float32', 5))) as tf.Tensor4D;
    const back = tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2])) as tf.Tensor4D;
    const gflop = (2 * side * side * 9 * cin * cout) / 1e9;

    const passes: ['forward' | 'backward', () => tf.Tensor, (c: Conv3x3Config) => tf.Tensor][] = [
      [
        'forward',
        () => tf.fused.conv2d({ x, filter: kernel, strides: 1, pad: 'same', bias, activation: 'relu' }),
        (c) => conv3x3BiasRelu(x, kernel, bias, c),
      ],
      [
        'backward',
        () => tf.tidy(() => tf.conv2d(tf.mul(dy, tf.step(y)) as tf.Tensor4D, back, 1, 'same')),
        (c) => conv3x3MaskedBackward(dy, y, back, c),
      ],
    ];
    for (const [pass, stockFn, oursFn] of passes) {
      const base = { layer, count, side, cin, cout, pass };
      const stockMs = await msPerCall(stockFn, reps);
      rows.push({ ...base, impl: 'stock', ms: stockMs, gflops: gflop / (stockMs / 1000), speedup: 1 });
      if (!onWebgpu) continue;
      for (const config of configs) {
        const impl = configName(config);
        const problem = configProblem(config, limit);
        if (problem) {
          rows.push({ ...base, impl, ms: null, gflops: null, speedup: null, error: problem });
          continue;
        }
        try {
          const ms = await msPerCall(() => oursFn(config), reps);
          rows.push({ ...base, impl, ms, gflops: gflop / (ms / 1000), speedup: stockMs / ms });
        } catch (err) {
          rows.push({ ...base, impl, ms: null, gflops: null, speedup: null, error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
    tf.dispose([x, kernel, bias, dy, y, back]);
  }
  console.log(convBenchMarkdown(rows, size, reps));
  return rows;
}

/** The rows as a Markdown table, then the whole iteration's conv time per implementation (forward + backward). */
export function convBenchMarkdown(rows: ConvBenchRow[], size: number, reps: number): string {
  const f = (v: number | null, digits: number) => (v === null ? '-' : v.toFixed(digits));
  const lines = [
    `### 3x3 conv kernels at ${size} px, ${reps} reps (${tf.getBackend()})`,
    '',
    '| layer | x | side | in -> out | pass | impl | ms | GFLOP/s | vs stock |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.layer} | ${r.count} | ${r.side} | ${r.cin} -> ${r.cout} | ${r.pass} | ${r.impl} | ${f(r.ms, 3)} | ${f(r.gflops, 0)} | ${r.error ? r.error : f(r.speedup, 2)} |`,
    ),
  ];
  // Per implementation: sum over layers of count x ms, both passes; and the best config per layer and pass.
  const impls = [...new Set(rows.map((r) => r.impl))];
  const total = (pick: (layerRows: ConvBenchRow[]) => number | null) => {
    let sum = 0;
    for (const key of new Set(rows.map((r) => `${r.layer}/${r.pass}`))) {
      const layerRows = rows.filter((r) => `${r.layer}/${r.pass}` === key);
      const ms = pick(layerRows);
      if (ms === null) return null;
      sum += ms * layerRows[0]!.count;
    }
    return sum;
  };
  // As chooseConv3x3Config runs it: the narrow config wherever a pass has at most 4 output channels (conv1_1 backward).
  const narrow = configName(NARROW_CONV3X3_CONFIG);
  const asChosen = (impl: string) => (lr: ConvBenchRow[]) => {
    const outputs = lr[0]!.pass === 'forward' ? lr[0]!.cout : lr[0]!.cin;
    const pick = impl !== 'stock' && outputs <= 4 ? narrow : impl;
    return lr.find((r) => r.impl === pick)?.ms ?? null;
  };
  lines.push(
    '',
    '| impl | conv ms per iteration (forward + backward, all layers) | the same, narrow config where <= 4 outputs |',
    '|---|---|---|',
  );
  for (const impl of impls) {
    lines.push(
      `| ${impl} | ${f(
        total((lr) => lr.find((r) => r.impl === impl)?.ms ?? null),
        2,
      )} | ${f(total(asChosen(impl)), 2)} |`,
    );
  }
  const best = (lr: ConvBenchRow[]) => {
    const ok = lr.filter((r) => r.impl !== 'stock' && r.ms !== null);
    return ok.length ? Math.min(...ok.map((r) => r.ms!)) : null;
  };
  lines.push(`| best config per layer and pass | ${f(total(best), 2)} | |`);
  const chosen = (lr: ConvBenchRow[]) => {
    const outputs = lr[0]!.pass === 'forward' ? lr[0]!.cout : lr[0]!.cin;
    const pick = configName(chooseConv3x3Config(outputs, lr[0]!.side ** 2, {}));
    return lr.find((r) => r.impl === pick)?.ms ?? null;
  };
  lines.push(`| as the engine chooses (chooseConv3x3Config) | ${f(total(chosen), 2)} | |`);
  return lines.join('\n');
}

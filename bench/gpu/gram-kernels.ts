// Micro-benchmark of the Gram matrix G = F^T F and its gradient dF = F (dG + dG^T) on the ACTIVE backend, per
// VGG-19 style layer shape at a given image size: the engine's stock ops (gramCustom's 1x1 convolutions, and
// tf.matMul) against our WGSL kernels (src/engine/wgsl/gram.ts) in every offered tile configuration.
// Each case: one warm-up call (shader compile), then `reps` calls with ONE read-back at the end.
//   const rows = await benchGramKernels({ size: 512, reps: 20 });   // prints a Markdown table too
import * as tf from '@tensorflow/tfjs';
import { msPerCall } from './ms-per-call.js';
import { gramCustom } from '../../src/engine/gradients.js';
import { relativeL2 } from '../../test/engine/support/webgpu-checks.js';
import {
  backwardConfigName,
  forwardConfigName,
  GRAM_BACKWARD_CONFIGS,
  GRAM_FORWARD_CONFIGS,
  gramBackwardWgsl,
  gramSplit,
  gramWgsl,
  registerGramKernels,
  type GramBackwardConfig,
  type GramForwardConfig,
} from '../../src/engine/wgsl/gram.js';

export interface GramBenchOptions {
  /** Image side in pixels (512 for the real thing). */
  size: number;
  reps: number;
  configs?: { forward?: readonly GramForwardConfig[]; backward?: readonly GramBackwardConfig[] };
}

export interface GramBenchRow {
  layer: string;
  /** Positions (H*W) and channels of F. */
  m: number;
  n: number;
  op: 'forward' | 'backward';
  impl: string;
  ms: number;
  /** 2 M N^2 flop (the full product, even where only the upper triangle is computed), per second. */
  gflops: number;
  /** Relative L2 difference to tf.matMul on the same backend (our kernels only). */
  relErr?: number;
}

/** The style layers of VGG-19 at `size` px: positions and channels. */
export function gramLayerShapes(size: number): { layer: string; m: number; n: number }[] {
  const layers: [string, number, number][] = [
    ['relu1_1', 1, 64],
    ['relu2_1', 2, 128],
    ['relu3_1', 4, 256],
    ['relu4_1', 8, 512],
    ['relu5_1', 16, 512],
  ];
  return layers.map(([layer, down, n]) => ({ layer, m: Math.max(1, Math.floor(size / down)) ** 2, n }));
}

/** The engine's gramCustom gradient (gradients.ts timesSquare): F (dG + dG^T) as a 1x1 convolution. */
function stockGradientAsConv(f: tf.Tensor2D, dG: tf.Tensor2D): tf.Tensor2D {
  const [m, n] = f.shape;
  const s = tf.add(dG, tf.transpose(dG));
  return tf.reshape(tf.conv2d(tf.reshape(f, [1, 1, m, n]) as tf.Tensor4D, tf.reshape(s, [1, 1, n, n]) as tf.Tensor4D, 1, 'valid'), [m, n]);
}

export async function benchGramKernels(options: GramBenchOptions): Promise<GramBenchRow[]> {
  const { size, reps } = options;
  const ours = tf.getBackend() === 'webgpu';
  if (ours) await registerGramKernels();
  const forwardConfigs = options.configs?.forward ?? GRAM_FORWARD_CONFIGS;
  const backwardConfigs = options.configs?.backward ?? GRAM_BACKWARD_CONFIGS;
  const rows: GramBenchRow[] = [];
  for (const { layer, m, n } of gramLayerShapes(size)) {
    const f = tf.randomUniform([m, n], 0, 1, 'float32', 1) as tf.Tensor2D;
    const dG = tf.randomNormal([n, n], 0, 1, 'float32', 2) as tf.Tensor2D;
    const gflop = (2 * m * n * n) / 1e9;
    const add = async (op: GramBenchRow['op'], impl: string, run: () => tf.Tensor, reference?: tf.Tensor) => {
      let relErr: number | undefined;
      if (reference) {
        const out = tf.tidy(run);
        relErr = relativeL2(await out.data(), await reference.data());
        out.dispose();
      }
      const ms = await msPerCall(() => tf.tidy(run), reps);
      rows.push({ layer, m, n, op, impl, ms, gflops: gflop / (ms / 1000), ...(relErr === undefined ? {} : { relErr }) });
    };
    await add('forward', 'stock gramCustom (1x1 conv)', () => gramCustom(f));
    await add('forward', 'stock tf.matMul(F, F, transposeA)', () => tf.matMul(f, f, true, false));
    const gramRef = ours ? tf.matMul(f, f, true, false) : undefined;
    for (const config of ours ? forwardConfigs : []) {
      const split = gramSplit(m, n, config);
      await add(
        'forward',
        `wgsl split-K ${forwardConfigName(config)} (S=${split.chunks}, ${split.tilePairs * split.chunks} wg)`,
        () => gramWgsl(f, config),
        gramRef,
      );
    }
    await add('backward', 'stock gramCustom grad (1x1 conv)', () => stockGradientAsConv(f, dG));
    await add('backward', 'stock tf.matMul(F, dG + dG^T)', () => tf.matMul(f, tf.add(dG, tf.transpose(dG))));
    const gradRef = ours ? tf.tidy(() => tf.matMul(f, tf.add(dG, tf.transpose(dG)))) : undefined;
    for (const config of ours ? backwardConfigs : []) {
      await add('backward', `wgsl ${backwardConfigName(config)}`, () => gramBackwardWgsl(f, dG, config), gradRef);
    }
    tf.dispose([f, dG, ...(gramRef ? [gramRef] : []), ...(gradRef ? [gradRef] : [])]);
  }
  console.log(gramBenchTable(rows, size, reps));
  return rows;
}

export function gramBenchTable(rows: GramBenchRow[], size: number, reps: number): string {
  const lines = [
    `Gram kernels on ${tf.getBackend()} at ${size} px, ${reps} reps (ms per call; GFLOP/s of 2 M N^2)`,
    '',
    '| layer | M x N | op | implementation | ms | GFLOP/s | rel. err vs matMul |',
    '|---|---|---|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.layer} | ${r.m} x ${r.n} | ${r.op} | ${r.impl} | ${r.ms.toFixed(3)} | ${r.gflops.toFixed(1)} | ${r.relErr === undefined ? '' : r.relErr.toExponential(1)} |`,
    ),
  ];
  return lines.join('\n');
}

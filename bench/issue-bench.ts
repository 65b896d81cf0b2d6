// `npm run bench -- issue [--sizes 64,128] [--reps 5]`: the CPU time to issue one L-BFGS iteration of the Gatys
// objective on webgpu, the recorded iteration (src/engine/webgpu/) against the engine's tfjs op-by-op path, in one
// process on the same device. Issue time is CPU work (encoding, validation, submit), so any adapter measures it,
// lavapipe included; the iteration's GPU time is bench/gpu's business. Skips with the reason where no adapter exists.
import * as tf from '@tensorflow/tfjs';
import { activeWebgpuDevice } from '../src/engine/webgpu/device.js';
import { initBackend } from '../src/engine/backend.js';
import { computeTargets, disposeTargets, lossParts, weightedTotal, type LossWeights } from '../src/engine/losses.js';
import { createLbfgs, type Objective } from '../src/engine/optimizers.js';
import { createVgg, type Vgg } from '../src/engine/vgg.js';
import { loadVggWeights, resolveModelDir } from '../src/engine/weights.js';
import { syntheticImage, webgpuUnavailableReason } from '../test/engine/support/webgpu-checks.js';
import { RecordedIteration } from '../src/engine/webgpu/recorded-iteration.js';
import { objectiveTargetsOf } from '../src/engine/webgpu/recorded-objective.js';

const WEIGHTS: LossWeights = { contentWeight: 1, styleWeight: 1e4, tvWeight: 0, layerWeights: [0.2, 0.2, 0.2, 0.2, 0.2] };
const BOX = { lower: 0, upper: 255 };
const HISTORY = 100;

export interface IssueRow {
  size: number;
  /** CPU ms per iteration spent in advance(), tfjs path / recorded. */
  tfjsIssueMs: number;
  recordedIssueMs: number;
  /** Wall ms per iteration including the GPU (lavapipe: the CPU again), tfjs path / recorded. */
  tfjsWallMs: number;
  recordedWallMs: number;
  recordedDispatches: number;
}

async function timeTfjs(vgg: Vgg, size: number, reps: number): Promise<{ issue: number; wall: number }> {
  const targets = computeTargets(
    vgg,
    { width: size, height: size, content: syntheticImage(size, 1), styles: [{ image: syntheticImage(size, 2), weight: 1 }] },
    WEIGHTS,
  );
  const x = tf.variable(tf.tensor4d(Float32Array.from(syntheticImage(size, 3).data), [1, size, size, 3]));
  const valueAndGrad = tf.valueAndGrad((img: tf.Tensor) => weightedTotal(lossParts(vgg, targets, img as tf.Tensor4D), WEIGHTS));
  const objective: Objective = (image) => {
    const { value, grad } = tf.tidy(() => valueAndGrad(image));
    return { loss: value, grad };
  };
  const lbfgs = createLbfgs(x, objective, { historySize: HISTORY, bounds: BOX });
  try {
    for (let i = 0; i < 2; i++) lbfgs.advance(); // compiles every shader
    await x.data();
    let issue = 0;
    const began = performance.now();
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      lbfgs.advance();
      issue += performance.now() - t;
    }
    await x.data();
    return { issue: issue / reps, wall: (performance.now() - began) / reps };
  } finally {
    lbfgs.dispose();
    x.dispose();
    disposeTargets(targets);
  }
}

async function timeRecorded(vgg: Vgg, size: number, reps: number): Promise<{ issue: number; wall: number; dispatches: number }> {
  const targets = computeTargets(
    vgg,
    { width: size, height: size, content: syntheticImage(size, 1), styles: [{ image: syntheticImage(size, 2), weight: 1 }] },
    WEIGHTS,
  );
  const plain = await objectiveTargetsOf(targets);
  disposeTargets(targets);
  const device = activeWebgpuDevice(tf.backend());
  const recorded = await RecordedIteration.create(
    device,
    vgg,
    { height: size, width: size, channels: 3, ...WEIGHTS },
    plain,
    { historySize: HISTORY, learningRate: 1, gradientTolerance: 1e-7, bounds: BOX },
    Float32Array.from(syntheticImage(size, 3).data),
  );
  try {
    for (let i = 0; i < 2; i++) recorded.advance();
    await recorded.settle();
    const before = recorded.meanIssueMs * 2;
    const began = performance.now();
    for (let i = 0; i < reps; i++) recorded.advance();
    await recorded.settle();
    const wall = (performance.now() - began) / reps;
    const issue = (recorded.meanIssueMs * (reps + 2) - before) / reps;
    return { issue, wall, dispatches: recorded.dispatches };
  } finally {
    recorded.destroy();
  }
}

export async function runIssueBench(argv: string[]): Promise<IssueRow[] | string> {
  const arg = (name: string, fallback: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? (argv[i + 1] ?? fallback) : fallback;
  };
  const sizes = arg('--sizes', '64,128')
    .split(',')
    .map(Number)
    .filter((n) => n >= 32);
  const reps = Math.max(1, Number(arg('--reps', '5')));
  const unavailable = await webgpuUnavailableReason();
  if (unavailable) return `issue bench skipped: ${unavailable}`;
  await initBackend('webgpu');
  const vgg = createVgg(await loadVggWeights(resolveModelDir()));
  const rows: IssueRow[] = [];
  for (const size of sizes) {
    const tfjs = await timeTfjs(vgg, size, reps);
    const recorded = await timeRecorded(vgg, size, reps);
    rows.push({
      size,
      tfjsIssueMs: tfjs.issue,
      recordedIssueMs: recorded.issue,
      tfjsWallMs: tfjs.wall,
      recordedWallMs: recorded.wall,
      recordedDispatches: recorded.dispatches,
    });
  }
  return rows;
}

export function formatIssueBench(result: IssueRow[] | string, adapter: string): string {
  if (typeof result === 'string') return result;
  const lines = [
    `L-BFGS iteration on webgpu (${adapter}; history ${HISTORY}): CPU ms to issue it, and wall ms until the device is done`,
    '| size | tfjs path issue ms | recorded issue ms | issue ratio | tfjs path wall ms | recorded wall ms | wall ratio | recorded dispatches |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of result) {
    lines.push(
      `| ${r.size} | ${r.tfjsIssueMs.toFixed(2)} | ${r.recordedIssueMs.toFixed(3)} | ${(r.tfjsIssueMs / r.recordedIssueMs).toFixed(0)}x | ${r.tfjsWallMs.toFixed(0)} | ${r.recordedWallMs.toFixed(0)} | ${(r.tfjsWallMs / r.recordedWallMs).toFixed(2)}x | ${r.recordedDispatches} |`,
    );
  }
  return lines.join('\n');
}

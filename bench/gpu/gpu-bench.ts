// The engine on the GPU, in one run: iteration-0 losses on webgpu against wasm, the image gradient against
// float64 finite differences (on the GPU), then ms per iteration at each size. Bundled by bench/gpu/prepare.sh
// into gpu-bench.mjs so it runs on the device machine with only node, Dawn and the weights beside it.
//   node gpu-bench.mjs [--backend webgpu|wasm] [--sizes 512,1024] [--check-size 128] [--reps 5] [--json FILE] [--skip-checks]
//                      [--recorded] [--onnx webgpu|cpu] [--history 100] [--kernels SIZE] [--lbfgs SIZE] [--cpu-profile FILE]
// Paths: the tfjs path (default; stylize()'s objective and L-BFGS through TensorFlow.js ops), --recorded (the
// recorded iteration, src/engine/webgpu/: one command buffer per iteration; checked against the tfjs path and wasm
// at iteration 0), --onnx PROVIDER (the ONNX objective on ONNX Runtime; forward + gradient only, checked against
// wasm). Prints Markdown tables, then one line "GPU_BENCH_JSON {...}"; --json FILE is rewritten after each size, so
// a step cut short by its time limit leaves the sizes it finished.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../../src/engine/backend.js';
import { formatLbfgsBench, runLbfgsBench } from '../lbfgs-bench.js';
import { benchConvKernels } from './conv-kernels.js';
import { benchGramKernels } from './gram-kernels.js';
import {
  CHECK_WEIGHTS,
  iterationZero,
  relativeDifference,
  relativeL2,
  syntheticImage,
  tinyNetGradientCheck,
  type ObjectiveSample,
} from '../../test/engine/support/webgpu-checks.js';
import { computeTargets, disposeTargets, lossParts, weightedTotal } from '../../src/engine/losses.js';
import {
  activationBytes,
  activeMemoryBudget,
  checkRunFits,
  estimateRunBytes,
  lbfgsHistorySize,
  STEP_BYTES,
  STEP_FACTOR,
} from '../../src/engine/memory.js';
import { createLbfgs } from '../../src/engine/optimizers.js';
import { wgslKernelsActive } from '../../src/engine/webgpu-kernels.js';
import { createVgg, type Vgg } from '../../src/engine/vgg.js';
import { loadVggWeights, resolveModelDir } from '../../src/engine/weights.js';
import type { OnnxProvider } from '../../src/engine/onnx/session.js';
import type { BackendName } from '../../src/engine/types.js';
import { onnxIterationZero, onnxProviderProblem, timeOnnx, type OnnxCheck, type OnnxRow } from './onnx-bench.js';
import { recordedIterationZero, timeRecorded, type RecordedRow } from './recorded-bench.js';

interface Args {
  backend: BackendName;
  sizes: number[];
  checkSize: number;
  reps: number;
  json?: string;
  skipChecks: boolean;
  /** Image size for the per-kernel micro-benchmarks (our WGSL conv and Gram kernels in every tile config vs stock). */
  kernelsSize?: number;
  /** Image size whose pixel count sets the vector length of the L-BFGS direction benchmark. */
  lbfgsSize?: number;
  /** Write a V8 CPU profile of the timed L-BFGS iterations (the first size) to this file, to see what the CPU spends issuing them. */
  cpuProfile?: string;
  /** Time the recorded iteration instead of the tfjs path (and check it at iteration 0). */
  recorded: boolean;
  /** Time the ONNX objective on this ONNX Runtime provider instead (the tfjs backend stays wasm). */
  onnx?: OnnxProvider;
  /** L-BFGS curvature pairs wanted (the tfjs path keeps fewer where one buffer cannot hold them). */
  history: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { backend: 'webgpu', sizes: [512, 1024], checkSize: 128, reps: 5, skipChecks: false, recorded: false, history: 100 };
  for (let i = 0; i < argv.length; i++) {
    const next = () => argv[++i] ?? '';
    switch (argv[i]) {
      case '--backend':
        args.backend = next() as BackendName;
        break;
      case '--sizes':
        args.sizes = next()
          .split(',')
          .map(Number)
          .filter((n) => n > 0);
        break;
      case '--check-size':
        args.checkSize = Number(next());
        break;
      case '--reps':
        args.reps = Number(next());
        break;
      case '--json':
        args.json = next();
        break;
      case '--skip-checks':
        args.skipChecks = true;
        break;
      case '--kernels':
        args.kernelsSize = Number(next());
        break;
      case '--lbfgs':
        args.lbfgsSize = Number(next());
        break;
      case '--cpu-profile':
        args.cpuProfile = next();
        break;
      case '--recorded':
        args.recorded = true;
        break;
      case '--onnx': {
        const provider = next();
        if (provider !== 'webgpu' && provider !== 'cpu' && provider !== 'cuda')
          throw new Error(`--onnx takes webgpu, cpu or cuda, not "${provider}"`);
        args.onnx = provider;
        break;
      }
      case '--history':
        args.history = Number(next());
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return args;
}

/** In the bundle the wasm files lie beside it (prepare.sh copies them); from source the package finds its own. */
function pointWasmAtBundle(): void {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'tfjs-backend-wasm-simd.wasm'))) setWasmPaths(`${here}/`);
}

async function vggOnActiveBackend(): Promise<Vgg> {
  // Weights are loaded per backend so no tensor has to move between backends.
  return createVgg(await loadVggWeights(resolveModelDir()), 'custom');
}

async function adapterDescription(): Promise<string> {
  if (tf.getBackend() !== 'webgpu') return tf.getBackend();
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } };
  const info = backend.adapterInfo;
  const name = info ? `webgpu: ${info.vendor ?? '?'} ${info.architecture ?? ''} ${info.description ?? ''}`.trim() : 'webgpu';
  const toggles = process.env.STYLEBOT_DAWN_TOGGLES ? ` +${process.env.STYLEBOT_DAWN_TOGGLES}` : '';
  const tensorCores = process.env.STYLEBOT_TENSOR_CORES === '1' ? ' +tensor cores' : '';
  return `${name}${wgslKernelsActive() ? ' +wgsl' : ''}${toggles}${tensorCores}`;
}

/**
 * The features the WebGPU adapter offers (not only those tfjs asked its device for): whether shader-f16, subgroups
 * and chromium-experimental-subgroup-matrix (issue 16's tensor-core lever) exist on this GPU. Null off webgpu.
 */
async function adapterFeatures(): Promise<string[] | null> {
  if (tf.getBackend() !== 'webgpu') return null;
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const adapter = await gpu?.requestAdapter();
  return adapter ? [...adapter.features].map(String).sort() : null;
}

interface TimingRow {
  size: number;
  path: 'tfjs';
  historySize?: number;
  /** memory.ts estimateRunBytes for an L-BFGS run of this size and history, MiB. */
  estimatedRunMB?: number;
  msPerGradStep: number | null;
  msPerLbfgsIteration: number | null;
  /** CPU time to issue one L-BFGS iteration (advance() returning); when it nears msPerLbfgsIteration the CPU is the limit. */
  issueMsPerLbfgsIteration?: number;
  /** GPU programs run per L-BFGS iteration (webgpu only). */
  dispatchesPerLbfgsIteration?: number;
  /** Measured peak tensor bytes above what was held before the step (weights, targets, image), MiB. */
  peakMB: number | null;
  /** What src/engine/memory.ts predicts for that peak (one step, no optimizer history), MiB. */
  estimatedStepMB: number;
  error?: string;
}

/** V8's sampling CPU profiler, started now; stopAndWrite saves a .cpuprofile (Chrome DevTools, or any JSON reader). */
async function startCpuProfile(): Promise<{ stopAndWrite: (file: string) => Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 50 });
  await session.post('Profiler.start');
  return {
    async stopAndWrite(file: string) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/** How many GPU programs fn runs on webgpu (undefined elsewhere), by counting calls of the backend's runWebGPUProgram. */
function countDispatches(fn: () => void): number | undefined {
  const backend = tf.backend() as unknown as { runWebGPUProgram?: (...args: unknown[]) => unknown };
  const original = backend.runWebGPUProgram;
  if (tf.getBackend() !== 'webgpu' || !original) {
    fn();
    return undefined;
  }
  let count = 0;
  backend.runWebGPUProgram = (...args: unknown[]) => {
    count += 1;
    return original.apply(backend, args);
  };
  try {
    fn();
  } finally {
    backend.runWebGPUProgram = original;
  }
  return count;
}

const stepEstimateMB = (size: number) => (STEP_BYTES + STEP_FACTOR * activationBytes(size, size)) / 2 ** 20;

/** stylize()'s box for the picture (pixel values). */
const PIXEL_BOX = { lower: 0, upper: 255 };

/**
 * Times forward + image gradient (sync on the loss only) and full L-BFGS iterations at one size, on the tfjs path.
 * A size stylize() would refuse (memory.ts checkRunFits: one feature map over the device's binding limit, or the
 * estimate over the GPU's memory) is not tried: the refusal comes back as the row's error.
 */
async function timeSize(vgg: Vgg, size: number, reps: number, wantedHistory: number, cpuProfile?: string): Promise<TimingRow> {
  const budget = activeMemoryBudget();
  const historySize = lbfgsHistorySize(wantedHistory, Infinity, size * size * 3, budget);
  const run = { width: size, height: size, channels: 3, optimizer: 'lbfgs' as const, historySize };
  const base = {
    size,
    path: 'tfjs' as const,
    historySize,
    estimatedRunMB: estimateRunBytes(run) / 2 ** 20,
    estimatedStepMB: stepEstimateMB(size),
  };
  try {
    checkRunFits(run, tf.getBackend(), budget);
  } catch (err) {
    return {
      ...base,
      msPerGradStep: null,
      msPerLbfgsIteration: null,
      peakMB: null,
      error: `refused: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  const targets = computeTargets(
    vgg,
    { width: size, height: size, content: syntheticImage(size, 1), styles: [{ image: syntheticImage(size, 2), weight: 1 }] },
    CHECK_WEIGHTS,
  );
  const x = tf.variable(tf.tensor4d(Float32Array.from(syntheticImage(size, 3).data), [1, size, size, 3]), true, `gpu_bench_${size}`);
  const valueAndGrad = tf.valueAndGrad((img: tf.Tensor) => weightedTotal(lossParts(vgg, targets, img as tf.Tensor4D), CHECK_WEIGHTS));
  const before = tf.memory().numBytes;
  let peak = before;
  const notePeak = () => {
    peak = Math.max(peak, tf.memory().numBytes);
  };
  try {
    const gradStep = async () => {
      const { value, grad } = tf.tidy(() => valueAndGrad(x));
      notePeak();
      await value.data();
      value.dispose();
      grad.dispose();
    };
    await gradStep(); // warm-up: shader compilation
    const profile = await tf.profile(() => {
      const { value, grad } = valueAndGrad(x);
      value.dispose();
      return grad;
    });
    tf.dispose(profile.result as tf.Tensor);
    peak = Math.max(peak, profile.peakBytes);
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await gradStep();
    const msPerGradStep = (performance.now() - t0) / reps;

    const lbfgs = createLbfgs(
      x,
      (img) => {
        const { value, grad } = tf.tidy(() => valueAndGrad(img));
        notePeak();
        return { loss: value, grad };
      },
      { historySize, bounds: PIXEL_BOX },
    );
    try {
      await lbfgs.step();
      await lbfgs.step(); // warm-up, including the two-loop recursion with one pair
      // As stylize() runs: nothing read back per iteration, one wait at the end.
      const sync = async () => {
        const probe = tf.sum(x);
        await probe.data();
        probe.dispose();
      };
      const dispatchesPerLbfgsIteration = countDispatches(() => lbfgs.advance());
      await sync();
      let issueMs = 0;
      const profiler = cpuProfile ? await startCpuProfile() : null;
      const t1 = performance.now();
      for (let i = 0; i < reps; i++) {
        const t2 = performance.now();
        lbfgs.advance();
        issueMs += performance.now() - t2;
      }
      if (profiler) await profiler.stopAndWrite(cpuProfile!);
      await sync();
      notePeak();
      const msPerLbfgsIteration = (performance.now() - t1) / reps;
      return {
        ...base,
        msPerGradStep,
        msPerLbfgsIteration,
        issueMsPerLbfgsIteration: issueMs / reps,
        dispatchesPerLbfgsIteration,
        peakMB: (peak - before) / 2 ** 20,
      };
    } finally {
      lbfgs.dispose();
    }
  } catch (err) {
    return {
      ...base,
      msPerGradStep: null,
      msPerLbfgsIteration: null,
      peakMB: null,
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    x.dispose();
    disposeTargets(targets);
  }
}

type Row = TimingRow | RecordedRow | OnnxRow;

const fixed = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '-' : v.toFixed(digits));

function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  console.log(
    '| size | path | forward+gradient ms | L-BFGS iteration ms | CPU issue ms | programs | history | measured MiB | estimated MiB (memory.ts) |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const history = 'historySize' in r && r.historySize ? `${r.historySize}${'historyGroups' in r ? ` in ${r.historyGroups}` : ''}` : '-';
    const measured =
      'peakMB' in r ? fixed(r.peakMB, 0) + ' (step peak)' : 'gpuMemoryMiB' in r ? fixed(r.gpuMemoryMiB, 0) + ' (nvidia-smi)' : '-';
    const estimated = 'estimatedRunMB' in r && r.estimatedRunMB !== undefined ? fixed(r.estimatedRunMB, 0) : '-';
    if (r.error) {
      console.log(`| ${r.size} | ${r.path} | failed: ${r.error.replaceAll('|', '/')} | | | | ${history} | | ${estimated} |`);
      continue;
    }
    const issue = 'issueMsPerLbfgsIteration' in r ? fixed(r.issueMsPerLbfgsIteration, 2) : '-';
    const programs = 'dispatchesPerLbfgsIteration' in r ? (r.dispatchesPerLbfgsIteration ?? '-') : '-';
    console.log(
      `| ${r.size} | ${r.path} | ${fixed(r.msPerGradStep)} | ${fixed(r.msPerLbfgsIteration)} | ${issue} | ${programs} | ${history} | ${measured} | ${estimated} |`,
    );
  }
  const kernels = [...new Set(rows.flatMap((r) => ('kernels' in r ? [r.kernels] : [])))];
  if (kernels.length > 0) console.log(`\nconv and Gram kernels of the recorded rows: ${kernels.join('; ')}`);
}

function printComparison(
  title: string,
  parts: ArrayLike<number>,
  other: ArrayLike<number>,
  otherName: string,
  diffs: Record<string, number>,
  gradientRelativeL2: number,
): void {
  const names = ['content', 'style', 'tv', 'total'] as const;
  console.log(`\n${title} (must be < 1e-3):`);
  console.log(`| loss | this | ${otherName} | relative difference |\n|---|---|---|---|`);
  names.forEach((n, i) =>
    console.log(`| ${n} | ${parts[i]!.toExponential(6)} | ${other[i]!.toExponential(6)} | ${diffs[n]!.toExponential(2)} |`),
  );
  console.log(`| image gradient | | | ${gradientRelativeL2.toExponential(2)} (relative L2) |`);
}

/** The ONNX objective on an ORT provider: the tfjs backend stays wasm (the weights and Gram blend are read on it). */
async function mainOnnx(
  args: Args,
  provider: OnnxProvider,
  reference: ObjectiveSample | null,
  report: Record<string, unknown>,
  save: () => void,
): Promise<void> {
  report.device = `onnxruntime ${provider}`;
  const problem = await onnxProviderProblem(provider);
  const rows: OnnxRow[] = [];
  report.timings = rows;
  if (problem) {
    report.onnxError = problem;
    for (const size of args.sizes)
      rows.push({ size, path: `onnx-${provider}`, msPerGradStep: null, msPerLbfgsIteration: null, error: problem });
    console.log(`ONNX Runtime's ${provider} provider is not usable here: ${problem}`);
    save();
    return;
  }
  const weights = await loadVggWeights(resolveModelDir());
  if (!args.skipChecks) {
    const check: OnnxCheck = await onnxIterationZero(weights, args.checkSize, CHECK_WEIGHTS, provider, reference);
    report.onnxCheck = check;
    if (check.vsWasm && reference)
      printComparison(
        `Iteration 0 at ${args.checkSize} px, ONNX Runtime ${provider} vs wasm`,
        check.parts,
        reference.parts,
        'wasm',
        check.vsWasm.losses,
        check.vsWasm.gradientRelativeL2,
      );
    save();
  }
  for (const size of args.sizes) {
    const row = await timeOnnx(weights, size, args.reps, CHECK_WEIGHTS, provider);
    rows.push(row);
    console.error(`${size} px, onnx ${provider}: ${row.error ?? `${fixed(row.msPerGradStep)} ms per objective evaluation`}`);
    save();
  }
  printRows(
    `The ONNX objective on ONNX Runtime ${provider}: ms per evaluation (${args.reps} timed after warm-up; L-BFGS stays on wasm)`,
    rows,
  );
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  pointWasmAtBundle();
  const report: Record<string, unknown> = { args };
  const save = () => {
    if (args.json) writeFileSync(args.json, JSON.stringify(report));
  };

  // 1. Reference: iteration 0 on wasm.
  let reference: ObjectiveSample | null = null;
  if (args.backend !== 'wasm' && !args.skipChecks) {
    await initBackend('wasm');
    reference = await iterationZero(await vggOnActiveBackend(), args.checkSize);
  }
  if (args.onnx) {
    await initBackend('wasm');
    await mainOnnx(args, args.onnx, reference, report, save);
    console.log(`GPU_BENCH_JSON ${JSON.stringify(report)}`);
    return;
  }

  // 2. The backend under test.
  await initBackend(args.backend);
  // tfjs-webgpu submits its queued programs every WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE (15) dispatches; for measuring.
  if (process.env.STYLEBOT_SUBMIT_BATCH) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', Number(process.env.STYLEBOT_SUBMIT_BATCH));
  const device = await adapterDescription();
  report.device = args.recorded ? `${device} recorded` : device;
  const budget = activeMemoryBudget();
  report.memoryBudget = budget;
  report.adapterFeatures = await adapterFeatures();
  if (report.adapterFeatures) console.log(`adapter features: ${(report.adapterFeatures as string[]).join(' ')}`);
  console.log(
    `backend: ${device}; one buffer may hold ${budget.maxTensorBytes === null ? 'any size' : `${(budget.maxTensorBytes / 2 ** 20).toFixed(0)} MiB`}`,
  );
  const vgg = await vggOnActiveBackend();
  const sample = args.skipChecks ? null : await iterationZero(vgg, args.checkSize);
  if (reference && sample) {
    const names = ['content', 'style', 'tv', 'total'] as const;
    const diffs = Object.fromEntries(names.map((n, i) => [n, relativeDifference(sample.parts[i]!, reference!.parts[i]!)]));
    const gradDiff = relativeL2(sample.grad, reference.grad);
    report.lossesVsWasm = {
      size: args.checkSize,
      backend: sample.parts,
      wasm: reference.parts,
      relativeDifference: diffs,
      gradientRelativeL2: gradDiff,
    };
    printComparison(
      `Iteration 0 at ${args.checkSize} px, ${args.backend} (tfjs path) vs wasm`,
      sample.parts,
      reference.parts,
      'wasm',
      diffs,
      gradDiff,
    );
  }
  if (args.recorded && !args.skipChecks && tf.getBackend() === 'webgpu') {
    const check = await recordedIterationZero(vgg, args.checkSize, CHECK_WEIGHTS, sample, reference);
    report.recordedCheck = check;
    if (check.vsTfjs && sample)
      printComparison(
        `Iteration 0 at ${args.checkSize} px, the recorded iteration vs the tfjs path on the same device`,
        check.parts,
        sample.parts,
        'tfjs path',
        check.vsTfjs.losses,
        check.vsTfjs.gradientRelativeL2,
      );
    if (check.vsWasm && reference)
      printComparison(
        `Iteration 0 at ${args.checkSize} px, the recorded iteration vs wasm`,
        check.parts,
        reference.parts,
        'wasm',
        check.vsWasm.losses,
        check.vsWasm.gradientRelativeL2,
      );
  }
  const tiny = args.skipChecks || args.recorded ? null : await tinyNetGradientCheck();
  report.tinyNetGradient = tiny;
  if (tiny)
    console.log(
      `\nImage gradient on ${args.backend} vs float64 finite differences (tiny net, ${tiny.pixels} values): relative L2 error ${tiny.relativeError.toExponential(2)}, loss difference ${tiny.lossRelativeDifference.toExponential(2)}`,
    );
  save();

  // 3. Speed.
  const rows: Row[] = [];
  report.timings = rows;
  for (const size of args.sizes) {
    const row = args.recorded
      ? await timeRecorded(vgg, size, args.reps, args.history, CHECK_WEIGHTS)
      : await timeSize(vgg, size, args.reps, args.history, size === args.sizes[0] ? args.cpuProfile : undefined);
    rows.push(row);
    console.error(
      `${size} px, ${row.path}: ${row.error ?? `${fixed(row.msPerGradStep)} ms/grad step, ${fixed(row.msPerLbfgsIteration)} ms/L-BFGS iteration`}`,
    );
    save();
  }

  // 4. Parts: our kernels against stock per VGG layer shape, and L-BFGS's direction against the two-loop recursion.
  if (args.kernelsSize && tf.getBackend() === 'webgpu') {
    report.convKernels = await benchConvKernels({ size: args.kernelsSize, reps: args.reps });
    report.gramKernels = await benchGramKernels({ size: args.kernelsSize, reps: args.reps });
  }
  if (args.lbfgsSize) {
    const lbfgs = await runLbfgsBench({ length: 3 * args.lbfgsSize ** 2, reps: args.reps });
    report.lbfgs = lbfgs;
    console.log(`\n${formatLbfgsBench(lbfgs)}`);
  }
  if (rows.length > 0) printRows(`Engine on ${report.device}: ms per iteration (${args.reps} timed after warm-up)`, rows);
  save();
  console.log(`GPU_BENCH_JSON ${JSON.stringify(report)}`);
}

/** Dawn keeps the event loop alive, and exiting with its device alive can crash at exit: release it first. */
function releaseGpu(): void {
  if (tf.getBackend() !== 'webgpu') return;
  const backend = tf.backend() as unknown as { device?: { destroy?: () => void } };
  tf.engine().reset();
  backend.device?.destroy?.();
}

main().then(
  () => {
    releaseGpu();
    process.exit(0);
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);

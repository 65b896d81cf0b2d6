// ONNX Runtime sessions for the engine's graphs: which execution provider, how many threads, and the VGG-19
// weights taken from the same manifest the TensorFlow.js backends load (in memory; no model file is written).
import type * as Ort from 'onnxruntime-node';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { VGG_CONV_LAYERS } from '../vgg-layers.js';
import type { VggWeights } from '../weights.js';
import type { OnnxVggWeights } from './gatys-graph.js';
import { GraphBuilder } from './graph-builder.js';

/** ORT's execution providers the engine can use: CPU (always), CUDA 12 (when installed), WebGPU (to try). */
export type OnnxProvider = 'cpu' | 'cuda' | 'webgpu';

let ortModule: Promise<typeof Ort> | null = null;

/** onnxruntime-node, loaded on first use (its native library is 45 MB). */
export function loadOrt(): Promise<typeof Ort> {
  ortModule ??= import('onnxruntime-node').then((m) => ((m as unknown as { default?: typeof Ort }).default ?? m) as typeof Ort);
  return ortModule;
}

/**
 * Whether onnxruntime-node's CUDA provider library is installed beside its native binding (it is only with
 * `npm rebuild onnxruntime-node --onnxruntime-node-install=cuda12`; README, "onnxruntime-cuda").
 */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    return existsSync(join(root, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

/**
 * Intra-op threads per engine: STYLEBOT_THREADS when set (a whole number >= 1), else `fallback`.
 * Throws a RangeError naming the variable for anything else.
 */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env, fallback = 1): number {
  const raw = env.STYLEBOT_THREADS?.trim();
  if (!raw) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 1024) throw new RangeError(`STYLEBOT_THREADS must be a whole number from 1 (got "${raw}").`);
  return n;
}

/**
 * The default threads per engine for `workers` engines at once on `cores` cores: cores / workers, at least 1, so
 * that jobs x threads <= cores (bench: 2 threads on a busy 2-core machine gained nothing over 1; README, Speed).
 */
export function defaultThreads(workers: number, cores = availableParallelism()): number {
  return Math.max(1, Math.floor(cores / Math.max(1, workers)));
}

/**
 * The settings of the active backend's sessions: STYLEBOT_THREADS intra-op threads, else the cores shared among
 * STYLEBOT_WORKERS engines (default 1 engine: the job service runs one onnxruntime job at a time, on every core).
 * Throws a RangeError for a malformed STYLEBOT_THREADS.
 */
export function sessionSettingsFromEnv(provider: OnnxProvider, env: NodeJS.ProcessEnv = process.env): SessionSettings {
  const workers = Number(env.STYLEBOT_WORKERS);
  return { provider, threads: threadsFromEnv(env, defaultThreads(Number.isInteger(workers) && workers > 0 ? workers : 1)) };
}

export interface SessionSettings {
  provider: OnnxProvider;
  /** Intra-op threads (CPU provider). */
  threads: number;
  /**
   * Whether idle intra-op threads spin waiting for work (ORT's session.intra_op.allow_spinning) instead of sleeping;
   * default ALLOW_SPINNING.
   */
  spinning?: boolean;
}

/**
 * Idle intra-op threads sleep instead of spinning. Measured with 2 threads (npm run bench -- spinning; docs/backends.md,
 * Threads): no spinning took 0.87x and 1.11x the time at 256 and 512 px on a loaded 2-core machine, 1.04x and 0.90x
 * on a quiet one, always within the noise, while spinning used 7% more of the machine's CPU time, which a busy host's
 * other work (and a second engine) would rather have.
 */
export const ALLOW_SPINNING = false;

/**
 * How a session holds its working memory (ORT's CPU arena and memory pattern). Measured at 512 x 384 on the CPU
 * provider (docs/backends.md, Memory): with both on, the objective's second run allocates its planned pattern beside
 * the first run's arena chunks (1.54 GB -> 2.06 GB RSS); without the pattern it stays at 1.37 GB, as fast. The
 * features graph runs a few times per job on pictures of every size, so it keeps no arena (its activations are
 * returned after each run: -130 MB) at the price of a little time per target.
 */
export type SessionMemory = 'objective' | 'features' | 'default';

/** A session for a graph from buildObjectiveGraph or buildFeaturesGraph. */
export async function createSession(
  model: Uint8Array,
  settings: SessionSettings,
  memory: SessionMemory = 'default',
): Promise<Ort.InferenceSession> {
  const ort = await loadOrt();
  return ort.InferenceSession.create(model, {
    executionProviders: [settings.provider],
    intraOpNumThreads: settings.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    extra: { session: { intra_op: { allow_spinning: (settings.spinning ?? ALLOW_SPINNING) ? '1' : '0' } } },
    ...(memory === 'objective' ? { enableMemPattern: false } : {}),
    ...(memory === 'features' ? { enableCpuMemArena: false } : {}),
  });
}

/**
 * Runs a one-node graph (Relu) on the provider: a provider that is not built in, or whose libraries (CUDA,
 * a GPU adapter) do not load, fails here with ORT's reason instead of in the first job.
 */
export async function probeProvider(provider: OnnxProvider): Promise<void> {
  const ort = await loadOrt();
  const supported = ort.listSupportedBackends?.().map((b) => b.name) ?? ['cpu'];
  if (!supported.includes(provider)) throw new Error(`this onnxruntime-node has no ${provider} provider (it has ${supported.join(', ')})`);
  const b = new GraphBuilder('probe');
  b.output('y', b.op('Relu', [b.input('x', [2])]), [2]);
  const session = await createSession(b.encode(), { provider, threads: 1 });
  try {
    const { y } = await session.run({ x: new ort.Tensor('float32', Float32Array.from([-1, 2]), [2]) });
    const out = y!.data as Float32Array;
    if (out[0] !== 0 || out[1] !== 2) throw new Error(`the ${provider} provider computed relu([-1, 2]) = [${Array.from(out)}]`);
  } finally {
    await session.release();
  }
}

const converted = new WeakMap<VggWeights, OnnxVggWeights>();

/** The loaded VGG-19 weights as float32 arrays (read once per weights object; HWIO kernels as in the manifest). */
export function onnxWeights(weights: VggWeights): OnnxVggWeights {
  let out = converted.get(weights);
  if (!out) {
    const map = new Map<(typeof VGG_CONV_LAYERS)[number], { kernel: Float32Array; bias: Float32Array; cin: number; cout: number }>();
    for (const [name, w] of weights) {
      const [, , cin, cout] = w.kernel.shape;
      map.set(name, { kernel: w.kernel.dataSync() as Float32Array, bias: w.bias.dataSync() as Float32Array, cin, cout });
    }
    out = map;
    converted.set(weights, out);
  }
  return out;
}

/// <reference types="@webgpu/types" />
// The seam between stylize()'s scale loop and the backends: one ScaleRun per scale, whatever runs it.
//   tfjs      the objective by tf.valueAndGrad through the tfjs VGG (losses.ts), optimizers.ts's minimizers
//   onnx      the objective on ONNX Runtime (onnx/stylize-objective.ts), the same minimizers on tfjs
//   recorded  one recorded WebGPU command buffer per L-BFGS iteration (webgpu/recorded-iteration.ts)
// A new backend is one more ScaleRun.
import * as tf from '@tensorflow/tfjs';
import { activeWebgpuDevice } from './webgpu/device.js';
import type { PreparedInputs } from './inputs.js';
import { computeTargets, disposeTargets, lossParts, weightedTotal, type GatysTargets } from './losses.js';
import { createAdam, createLbfgs, type Bounds, type Minimizer, type Objective } from './optimizers.js';
import { OnnxStylizeObjective } from './onnx/stylize-objective.js';
import type { OnnxProvider } from './onnx/session.js';
import type { Vgg } from './vgg.js';
import { RecordedIteration } from './webgpu/recorded-iteration.js';
import { objectiveTargetsOf } from './webgpu/recorded-objective.js';
import type { LossParts, StylizeOptions } from './types.js';

/** Pixels stay within this box at every iteration (optimizers.ts), so the picture returned needs no clipping. */
export const PIXEL_BOX: Bounds = { lower: 0, upper: 255 };

/**
 * The most a pixel may move in one L-BFGS iteration (levels of 0..255). Without it, a finer scale sometimes starts with
 * a curvature pair of float32 noise whose step throws the picture into coloured noise (seen at 512 px: the 512 px stage
 * went from 1.6e10 to 5.9e12); real steps on these pictures stay well below it.
 */
export const MAX_PIXEL_STEP = 32;

/** One scale's optimisation on one backend. The losses it reports are unscaled (the optimizer's may be scaled). */
export interface ScaleRun {
  /** Queues one iteration; reads nothing back unless the backend must before it can start (ONNX Runtime). */
  advance(): Promise<void>;
  /** The loss parts at the start of the last iteration queued. */
  losses(): Promise<LossParts>;
  /** The sum of every loss and gradient so far: finite exactly when all of them were. */
  finiteSum(): Promise<number>;
  /** The picture now, [1, H, W, C] pixels 0..255, owned by the run (valid until the next advance or dispose). */
  picture(): Promise<tf.Tensor4D>;
  /** The loss parts at the scale's starting picture (after the first iteration). */
  initialLosses(): Promise<LossParts>;
  /** The loss parts of the picture now rounded to 8 bits, i.e. as it would be delivered. */
  finalLosses(): Promise<LossParts>;
  dispose(): Promise<void>;
}

/** What runs the objective: the tfjs VGG (recorded: one WebGPU command buffer per L-BFGS iteration when it fits). */
export type ObjectiveBackend = { vgg: Vgg; recorded: boolean } | { onnx: OnnxProvider };

export interface ScaleRunSpec {
  inputs: PreparedInputs;
  /** The starting picture [1, H, W, C]; the run takes it over (disposes it). */
  start: tf.Tensor4D;
  /** The scale's options (its own style weight). */
  options: StylizeOptions;
  /** L-BFGS curvature pairs kept. */
  historySize: number;
  /** The run's last scale: no more targets are made after this one's (onnx: the features session is let go). */
  lastTargets?: boolean;
}

/** Names each run's tf.Variable uniquely (variable names are global to the tfjs engine). */
let runCount = 0;

export function roundedPixels(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.round(tf.clipByValue(x, 0, 255)) as tf.Tensor4D);
}

export async function readParts(
  parts: tf.Tensor1D,
  weights: Pick<StylizeOptions, 'contentWeight' | 'styleWeight' | 'tvWeight'>,
): Promise<LossParts> {
  const [content, style, tv] = Array.from(await parts.data());
  return {
    content: content!,
    style: style!,
    tv: tv!,
    total: weights.contentWeight * content! + weights.styleWeight * style! + weights.tvWeight * tv!,
  };
}

/** Opens the scale's run on `backend`. */
export async function createScaleRun(backend: ObjectiveBackend, spec: ScaleRunSpec): Promise<ScaleRun> {
  if ('onnx' in backend) {
    const onnx = await OnnxStylizeObjective.create(spec.inputs, spec.options, backend.onnx, spec.lastTargets ?? false);
    return new MinimizerRun(spec, {
      prepare: (x) => onnx.prepare(x),
      valueAndGrad: (_image, keep) => {
        const { parts, value, grad } = onnx.take();
        keep(parts);
        return { value, grad };
      },
      partsAt: (rounded) => onnx.partsAt(rounded),
      dispose: () => onnx.dispose(),
    });
  }
  const { vgg } = backend;
  const targets = computeTargets(vgg, spec.inputs, spec.options);
  const source: ObjectiveSource = {
    valueAndGrad: (image, keep) =>
      tf.valueAndGrad((img: tf.Tensor) => {
        const parts = lossParts(vgg, targets, img as tf.Tensor4D);
        keep(parts);
        return weightedTotal(parts, spec.options);
      })(image),
    partsAt: async (rounded) => tf.tidy(() => lossParts(vgg, targets, rounded)),
    dispose: async () => disposeTargets(targets),
  };
  if (backend.recorded && spec.options.optimizer === 'lbfgs') {
    const recorded = await RecordedRun.create(vgg, targets, spec, source);
    if (recorded) return recorded;
  }
  return new MinimizerRun(spec, source);
}

/** The objective of the tfjs minimizers: its value and gradient at an image, and the parts of a rounded picture. */
interface ObjectiveSource {
  /** Awaited before each iteration (ONNX Runtime evaluates asynchronously). */
  prepare?(x: tf.Tensor4D): Promise<void>;
  /** Value and gradient at `image`; hands the unweighted parts [content, style, tv] to keep. Inside tf.tidy. */
  valueAndGrad(image: tf.Tensor, keep: (parts: tf.Tensor1D) => void): { value: tf.Scalar; grad: tf.Tensor };
  /** The unweighted parts at `rounded`, a new tensor. */
  partsAt(rounded: tf.Tensor4D): Promise<tf.Tensor1D>;
  dispose(): Promise<void>;
}

/** The losses of picture x as it will be delivered: rounded to 8 bits, scored by the scale's objective. */
async function deliveredLosses(source: ObjectiveSource, x: tf.Tensor4D, options: StylizeOptions): Promise<LossParts> {
  const rounded = roundedPixels(x);
  try {
    const parts = await source.partsAt(rounded);
    try {
      return await readParts(parts, options);
    } finally {
      parts.dispose();
    }
  } finally {
    rounded.dispose();
  }
}

/** tfjs's L-BFGS or Adam over any ObjectiveSource. */
class MinimizerRun implements ScaleRun {
  private readonly x: tf.Variable;
  private readonly minimizer: Minimizer;
  private lastParts: tf.Tensor1D | null = null;
  private initialParts: tf.Tensor1D | null = null;
  private objectiveScale: tf.Scalar | null = null;
  private gradientSum: tf.Scalar | null = null;

  constructor(
    private readonly spec: ScaleRunSpec,
    private readonly source: ObjectiveSource,
  ) {
    this.x = tf.variable(spec.start, true, `stylize_image_${++runCount}`);
    spec.start.dispose();
    const { options } = spec;
    const objective: Objective = (image) => this.objective(image);
    this.minimizer =
      options.optimizer === 'lbfgs'
        ? createLbfgs(this.x, objective, { historySize: spec.historySize, learningRate: 1, bounds: PIXEL_BOX, maxStep: MAX_PIXEL_STEP })
        : createAdam(this.x, objective, { learningRate: options.learningRate, bounds: PIXEL_BOX });
  }

  private keep = (parts: tf.Tensor1D): void => {
    this.lastParts?.dispose();
    this.lastParts = tf.keep(parts.clone());
  };

  // L-BFGS (torch-style) falls back to a plain gradient step of length 1 whenever a curvature pair is rejected
  // (y.s <= 1e-10, which happens on the second iteration when the tiny first step lands in float32 rounding noise).
  // With raw gradients of ~1e7 per pixel that step throws the image to infinity. So the optimizer sees the loss
  // divided by the first gradient's largest entry: that fallback step then moves a pixel by at most one level, and
  // nothing else changes (the minimiser is the same and the quasi-Newton steps are scale-free). The scale stays a
  // tensor: reading it back synchronously is not possible on webgpu in Node (no OffscreenCanvas).
  private objective(image: tf.Tensor): { loss: tf.Scalar; grad: tf.Tensor } {
    const { value, grad } = tf.tidy(() => this.source.valueAndGrad(image, this.keep));
    if (!this.initialParts) this.initialParts = tf.keep(this.lastParts!.clone());
    // Every loss and gradient is added into one running sum, read at the syncs: a NaN or an infinity anywhere stays
    // in it (the box constraint would otherwise hide a NaN step as a black or white picture).
    const previous = this.gradientSum;
    this.gradientSum = tf.keep(
      tf.tidy(() => (previous ? tf.add(previous, tf.add(tf.sum(grad), value)) : tf.add(tf.sum(grad), value)) as tf.Scalar),
    );
    previous?.dispose();
    if (this.spec.options.optimizer !== 'lbfgs') return { loss: value, grad };
    if (!this.objectiveScale) {
      this.objectiveScale = tf.keep(
        tf.tidy(() => {
          const maxGrad = tf.max(tf.abs(grad));
          const usable = tf.logicalAnd(tf.isFinite(maxGrad), tf.greater(maxGrad, 0));
          return tf.where(usable, tf.div(1, maxGrad), tf.scalar(1)) as tf.Scalar;
        }),
      );
    }
    const scaleBy = this.objectiveScale;
    const scaled = tf.tidy(() => ({ loss: tf.mul(value, scaleBy) as tf.Scalar, grad: tf.mul(grad, scaleBy) }));
    value.dispose();
    grad.dispose();
    return scaled;
  }

  async advance(): Promise<void> {
    if (this.source.prepare) await this.source.prepare(this.x as tf.Tensor4D);
    this.minimizer.advance();
  }

  losses(): Promise<LossParts> {
    return readParts(this.lastParts!, this.spec.options);
  }

  async finiteSum(): Promise<number> {
    return this.gradientSum ? (await this.gradientSum.data())[0]! : 0;
  }

  async picture(): Promise<tf.Tensor4D> {
    return this.x as tf.Tensor4D;
  }

  initialLosses(): Promise<LossParts> {
    return readParts(this.initialParts!, this.spec.options);
  }

  finalLosses(): Promise<LossParts> {
    return deliveredLosses(this.source, this.x as tf.Tensor4D, this.spec.options);
  }

  async dispose(): Promise<void> {
    this.minimizer.dispose();
    this.x.dispose();
    for (const t of [this.lastParts, this.initialParts, this.objectiveScale, this.gradientSum]) t?.dispose();
    await this.source.dispose();
  }
}

/** L-BFGS as one recorded WebGPU command buffer per iteration; the picture lives in its buffer until looked at. */
class RecordedRun implements ScaleRun {
  private initial: LossParts | null = null;
  private advanced = 0;

  private constructor(
    private readonly recorded: RecordedIteration,
    private readonly x: tf.Variable,
    private readonly source: ObjectiveSource,
    private readonly options: StylizeOptions,
  ) {}

  /** Null when a command buffer would exceed the GPU's binding limit: the tfjs minimizers then run the scale. */
  static async create(vgg: Vgg, targets: GatysTargets, spec: ScaleRunSpec, source: ObjectiveSource): Promise<RecordedRun | null> {
    const [, height, width, channels] = spec.start.shape as [number, number, number, 1 | 3];
    const start = Float32Array.from((await spec.start.data()) as Float32Array, (v) =>
      Math.min(PIXEL_BOX.upper, Math.max(PIXEL_BOX.lower, v)),
    );
    const plain = await objectiveTargetsOf(targets);
    const device = activeWebgpuDevice(tf.backend());
    const { contentWeight, styleWeight, tvWeight } = spec.options;
    let recorded: RecordedIteration;
    try {
      recorded = await RecordedIteration.create(
        device,
        vgg,
        { height, width, channels, contentWeight, styleWeight, tvWeight },
        plain,
        { historySize: spec.historySize, learningRate: 1, gradientTolerance: 1e-7, bounds: PIXEL_BOX },
        start,
      );
    } catch (err) {
      if (err instanceof RangeError) return null;
      throw err;
    }
    const x = tf.variable(spec.start, true, `stylize_image_${++runCount}`);
    spec.start.dispose();
    return new RecordedRun(recorded, x, source, spec.options);
  }

  async advance(): Promise<void> {
    this.recorded.advance();
    if (++this.advanced === 1) this.initial = await this.recorded.losses();
  }

  losses(): Promise<LossParts> {
    return this.recorded.losses();
  }

  finiteSum(): Promise<number> {
    return this.recorded.finiteSum();
  }

  async picture(): Promise<tf.Tensor4D> {
    const values = await this.recorded.picture();
    tf.tidy(() => this.x.assign(tf.tensor4d(values, this.x.shape as [number, number, number, number])));
    return this.x as tf.Tensor4D;
  }

  async initialLosses(): Promise<LossParts> {
    return this.initial ?? (await this.recorded.losses());
  }

  async finalLosses(): Promise<LossParts> {
    return deliveredLosses(this.source, await this.picture(), this.options);
  }

  async dispose(): Promise<void> {
    this.recorded.destroy();
    this.x.dispose();
    await this.source.dispose();
  }
}

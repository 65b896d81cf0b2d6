// The ONNX Runtime objective shaped for stylize()'s optimizers, which stay on tfjs (wasm): ORT runs asynchronously,
// the optimizers call their objective synchronously, so stylize() awaits prepare(x) before each step and the step's
// objective call takes that evaluation.
import * as tf from '@tensorflow/tfjs';
import type { PreparedInputs } from '../inputs.js';
import type { StylizeOptions } from '../types.js';
import { loadVggArrays, resolveModelDir } from '../weights.js';
import { OnnxGatys, type OnnxEvaluation } from './objective.js';
import { sessionSettingsFromEnv, type OnnxProvider } from './session.js';

export interface ObjectiveTensors {
  /** [content, style, tv], unweighted. */
  parts: tf.Tensor1D;
  /** contentWeight content + styleWeight style + tvWeight tv. */
  value: tf.Scalar;
  /** d value / d image, the image's shape. */
  grad: tf.Tensor;
}

export class OnnxStylizeObjective {
  private pending: { evaluation: OnnxEvaluation; shape: number[] } | null = null;

  private constructor(
    private readonly gatys: OnnxGatys,
    private readonly options: StylizeOptions,
  ) {}

  /**
   * Targets and objective graph of a run (the VGG-19 weights from STYLEBOT_MODEL_DIR or models/vgg19). `lastTargets`:
   * no more targets follow in this run, so the shared features session is released before the objective is built.
   */
  static async create(
    inputs: PreparedInputs,
    options: StylizeOptions,
    provider: OnnxProvider,
    lastTargets = false,
  ): Promise<OnnxStylizeObjective> {
    const weights = await loadVggArrays(resolveModelDir());
    const gatys = await OnnxGatys.create(weights, inputs, options, inputs.grey ? 1 : 3, sessionSettingsFromEnv(provider), {
      releaseFeatures: lastTargets,
    });
    return new OnnxStylizeObjective(gatys, options);
  }

  /** Evaluates the objective at x ([1, H, W, C]); the next take() returns it. */
  async prepare(x: tf.Tensor): Promise<void> {
    // data() of a float32 tensor is already a copy: ORT may read it while tfjs moves on.
    this.pending = { evaluation: await this.gatys.evaluate((await x.data()) as Float32Array), shape: x.shape };
  }

  /** The evaluation prepare() made, as new tensors (the caller disposes them). Throws when none is waiting. */
  take(): ObjectiveTensors {
    if (!this.pending) throw new Error('OnnxStylizeObjective.take() without prepare(): stylize() must prepare each step.');
    const { evaluation, shape } = this.pending;
    this.pending = null;
    const { content, style, tv } = evaluation.parts;
    const o = this.options;
    return {
      parts: tf.tensor1d([content, style, tv]),
      value: tf.scalar(o.contentWeight * content + o.styleWeight * style + o.tvWeight * tv),
      grad: tf.tensor(evaluation.grad, shape),
    };
  }

  /** [content, style, tv] at x, as a new tensor. */
  async partsAt(x: tf.Tensor): Promise<tf.Tensor1D> {
    await this.prepare(x);
    const { parts, value, grad } = this.take();
    value.dispose();
    grad.dispose();
    return parts;
  }

  async dispose(): Promise<void> {
    this.pending = null;
    await this.gatys.dispose();
  }
}

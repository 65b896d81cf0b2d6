// The Gatys objective on ONNX Runtime: targets from a forward graph, then loss parts and image gradient from the
// objective graph, one run per optimizer iteration. Plain Float32Arrays in and out; stylize() wraps them as tensors.
import type * as Ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import { blendGrams, CONTENT_LAYER, STYLE_LAYERS, type LossWeights, type TargetImages } from '../losses.js';
import type { RgbImage } from '../../images/index.js';
import { buildFeaturesGraph, buildObjectiveGraph, type FeatureLayer, type ObjectiveGraphSpec, type OnnxVggWeights } from './gatys-graph.js';
import { createSession, loadOrt, type SessionSettings } from './session.js';

/** Positions M of a layer's feature map for an H x W picture: each 2x2 pooling before it halves both sides (floor). */
export function positionsAt(layer: FeatureLayer, height: number, width: number): number {
  const pools = Number(layer[4]) - 1;
  return Math.floor(height / 2 ** pools) * Math.floor(width / 2 ** pools);
}

/** The three unweighted loss parts, as LossParts names them. */
export interface OnnxParts {
  content: number;
  style: number;
  tv: number;
}

export interface OnnxEvaluation {
  parts: OnnxParts;
  /** d total / d image, [1, H, W, C] NHWC, pixel units. */
  grad: Float32Array;
}

/** Forward-only VGG-19 on ORT for pictures of any size: Gram matrices and content features. */
export class OnnxFeatures {
  private constructor(
    private readonly session: Ort.InferenceSession,
    private readonly ort: typeof Ort,
    readonly grams: readonly FeatureLayer[],
    readonly content: boolean,
  ) {}

  static async create(
    weights: OnnxVggWeights,
    grams: readonly FeatureLayer[],
    content: boolean,
    settings: SessionSettings,
  ): Promise<OnnxFeatures> {
    const session = await createSession(buildFeaturesGraph(weights, { grams, content }), settings, 'features');
    return new OnnxFeatures(session, await loadOrt(), grams, content);
  }

  /** Gram matrices ([N, N] row-major) of each layer in `grams`, and relu4_2 (NCHW) when `content`. */
  async run(picture: RgbImage): Promise<{ grams: Float32Array[]; content?: Float32Array }> {
    const image = new this.ort.Tensor('float32', Float32Array.from(picture.data), [1, picture.height, picture.width, 3]);
    const out = await this.session.run({ image });
    const grams = this.grams.map((l) => out[`gram_${l}`]!.data as Float32Array);
    return this.content ? { grams, content: out.content!.data as Float32Array } : { grams };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

/** Targets in the graph's layout: content NCHW, Gram matrices row-major [N, N] in the order of the style layers. */
export interface OnnxTargets {
  content?: Float32Array;
  grams: Float32Array[];
}

const featureSessions = new WeakMap<OnnxVggWeights, Map<string, Promise<OnnxFeatures>>>();

/** One shared features session per weights and distinct session settings. */
const featuresKey = (settings: SessionSettings) => `${settings.provider}/${settings.threads}/${settings.spinning ?? 'default'}`;

/**
 * The forward graph of all five style layers and relu4_2, for pictures of any size: one per weights and session
 * settings, shared by a run's scales (and by /compare's distances) until a run's last scale has its targets
 * (releaseSharedFeatures), so that it is not held beside the largest objective.
 */
export function sharedFeatures(weights: OnnxVggWeights, settings: SessionSettings): Promise<OnnxFeatures> {
  let bySettings = featureSessions.get(weights);
  if (!bySettings) featureSessions.set(weights, (bySettings = new Map()));
  const key = featuresKey(settings);
  let entry = bySettings.get(key);
  if (!entry) {
    entry = OnnxFeatures.create(weights, STYLE_LAYERS, true, settings);
    entry.catch(() => bySettings!.delete(key));
    bySettings.set(key, entry);
  }
  return entry;
}

/** Releases the shared features session of these weights and settings, if there is one; the next sharedFeatures makes a new one. */
export async function releaseSharedFeatures(weights: OnnxVggWeights, settings: SessionSettings): Promise<void> {
  const bySettings = featureSessions.get(weights);
  const key = featuresKey(settings);
  const entry = bySettings?.get(key);
  if (!entry) return;
  bySettings!.delete(key);
  await (await entry).dispose();
}

/** The whole objective for one picture shape and one set of targets. */
export class OnnxGatys {
  private constructor(
    private readonly session: Ort.InferenceSession,
    private readonly feeds: Record<string, Ort.Tensor>,
    private readonly ort: typeof Ort,
    readonly spec: ObjectiveGraphSpec,
  ) {}

  /**
   * Computes the targets of `images` (content features at relu4_2; style Gram matrices blended by weight and
   * rescaled per position as blendGrams does) and builds the objective for an output of images.width x height with
   * `channels` channels. Layers and terms whose weight is 0 are left out, as computeTargets does.
   */
  static async create(
    weights: OnnxVggWeights,
    images: TargetImages,
    options: LossWeights,
    channels: 1 | 3,
    settings: SessionSettings,
    opts: { releaseFeatures?: boolean } = {},
  ): Promise<OnnxGatys> {
    const styleLayers = options.styleWeight > 0 ? STYLE_LAYERS.filter((_, i) => options.layerWeights[i]! > 0) : [];
    const content = Boolean(images.content) && options.contentWeight > 0;
    const spec: ObjectiveGraphSpec = {
      height: images.height,
      width: images.width,
      channels,
      content,
      styleLayers,
      totalVariation: options.tvWeight > 0,
    };
    const targets: OnnxTargets = { grams: [] };
    const features = await sharedFeatures(weights, settings);
    if (content) targets.content = (await features.run(images.content!)).content;
    if (styleLayers.length > 0) {
      const perStyle: Float32Array[][] = [];
      for (const s of images.styles) perStyle.push((await features.run(s.image)).grams);
      targets.grams = styleLayers.map((layer) => {
        const li = STYLE_LAYERS.indexOf(layer);
        const n = Math.round(Math.sqrt(perStyle[0]![li]!.length));
        return tf.tidy(
          () =>
            blendGrams(
              images.styles.map((s, si) => ({
                gram: tf.tensor2d(perStyle[si]![li]!, [n, n]),
                positions: positionsAt(layer, s.image.height, s.image.width),
                weight: s.weight,
              })),
              positionsAt(layer, images.height, images.width),
            ).dataSync() as Float32Array,
        );
      });
    }
    // The largest scale's objective is the run's peak: without the features session beside it, 80-190 MB less.
    if (opts.releaseFeatures) await releaseSharedFeatures(weights, settings);
    const layerWeights = styleLayers.map((l) => options.layerWeights[STYLE_LAYERS.indexOf(l)]!);
    return OnnxGatys.fromTargets(
      weights,
      spec,
      targets,
      [options.contentWeight, options.styleWeight, options.tvWeight],
      layerWeights,
      settings,
    );
  }

  /**
   * The objective with targets given: content NCHW [1, N, H/8, W/8] at relu4_2 (when spec.content), one [N, N]
   * Gram target per spec.styleLayers, loss weights (alpha, beta, tvWeight) and w_l per style layer.
   */
  static async fromTargets(
    weights: OnnxVggWeights,
    spec: ObjectiveGraphSpec,
    targets: OnnxTargets,
    lossWeights: readonly [number, number, number],
    layerWeights: readonly number[],
    settings: SessionSettings,
  ): Promise<OnnxGatys> {
    const ort = await loadOrt();
    const feeds: Record<string, Ort.Tensor> = { loss_weights: new ort.Tensor('float32', Float32Array.from(lossWeights), [3]) };
    if (spec.content) {
      if (!targets.content) throw new Error('the objective needs a content target');
      const h = Math.floor(spec.height / 8);
      const w = Math.floor(spec.width / 8);
      feeds.content_target = new ort.Tensor('float32', targets.content, [1, targets.content.length / (h * w), h, w]);
    }
    if (spec.styleLayers.length > 0) {
      if (targets.grams.length !== spec.styleLayers.length || layerWeights.length !== spec.styleLayers.length)
        throw new Error('one Gram target and one weight per style layer');
      spec.styleLayers.forEach((layer, li) => {
        const gram = targets.grams[li]!;
        const n = Math.round(Math.sqrt(gram.length));
        feeds[`gram_${layer}`] = new ort.Tensor('float32', gram, [n, n]);
      });
      feeds.layer_weights = new ort.Tensor('float32', Float32Array.from(layerWeights), [layerWeights.length]);
    }
    const session = await createSession(buildObjectiveGraph(weights, spec), settings, 'objective');
    return new OnnxGatys(session, feeds, ort, spec);
  }

  /** Loss parts and image gradient at `image` ([1, H, W, C] NHWC, RGB or grey 0..255 scale). */
  async evaluate(image: Float32Array): Promise<OnnxEvaluation> {
    const { height, width, channels } = this.spec;
    if (image.length !== height * width * channels)
      throw new RangeError(`expected ${height}x${width}x${channels} values, got ${image.length}`);
    const out = await this.session.run({ ...this.feeds, image: new this.ort.Tensor('float32', image, [1, height, width, channels]) });
    const [content, style, tv] = out.parts!.data as Float32Array;
    return { parts: { content: content!, style: style!, tv: tv! }, grad: out.grad!.data as Float32Array };
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export { CONTENT_LAYER };

// stylize(): the method of Gatys, Ecker and Bethge (2015). The picture is a tf.Variable of pixels
// (RGB 0..255, or one grey channel in luminance mode) optimised so that its VGG-19 features keep the
// content image's relu4_2 responses and take on the style images' Gram matrices.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { prepareInputs, type PreparedInputs } from './inputs.js';
import { blendGrams, contentLoss, CONTENT_LAYER, gramMatrix, STYLE_LAYERS, styleLayerLoss, totalVariation } from './losses.js';
import { createAdam, createLbfgs, type Minimizer, type Objective } from './optimizers.js';
import { seededRandom } from './random.js';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from './validate.js';
import { createVgg, vggFeatures, type Vgg, type VggFeatureLayer } from './vgg.js';
import { loadVggWeights, resolveModelDir } from './weights.js';
import { encodePng, resizeImage, type RgbImage } from '../images/index.js';
import type { LossParts, StylizeHooks, StylizeOptions, StylizeRequest, StylizeResult } from './types.js';

export { DEFAULT_OPTIONS };

/** Names each run's tf.Variable uniquely (variable names are global to the tfjs engine). */
let runCount = 0;

/** What the loss compares against; computed once before the first step. */
interface Targets {
  content?: tf.Tensor4D;
  /** Blended Gram matrices of the style layers that have a weight above 0. */
  styles: { layer: VggFeatureLayer; gram: tf.Tensor2D; weight: number }[];
}

function abortError(): Error {
  const err = new Error('The style transfer was cancelled.');
  err.name = 'AbortError';
  return err;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}

function toTensor(img: RgbImage): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3]);
}

function computeTargets(vgg: Vgg, inputs: PreparedInputs, options: StylizeOptions): Targets {
  const positionsAt = (layer: VggFeatureLayer, h: number, w: number) => {
    // Each 2x2 pooling before the layer halves both sides (rounding down).
    const pools = Number(layer[4]) - 1;
    return Math.floor(h / 2 ** pools) * Math.floor(w / 2 ** pools);
  };
  const styleLayers = options.styleWeight > 0 ? STYLE_LAYERS.filter((_, i) => options.layerWeights[i]! > 0) : [];
  const targets: Targets = { styles: [] };
  if (inputs.content && options.contentWeight > 0) {
    targets.content = tf.tidy(() => {
      const image = toTensor(inputs.content!);
      return vggFeatures(vgg, image, [CONTENT_LAYER]).get(CONTENT_LAYER)!;
    });
  }
  if (styleLayers.length === 0) return targets;
  const perStyle = inputs.styles.map((s) =>
    tf.tidy(() => {
      const feats = vggFeatures(vgg, toTensor(s.image), styleLayers);
      return styleLayers.map((l) => {
        const f = feats.get(l)!;
        return { gram: gramMatrix(f), positions: f.shape[1] * f.shape[2] };
      });
    }),
  );
  styleLayers.forEach((layer, li) => {
    const gram = blendGrams(
      inputs.styles.map((s, si) => ({ ...perStyle[si]![li]!, weight: s.weight })),
      positionsAt(layer, inputs.height, inputs.width),
    );
    targets.styles.push({ layer, gram, weight: options.layerWeights[STYLE_LAYERS.indexOf(layer)]! });
  });
  perStyle.flat().forEach((g) => g.gram.dispose());
  return targets;
}

/** content, style, tv as a [3] tensor for the image x ([1, H, W, 1 or 3], 0..255). */
function lossParts(vgg: Vgg, targets: Targets, x: tf.Tensor4D): tf.Tensor1D {
  const image = x.shape[3] === 1 ? (tf.tile(x, [1, 1, 1, 3]) as tf.Tensor4D) : x;
  const layers: VggFeatureLayer[] = targets.styles.map((s) => s.layer);
  if (targets.content) layers.push(CONTENT_LAYER);
  const feats = layers.length > 0 ? vggFeatures(vgg, image, layers) : new Map<VggFeatureLayer, tf.Tensor4D>();
  const content = targets.content ? contentLoss(feats.get(CONTENT_LAYER)!, targets.content) : tf.scalar(0);
  let style: tf.Scalar = tf.scalar(0);
  for (const t of targets.styles) {
    const f = feats.get(t.layer)!;
    const e = styleLayerLoss(gramMatrix(f, vgg.mode), t.gram, f.shape[1] * f.shape[2]);
    style = tf.add(style, tf.mul(e, t.weight));
  }
  return tf.stack([content, style, totalVariation(image)]) as tf.Tensor1D;
}

function weightedTotal(parts: tf.Tensor1D, options: StylizeOptions): tf.Scalar {
  const weights = tf.tensor1d([options.contentWeight, options.styleWeight, options.tvWeight]);
  return tf.sum(tf.mul(parts, weights));
}

async function readParts(parts: tf.Tensor1D, options: StylizeOptions): Promise<LossParts> {
  const [content, style, tv] = Array.from(await parts.data());
  return {
    content: content!,
    style: style!,
    tv: tv!,
    total: options.contentWeight * content! + options.styleWeight * style! + options.tvWeight * tv!,
  };
}

function initialImage(inputs: PreparedInputs, options: StylizeOptions): tf.Tensor4D {
  const channels = inputs.grey ? 1 : 3;
  if (inputs.content && options.init === 'content') {
    return tf.tidy(() => {
      const rgb = toTensor(inputs.content!);
      return inputs.grey ? (tf.slice(rgb, [0, 0, 0, 0], [1, inputs.height, inputs.width, 1]) as tf.Tensor4D) : rgb;
    });
  }
  // Seeded Gaussian noise around mid-grey (Box-Muller), so a seed always gives the same start.
  const random = seededRandom(options.seed);
  const n = inputs.width * inputs.height * channels;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    values[i] = 127.5 + 32 * r * Math.cos(theta);
    if (i + 1 < n) values[i + 1] = 127.5 + 32 * r * Math.sin(theta);
  }
  return tf.tensor4d(values, [1, inputs.height, inputs.width, channels]);
}

/** The current pixels as an 8-bit RGB picture (clipped to 0..255; grey replicated). */
async function toPicture(x: tf.Tensor4D, inputs: PreparedInputs): Promise<RgbImage> {
  const pixels = tf.tidy(() => {
    const clipped = tf.round(tf.clipByValue(x, 0, 255));
    return x.shape[3] === 1 ? tf.tile(clipped, [1, 1, 1, 3]) : clipped;
  });
  const data = Uint8Array.from(await pixels.data());
  pixels.dispose();
  return inputs.finish({ width: inputs.width, height: inputs.height, data });
}

function createMinimizer(x: tf.Variable, f: Objective, options: StylizeOptions): Minimizer {
  return options.optimizer === 'lbfgs'
    ? createLbfgs(x, f, { historySize: 100, learningRate: 1 })
    : createAdam(x, f, { learningRate: options.learningRate });
}

/**
 * Paints the content image in the style of the style images (or synthesises the style's texture
 * when there is no content image). Rejects with RangeError for bad options, ImageError for bad images,
 * and an Error named 'AbortError' when hooks.signal aborts.
 */
export async function stylize(request: StylizeRequest, hooks: StylizeHooks = {}): Promise<StylizeResult> {
  const { onProgress, signal } = hooks;
  const options = resolveOptions(request?.options);
  checkRequest(request);
  throwIfAborted(signal);

  const backend = await initBackend();
  const vgg = createVgg(await loadVggWeights(resolveModelDir()), 'custom');
  const inputs = await prepareInputs(request, options);
  throwIfAborted(signal);

  let targets: Targets | null = null;
  let x: tf.Variable | null = null;
  let minimizer: Minimizer | null = null;
  let lastParts: tf.Tensor1D | null = null;
  let initialParts: tf.Tensor1D | null = null;
  try {
    targets = computeTargets(vgg, inputs, options);
    const t = targets;
    const start = initialImage(inputs, options);
    x = tf.variable(start, true, `stylize_image_${++runCount}`);
    start.dispose();

    const valueAndGrad = tf.valueAndGrad((image: tf.Tensor) => {
      const parts = lossParts(vgg, t, image as tf.Tensor4D);
      lastParts?.dispose();
      lastParts = tf.keep(parts.clone());
      return weightedTotal(parts, options);
    });
    // L-BFGS (torch-style) falls back to a plain gradient step of length 1 whenever a curvature pair is
    // rejected (y.s <= 1e-10, which happens on the second iteration when the tiny first step lands in
    // float32 rounding noise). With raw gradients of ~1e7 per pixel that step throws the image to
    // infinity. So the optimizer sees the loss divided by the first gradient's largest entry: that
    // fallback step then moves a pixel by at most one level, and nothing else changes (the minimiser
    // is the same and the quasi-Newton steps are scale-free). Reported losses are unscaled.
    let objectiveScale: number | null = options.optimizer === 'lbfgs' ? null : 1;
    const objective: Objective = (image) => {
      const { value, grad } = tf.tidy(() => valueAndGrad(image));
      if (!initialParts) initialParts = tf.keep(lastParts!.clone());
      if (objectiveScale === null) {
        const maxTensor = tf.tidy(() => tf.max(tf.abs(grad)));
        const maxGrad = maxTensor.dataSync()[0]!;
        maxTensor.dispose();
        objectiveScale = Number.isFinite(maxGrad) && maxGrad > 0 ? 1 / maxGrad : 1;
      }
      if (objectiveScale === 1) return { loss: value, grad };
      const scale = objectiveScale;
      const scaled = tf.tidy(() => ({ loss: tf.mul(value, scale) as tf.Scalar, grad: tf.mul(grad, scale) }));
      value.dispose();
      grad.dispose();
      return scaled;
    };
    minimizer = createMinimizer(x, objective, options);

    const began = performance.now();
    for (let done = 1; done <= options.iterations; done++) {
      throwIfAborted(signal);
      await minimizer.step();
      throwIfAborted(signal);
      // The last iteration's event is sent below, with the final losses.
      if (onProgress && done % options.progressEvery === 0 && done < options.iterations) {
        const elapsedMs = performance.now() - began;
        const preview = options.previewSize > 0 ? await previewOf(await toPicture(x as tf.Tensor4D, inputs), options.previewSize) : undefined;
        onProgress({
          iteration: done,
          total: options.iterations,
          losses: await readParts(lastParts!, options),
          elapsedMs,
          etaMs: (elapsedMs / done) * (options.iterations - done),
          ...(preview ? { preview } : {}),
        });
      }
    }
    const elapsedMs = performance.now() - began;

    // Final losses are those of the picture actually returned (clipped to 0..255).
    const picture = await toPicture(x as tf.Tensor4D, inputs);
    const finalParts = tf.tidy(() => lossParts(vgg, t, tf.clipByValue(x!, 0, 255) as tf.Tensor4D));
    const final = await readParts(finalParts, options);
    finalParts.dispose();
    const initial = await readParts(initialParts!, options);
    const png = await encodePng(picture);
    if (onProgress) {
      const preview = options.previewSize > 0 ? await previewOf(picture, options.previewSize) : undefined;
      onProgress({ iteration: options.iterations, total: options.iterations, losses: final, elapsedMs, etaMs: 0, ...(preview ? { preview } : {}) });
    }
    return {
      png,
      width: picture.width,
      height: picture.height,
      iterations: options.iterations,
      backend,
      msPerIteration: elapsedMs / options.iterations,
      seed: options.seed,
      styles: inputs.styles.map((s) => s.name),
      options,
      losses: { initial, final },
    };
  } finally {
    minimizer?.dispose();
    x?.dispose();
    (lastParts as tf.Tensor | null)?.dispose();
    (initialParts as tf.Tensor | null)?.dispose();
    targets?.content?.dispose();
    targets?.styles.forEach((s) => s.gram.dispose());
  }
}

/** A PNG no larger than previewSize on its longest side. */
async function previewOf(picture: RgbImage, previewSize: number): Promise<Uint8Array> {
  const side = Math.min(previewSize, Math.max(picture.width, picture.height));
  return encodePng(await resizeImage(picture, side));
}

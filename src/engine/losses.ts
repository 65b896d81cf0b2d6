// The losses of Gatys, Ecker and Bethge (2015), over VGG-19 features.
//   content  L_c = 1/2 sum (F - P)^2                      at relu4_2 (conv4_2 after its ReLU)
//   Gram     G   = F^T F                                  F as M x N (M = H*W positions, N channels)
//   layer    E_l = 1/(4 N^2 M^2) sum (G - A)^2
//   style    L_s = sum_l w_l E_l                          over relu1_1 .. relu5_1
//   total    alpha L_c + beta L_s + tvWeight * TV
import * as tf from '@tensorflow/tfjs';
import { constant, constantVector } from './constants.js';
import { gramCustom, gramStock, type GradientMode } from './gradients.js';
import { vggFeatures, type Vgg, type VggFeatureLayer } from './vgg.js';
import type { RgbImage } from '../images/index.js';
import type { StylizeOptions } from './types.js';

export const CONTENT_LAYER: VggFeatureLayer = 'relu4_2';
export const STYLE_LAYERS: readonly VggFeatureLayer[] = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];

/** Gram matrix of features [1, H, W, N]: G = F^T F with F as [H*W, N]. */
export function gramMatrix(features: tf.Tensor4D, mode: GradientMode = 'custom'): tf.Tensor2D {
  return tf.tidy(() => {
    const [, h, w, n] = features.shape;
    const f = tf.reshape(features, [h * w, n]) as tf.Tensor2D;
    return mode === 'custom' ? gramCustom(f) : gramStock(f);
  });
}

/** 1/2 sum (F - P)^2, with its gradient F - P written out (as styleLayerLoss below). The target P is a constant. */
export function contentLoss(features: tf.Tensor, target: tf.Tensor): tf.Scalar {
  const op = tf.customGrad<tf.Scalar>((...args) => {
    const [f, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const diff = tf.sub(f, target);
    save([diff]);
    return { value: tf.mul(tf.sum(tf.square(diff)), constant(0.5)) as tf.Scalar, gradFunc: (dy, saved) => tf.mul(saved[0]!, dy) };
  });
  return op(features);
}

/**
 * weight x E_l, with E_l = 1/(4 N^2 M^2) sum (G - A)^2, where N is the channel count and M the number of positions
 * of the generated image. Its gradient 2 weight (G - A) / (4 N^2 M^2) is written out: two ops, where autodiff of the
 * expression takes about ten (each a GPU dispatch to issue, five layers per iteration). The target A is a constant.
 */
export function styleLayerLoss(gram: tf.Tensor2D, target: tf.Tensor2D, positions: number, weight = 1): tf.Scalar {
  const n = gram.shape[0];
  const scale = weight / (4 * n * n * positions * positions);
  const op = tf.customGrad<tf.Scalar>((...args) => {
    const [g, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const diff = tf.sub(g, target);
    save([diff]);
    return {
      value: tf.mul(tf.sum(tf.square(diff)), constant(scale)) as tf.Scalar,
      gradFunc: (dy, saved) => tf.mul(saved[0]!, tf.mul(dy, constant(2 * scale))),
    };
  });
  return op(gram);
}

/**
 * Total variation of an image [1, H, W, C] in pixel units: the sum over all pixels and channels of the
 * squared differences to the right and lower neighbours (anisotropic, squared, "beta = 2" TV):
 * sum (x[i, j+1] - x[i, j])^2 + sum (x[i+1, j] - x[i, j])^2.
 */
export function totalVariation(image: tf.Tensor4D): tf.Scalar {
  // The gradient is written out: autodiff of tf.sum builds a tensor of ones on the CPU at every step and uploads
  // it, which on webgpu cost more CPU time than the rest of the TV term (bench/gpu/README.md).
  // d/dx of sum (x[j+1] - x[j])^2 is 2 (x[j] - x[j-1]) - 2 (x[j+1] - x[j]): each difference, shifted by one.
  const op = tf.customGrad((...args) => {
    const [x, save] = args as unknown as [tf.Tensor4D, tf.GradSaveFunc];
    const [, h, w, c] = x.shape;
    const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [1, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [1, h, w - 1, c]));
    const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [1, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [1, h - 1, w, c]));
    save([dx, dy]);
    return {
      value: tf.add(tf.sum(tf.square(dx)), tf.sum(tf.square(dy))) as tf.Scalar,
      gradFunc: (upstream: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sy] = saved as [tf.Tensor4D, tf.Tensor4D];
        const fromX = tf.sub(
          tf.pad(sx, [
            [0, 0],
            [0, 0],
            [1, 0],
            [0, 0],
          ]),
          tf.pad(sx, [
            [0, 0],
            [0, 0],
            [0, 1],
            [0, 0],
          ]),
        );
        const fromY = tf.sub(
          tf.pad(sy, [
            [0, 0],
            [1, 0],
            [0, 0],
            [0, 0],
          ]),
          tf.pad(sy, [
            [0, 0],
            [0, 1],
            [0, 0],
            [0, 0],
          ]),
        );
        return tf.mul(tf.add(fromX, fromY), tf.mul(upstream, constant(2)));
      },
    };
  });
  return op(image) as tf.Scalar;
}

/**
 * Target Gram matrices of several style images blended by weight (weights normalised to sum to 1).
 * Each style's Gram is rescaled to the generated image's number of positions (G * M_x / M_style) so that
 * a style image of another size or aspect ratio asks for the same per-position statistics; when the sizes
 * agree this is exactly A = F^T F of the paper.
 */
export function blendGrams(
  grams: readonly { gram: tf.Tensor2D; positions: number; weight: number }[],
  targetPositions: number,
): tf.Tensor2D {
  const sum = grams.reduce((s, g) => s + g.weight, 0);
  if (!(sum > 0)) throw new RangeError('Style weights must add up to more than 0.');
  return tf.tidy(() => {
    let acc: tf.Tensor2D | null = null;
    for (const g of grams) {
      const scaled = tf.mul(g.gram, (g.weight / sum) * (targetPositions / g.positions)) as tf.Tensor2D;
      acc = acc ? (tf.add(acc, scaled) as tf.Tensor2D) : scaled;
    }
    return acc as tf.Tensor2D;
  });
}

// ---- The whole Gatys objective (shared by stylize() and the GPU benchmark, which must not load sharp).

/** What the loss compares against; computed once before the first step. */
export interface GatysTargets {
  content?: tf.Tensor4D;
  /** Whether the total variation is part of the loss (tvWeight > 0); without it lossParts reports 0 for it. */
  totalVariation: boolean;
  /** Blended Gram matrices of the style layers that have a weight above 0. */
  styles: { layer: VggFeatureLayer; gram: tf.Tensor2D; weight: number }[];
}

/** The pictures the targets come from (RGB 0..255), and the size of the generated image. */
export interface TargetImages {
  width: number;
  height: number;
  content?: RgbImage;
  styles: readonly { image: RgbImage; weight: number }[];
}

export type LossWeights = Pick<StylizeOptions, 'contentWeight' | 'styleWeight' | 'tvWeight' | 'layerWeights'>;

export function imageTensor(img: RgbImage): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3]);
}

export function computeTargets(vgg: Vgg, images: TargetImages, options: LossWeights): GatysTargets {
  const positionsAt = (layer: VggFeatureLayer, h: number, w: number) => {
    // Each 2x2 pooling before the layer halves both sides (rounding down).
    const pools = Number(layer[4]) - 1;
    return Math.floor(h / 2 ** pools) * Math.floor(w / 2 ** pools);
  };
  const styleLayers = options.styleWeight > 0 ? STYLE_LAYERS.filter((_, i) => options.layerWeights[i]! > 0) : [];
  const targets: GatysTargets = { styles: [], totalVariation: options.tvWeight > 0 };
  if (images.content && options.contentWeight > 0) {
    targets.content = tf.tidy(() => vggFeatures(vgg, imageTensor(images.content!), [CONTENT_LAYER]).get(CONTENT_LAYER)!);
  }
  if (styleLayers.length === 0) return targets;
  const perStyle = images.styles.map((s) =>
    tf.tidy(() => {
      const feats = vggFeatures(vgg, imageTensor(s.image), styleLayers);
      return styleLayers.map((l) => {
        const f = feats.get(l)!;
        return { gram: gramMatrix(f), positions: f.shape[1] * f.shape[2] };
      });
    }),
  );
  styleLayers.forEach((layer, li) => {
    const gram = blendGrams(
      images.styles.map((s, si) => ({ ...perStyle[si]![li]!, weight: s.weight })),
      positionsAt(layer, images.height, images.width),
    );
    targets.styles.push({ layer, gram, weight: options.layerWeights[STYLE_LAYERS.indexOf(layer)]! });
  });
  perStyle.flat().forEach((g) => g.gram.dispose());
  return targets;
}

export function disposeTargets(targets: GatysTargets): void {
  targets.content?.dispose();
  targets.styles.forEach((s) => s.gram.dispose());
}

/** content, style, tv as a [3] tensor for the image x ([1, H, W, 1 or 3], 0..255). */
export function lossParts(vgg: Vgg, targets: GatysTargets, x: tf.Tensor4D): tf.Tensor1D {
  const image = x.shape[3] === 1 ? (tf.tile(x, [1, 1, 1, 3]) as tf.Tensor4D) : x;
  const layers: VggFeatureLayer[] = targets.styles.map((s) => s.layer);
  if (targets.content) layers.push(CONTENT_LAYER);
  const feats = layers.length > 0 ? vggFeatures(vgg, image, layers) : new Map<VggFeatureLayer, tf.Tensor4D>();
  const content = targets.content ? contentLoss(feats.get(CONTENT_LAYER)!, targets.content) : constant(0);
  const layerLosses = targets.styles.map((t) => {
    const f = feats.get(t.layer)!;
    return styleLayerLoss(gramMatrix(f, vgg.mode), t.gram, f.shape[1] * f.shape[2], t.weight);
  });
  // One AddN rather than a chain of adds: fewer ops to issue per iteration.
  const style = layerLosses.length > 1 ? (tf.addN(layerLosses) as tf.Scalar) : (layerLosses[0] ?? constant(0));
  // With a weight of 0 autodiff would still run the TV's forward and backward ops (about 20): skip them.
  const tv = targets.totalVariation ? totalVariation(image) : constant(0);
  return tf.stack([content, style, tv]) as tf.Tensor1D;
}

/** contentWeight*content + styleWeight*style + tvWeight*tv. */
export function weightedTotal(parts: tf.Tensor1D, options: LossWeights): tf.Scalar {
  const weights = constantVector([options.contentWeight, options.styleWeight, options.tvWeight]);
  return tf.sum(tf.mul(parts, weights));
}

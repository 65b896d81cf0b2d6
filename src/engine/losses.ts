// The losses of Gatys, Ecker and Bethge (2015), over VGG-19 features.
//   content  L_c = 1/2 sum (F - P)^2                      at relu4_2 (conv4_2 after its ReLU)
//   Gram     G   = F^T F                                  F as M x N (M = H*W positions, N channels)
//   layer    E_l = 1/(4 N^2 M^2) sum (G - A)^2
//   style    L_s = sum_l w_l E_l                          over relu1_1 .. relu5_1
//   total    alpha L_c + beta L_s + tvWeight * TV
import * as tf from '@tensorflow/tfjs';
import { gramCustom, gramStock, type GradientMode } from './gradients.js';
import type { VggFeatureLayer } from './vgg.js';

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

/** 1/2 sum (F - P)^2. */
export function contentLoss(features: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(tf.sub(features, target)))));
}

/** E_l = 1/(4 N^2 M^2) sum (G - A)^2, where N is the channel count and M the number of positions of the generated image. */
export function styleLayerLoss(gram: tf.Tensor2D, target: tf.Tensor2D, positions: number): tf.Scalar {
  const n = gram.shape[0];
  return tf.tidy(() => tf.div(tf.sum(tf.square(tf.sub(gram, target))), 4 * n * n * positions * positions));
}

/**
 * Total variation of an image [1, H, W, C] in pixel units: the sum over all pixels and channels of the
 * squared differences to the right and lower neighbours (anisotropic, squared, "beta = 2" TV):
 * sum (x[i, j+1] - x[i, j])^2 + sum (x[i+1, j] - x[i, j])^2.
 */
export function totalVariation(image: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => {
    const [, h, w, c] = image.shape;
    const dx = tf.sub(tf.slice(image, [0, 0, 1, 0], [1, h, w - 1, c]), tf.slice(image, [0, 0, 0, 0], [1, h, w - 1, c]));
    const dy = tf.sub(tf.slice(image, [0, 1, 0, 0], [1, h - 1, w, c]), tf.slice(image, [0, 0, 0, 0], [1, h - 1, w, c]));
    return tf.add(tf.sum(tf.square(dx)), tf.sum(tf.square(dy)));
  });
}

/**
 * Target Gram matrices of several style images blended by weight (weights normalised to sum to 1).
 * Each style's Gram is rescaled to the generated image's number of positions (G * M_x / M_style) so that
 * a style image of another size or aspect ratio asks for the same per-position statistics; when the sizes
 * agree this is exactly A = F^T F of the paper.
 */
export function blendGrams(grams: readonly { gram: tf.Tensor2D; positions: number; weight: number }[], targetPositions: number): tf.Tensor2D {
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

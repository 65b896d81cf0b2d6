// Coarse-to-fine ("multi-scale") optimisation: the plan of the scales (scale-plan.ts, re-exported here) and the
// upsampling from one scale's picture to the next.
import * as tf from '@tensorflow/tfjs';

export * from './scale-plan.js';

/**
 * The previous scale's picture [1, h, w, c] resized (bilinear, corners aligned as the picture's edges are the same
 * edges at every scale) to [1, height, width, c] and kept within 0..255. A new tensor.
 */
export function upsamplePicture(picture: tf.Tensor4D, height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.image.resizeBilinear(picture, [height, width], true), 0, 255) as tf.Tensor4D);
}

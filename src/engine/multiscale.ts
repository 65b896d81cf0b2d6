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

/**
 * The start of a finer scale with the photo's fine detail put back: the coarser picture upsampled (as
 * upsamplePicture) plus the band of `photo` that the coarser size cannot hold, photo - up(down(photo)): one level of
 * a Laplacian pyramid (Burt and Adelson 1983). `picture` [1, h, w, C] at the coarser scale, `photo` [1, H, W, C] at
 * this one (same C); returns [1, H, W, C] pixels clipped to 0..255.
 */
export function upsampleWithDetail(picture: tf.Tensor4D, photo: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width] = photo.shape;
    const [, coarseHeight, coarseWidth] = picture.shape;
    // Down by averaging (half-pixel centres), up as the picture is upsampled.
    const coarsePhoto = tf.image.resizeBilinear(photo, [coarseHeight, coarseWidth], false, true);
    const detail = tf.sub(photo, tf.image.resizeBilinear(coarsePhoto, [height, width], true));
    return tf.clipByValue(tf.add(tf.image.resizeBilinear(picture, [height, width], true), detail), 0, 255) as tf.Tensor4D;
  });
}

// VGG-19 feature extractor for style transfer: conv layers with ReLU, AVERAGE pooling (Gatys et al.
// found it gives smoother results than max pooling), computed only as deep as the deepest layer asked for.
import * as tf from '@tensorflow/tfjs';
import { constantVector } from './constants.js';
import { convReluCustom, convReluStock, prepareConv, type GradientMode, type PreparedConv } from './gradients.js';
import { VGG_CONV_LAYERS, type VggConvLayer, type VggWeights } from './weights.js';

/** Output of a conv layer after its ReLU, named reluX_Y after the conv layer convX_Y. */
export type VggFeatureLayer = `relu${VggConvLayer extends `conv${infer R}` ? R : never}`;

/** Caffe/Keras VGG preprocessing: the per-channel ImageNet means in B, G, R order. */
export const VGG_MEAN_BGR = [103.939, 116.779, 123.68] as const;

/** The last conv layer of each block is followed by a 2x2 stride-2 pooling. */
const POOL_AFTER = new Set<VggConvLayer>(['conv1_2', 'conv2_2', 'conv3_4', 'conv4_4']);

export interface Vgg {
  readonly mode: GradientMode;
  readonly layers: ReadonlyMap<VggConvLayer, PreparedConv>;
}

const prepared = new WeakMap<VggWeights, Map<GradientMode, Vgg>>();

/** Wraps loaded weights for a gradient mode (cached: custom mode precomputes backward kernels once). */
export function createVgg(weights: VggWeights, mode: GradientMode = 'custom'): Vgg {
  let byMode = prepared.get(weights);
  if (!byMode) prepared.set(weights, (byMode = new Map()));
  let vgg = byMode.get(mode);
  if (!vgg) {
    const layers = new Map<VggConvLayer, PreparedConv>();
    for (const [name, w] of weights) layers.set(name, prepareConv(w.kernel, w.bias, mode));
    vgg = { mode, layers };
    byMode.set(mode, vgg);
  }
  return vgg;
}

/** RGB 0..255 [1, H, W, 3] -> BGR minus the ImageNet mean. */
export function preprocess(rgb: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.reverse(rgb, -1), constantVector(VGG_MEAN_BGR)) as tf.Tensor4D);
}

export function isFeatureLayer(name: string): name is VggFeatureLayer {
  return (VGG_CONV_LAYERS as readonly string[]).includes(`conv${name.slice(4)}`) && name.startsWith('relu');
}

/**
 * Features of an RGB image (0..255, [1, H, W, 3]) at the requested layers (reluX_Y), stopping after the
 * deepest one. The returned tensors are new; the caller disposes them (or runs this inside tf.tidy).
 */
export function vggFeatures(vgg: Vgg, rgb: tf.Tensor4D, wanted: readonly VggFeatureLayer[]): Map<VggFeatureLayer, tf.Tensor4D> {
  const wantedConv = new Set(wanted.map((l) => `conv${l.slice(4)}`));
  for (const l of wanted) if (!isFeatureLayer(l)) throw new Error(`Unknown VGG-19 layer ${l}`);
  const deepest = Math.max(...VGG_CONV_LAYERS.map((l, i) => (wantedConv.has(l) ? i : -1)));
  const convRelu = vgg.mode === 'custom' ? convReluCustom : convReluStock;
  const out = new Map<VggFeatureLayer, tf.Tensor4D>();
  const keep = new Set<tf.Tensor>();
  let x = preprocess(rgb);
  for (const [i, name] of VGG_CONV_LAYERS.slice(0, deepest + 1).entries()) {
    const conv = vgg.layers.get(name);
    if (!conv) throw new Error(`VGG-19 weights lack ${name}`);
    const y = convRelu(x, conv);
    if (!keep.has(x)) x.dispose();
    x = y;
    if (wantedConv.has(name)) {
      out.set(`relu${name.slice(4)}` as VggFeatureLayer, y);
      keep.add(y);
    }
    if (POOL_AFTER.has(name) && i < deepest) {
      const pooled = tf.avgPool(x, 2, 2, 'valid');
      if (!keep.has(x)) x.dispose();
      x = pooled;
    }
  }
  return out;
}

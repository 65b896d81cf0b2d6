// Two hand-written gradients that make the image gradient fast (see ENGINE-NOTES.md):
//  1. A 3x3 SAME convolution (+ bias + ReLU) whose input gradient is itself a forward convolution
//     with the kernel rotated 180 degrees and its in/out channel axes swapped. Stock tfjs uses
//     Conv2DBackpropInput, a plain loop on wasm, 4-5x slower than the XNNPACK forward conv. (On webgpu both
//     directions are our implicit-GEMM WGSL kernels, wgsl/conv3x3.ts, unless STYLEBOT_WGSL=0.)
//  2. The Gram matrix G = F^T F with dF = F (dG + dG^T): one product instead of the two that
//     stock autodiff does for matMul(F, F) (one per operand), all as 1x1 convolutions (on webgpu our
//     split-K WGSL kernels, wgsl/gram.ts).
// Neither ever computes a weight gradient: the weights are constants (wasm lacks Conv2DBackpropFilter).
import * as tf from '@tensorflow/tfjs';
import { wgslKernelsActive } from './webgpu-kernels.js';
import { conv3x3BiasRelu, conv3x3MaskedBackward } from './wgsl/conv3x3.js';
import { gramBackwardWgsl, gramWgsl } from './wgsl/gram.js';

/** How gradients are computed: our custom ops, or tfjs's stock autodiff (for comparison and tests). */
export type GradientMode = 'custom' | 'stock';

export interface PreparedConv {
  /** [3, 3, in, out] */
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
  /** The kernel rotated 180 degrees with in/out swapped: [3, 3, out, in]. Only in custom mode. */
  backKernel?: tf.Tensor4D;
}

/** The kernel that turns dy (out channels) into dx (in channels) for a stride-1 SAME conv. */
export function backwardKernel(kernel: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]));
}

export function prepareConv(kernel: tf.Tensor4D, bias: tf.Tensor1D, mode: GradientMode): PreparedConv {
  return mode === 'custom' ? { kernel, bias, backKernel: backwardKernel(kernel) } : { kernel, bias };
}

/** relu(conv2d(x, W, stride 1, SAME) + b), with the fast input gradient. */
export function convReluCustom(x: tf.Tensor4D, conv: PreparedConv): tf.Tensor4D {
  const back = conv.backKernel;
  if (!back) throw new Error('convReluCustom needs a prepared backward kernel');
  const op = tf.customGrad<tf.Tensor4D>((...args) => {
    const [input, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
    const wgsl = wgslKernelsActive();
    const y = wgsl ? conv3x3BiasRelu(input, conv.kernel, conv.bias) : fusedConvRelu(input, conv);
    save([y]);
    return {
      value: y,
      gradFunc: (dy, saved) => {
        if (wgsl) return conv3x3MaskedBackward(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, back);
        return tf.conv2d(tf.mul(dy, tf.step(saved[0]!)) as tf.Tensor4D, back, 1, 'same');
      },
    };
  });
  return op(x);
}

/**
 * conv + bias + ReLU as ONE backend kernel. tf.fused.conv2d would split it into conv, add and relu (three passes
 * over the output) whenever a gradient is being recorded, which is always the case here, inside customGrad.
 */
function fusedConvRelu(x: tf.Tensor4D, conv: PreparedConv): tf.Tensor4D {
  const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu' };
  return tf
    .engine()
    .runKernel(tf.FusedConv2D, { x, filter: conv.kernel, bias: conv.bias }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** The same layer through stock autodiff. */
export function convReluStock(x: tf.Tensor4D, conv: PreparedConv): tf.Tensor4D {
  return tf.relu(tf.add(tf.conv2d(x, conv.kernel, 1, 'same'), conv.bias)) as tf.Tensor4D;
}

/** F [M, N] times S [N, N] as a 1x1 convolution (XNNPACK on wasm; faster than BatchMatMul there). */
function timesSquare(f: tf.Tensor2D, s: tf.Tensor2D): tf.Tensor2D {
  const [m, n] = f.shape;
  const out = tf.conv2d(tf.reshape(f, [1, 1, m, n]) as tf.Tensor4D, tf.reshape(s, [1, 1, n, s.shape[1]]) as tf.Tensor4D, 1, 'valid');
  return tf.reshape(out, [m, s.shape[1]]);
}

/**
 * G = F^T F for F of shape [M, N] (M positions, N channels), with dF = F (dG + dG^T).
 * Forward and backward are 1x1 convolutions: wasm's BatchMatMul with a transposed operand is 5-10x
 * slower than its convolution (measured: 109 ms vs 13 ms for M = 4096, N = 64).
 */
export const gramCustom: (features: tf.Tensor2D) => tf.Tensor2D = (() => {
  const op = tf.customGrad<tf.Tensor2D>((...args) => {
    const [f, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([f]);
    const [m, n] = f.shape;
    // G[i, j] = sum_p F[p, i] F[p, j]: a 1x1 conv over an "image" of N pixels with M channels (F^T).
    const gram = wgslKernelsActive()
      ? gramWgsl(f)
      : (tf.reshape(
          tf.conv2d(tf.reshape(tf.transpose(f), [1, 1, n, m]) as tf.Tensor4D, tf.reshape(f, [1, 1, m, n]) as tf.Tensor4D, 1, 'valid'),
          [n, n],
        ) as tf.Tensor2D);
    return {
      value: gram,
      gradFunc: (dG, saved) =>
        wgslKernelsActive()
          ? gramBackwardWgsl(saved[0] as tf.Tensor2D, dG as tf.Tensor2D)
          : timesSquare(saved[0] as tf.Tensor2D, tf.add(dG, tf.transpose(dG)) as tf.Tensor2D),
    };
  });
  return (features: tf.Tensor2D) => op(features);
})();

export function gramStock(features: tf.Tensor2D): tf.Tensor2D {
  return tf.matMul(features, features, true, false);
}

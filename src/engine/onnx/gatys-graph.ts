// The Gatys objective (Gatys, Ecker and Bethge 2015) as ONE ONNX graph, forward and backward, for ONNX Runtime,
// which runs forward graphs only: the image gradient is written into the graph by hand.
//
// Layout: the graph takes and returns the image as the engine keeps it, NHWC [1, H, W, C] (RGB 0..255, or C = 1 grey
// channel that is replicated to RGB), and works in NCHW inside (ONNX's Conv layout). Same preprocessing and losses as
// losses.ts and vgg.ts:
//   pre   = RGB - ImageNet mean; the BGR order VGG expects is folded into conv1_1's kernel (its input channels
//           reversed), which changes no value: zero padding pads the mean-subtracted picture either way
//   y_i   = relu(conv3x3_i(x_i) + b_i), 2x2 average pooling (floor) after conv1_2, conv2_2, conv3_4, conv4_4
//   L_c   = 1/2 sum (F - P)^2 at relu4_2                        dL_c/dF = F - P
//   G     = F F^T (F as [N, M] in NCHW)                         E_l = 1/(4 N^2 M^2) sum (G - A)^2
//   L_s   = sum_l w_l E_l                                       dE_l/dG = 2 (G - A) / (4 N^2 M^2)
//   TV    = sum (x[i, j+1] - x[i, j])^2 + sum (x[i+1, j] - x[i, j])^2 over the RGB pixels (as totalVariation())
//   total = alpha L_c + beta L_s + tvWeight TV
// Backward (each the chain rule of one forward step):
//   Gram        dF = (dG + dG^T) F
//   ReLU        dz = dy * [y > 0]   (written Sign(y), y >= 0)
//   conv3x3     dx = conv3x3(dz, W rotated 180 degrees with in/out channels swapped), no bias
//   avg pool    dx = nearest 2x upsample of dy * 1/4, zero rows/columns where the pooling dropped odd ones
import { VGG_CONV_LAYERS, type VggConvLayer } from '../vgg-layers.js';
import type { ConvArrays } from '../weights.js';
import { GraphBuilder } from './graph-builder.js';

/** A 3x3 convolution as the weights manifest stores it: kernel HWIO [3, 3, cin, cout], bias [cout]. */
export type OnnxConv = ConvArrays;

/** The 16 conv layers (only those up to the deepest layer used need be present). */
export type OnnxVggWeights = ReadonlyMap<VggConvLayer, OnnxConv>;

/** A layer whose features the losses read: reluX_Y after convX_Y. */
export type FeatureLayer = `relu${string}`;

/** Caffe/Keras VGG preprocessing's ImageNet means, in R, G, B order (vgg.ts keeps them in B, G, R). */
export const VGG_MEAN_RGB = [123.68, 116.779, 103.939] as const;

const POOL_AFTER = new Set<VggConvLayer>(['conv1_2', 'conv2_2', 'conv3_4', 'conv4_4']);

export const CONTENT_LAYER = 'relu4_2';

export interface ObjectiveGraphSpec {
  height: number;
  width: number;
  /** 3: RGB picture; 1: one grey channel, replicated to RGB for VGG (preserveColors 'luminance'). */
  channels: 1 | 3;
  /** Whether there is a content target (input `content_target`, NCHW [1, N, H/8, W/8] at relu4_2). */
  content: boolean;
  /** Style layers with a Gram target (inputs `gram_<layer>`, [N, N]), in the order of `layer_weights`. */
  styleLayers: readonly FeatureLayer[];
  /** Whether the total variation is computed (else reported as 0). */
  totalVariation: boolean;
}

function convOf(layer: FeatureLayer): VggConvLayer {
  const conv = `conv${layer.slice(4)}`;
  if (!(VGG_CONV_LAYERS as readonly string[]).includes(conv)) throw new Error(`Unknown VGG-19 layer ${layer}`);
  return conv as VggConvLayer;
}

/**
 * The manifest's HWIO kernel as a graph constant, and the two layouts Conv needs, written as ops on it (ONNX
 * Runtime folds them into constants when the session is created, in native code; the model carries each kernel
 * once, as the manifest stores it):
 *   forward   OIHW [cout, cin, 3, 3] = transpose(K, [3, 2, 0, 1]); for conv1_1 the input channels are reversed
 *             first (RGB in, for a layer trained on BGR)
 *   backward  OIHW [cin, cout, 3, 3]: Wb[c][o][kh][kw] = W[o][c][2 - kh][2 - kw] (rotated 180 degrees, in/out
 *             channels swapped), the kernel of a stride-1 SAME conv's input gradient as a forward conv
 */
function kernels(
  b: GraphBuilder,
  name: string,
  conv: OnnxConv,
  reverseIn: boolean,
  backward: boolean,
): { forward: string; backward?: string } {
  let k = b.floats(`${name}_hwio`, [3, 3, conv.cin, conv.cout], conv.kernel);
  const reversed = (axes: number[], sizes: number[]) =>
    b.op('Slice', [
      k,
      b.int64s(
        'starts',
        sizes.map((n) => n - 1),
      ),
      b.int64s(
        'ends',
        sizes.map((n) => -n - 1),
      ),
      b.int64s('axes', axes),
      b.int64s(
        'steps',
        axes.map(() => -1),
      ),
    ]);
  if (reverseIn) k = reversed([2], [conv.cin]);
  const forward = b.op('Transpose', [k], { perm: [3, 2, 0, 1] });
  if (!backward) return { forward };
  k = reversed([0, 1], [3, 3]);
  return { forward, backward: b.op('Transpose', [k], { perm: [2, 3, 0, 1] }) };
}

interface Forward {
  /** relu output of each conv layer computed, NCHW. */
  y: string[];
  /** Shape [C, H, W] of each y. */
  shapes: [number, number, number][];
  /** The graph value entering each conv layer. */
  x: string[];
  /** Whether a pooling sits between conv i - 1 and conv i. */
  pooledBefore: boolean[];
  /** Each layer's backward kernel (when built with the backward pass). */
  backKernels: string[];
  /** The RGB picture [1, 3, H, W] (pixel units, before the mean is subtracted). */
  rgb: string;
}

/** The picture input (NHWC) turned into NCHW RGB with 3 channels. */
function rgbFromImage(b: GraphBuilder, image: string, height: number, width: number, channels: 1 | 3): string {
  const nchw = b.op('Transpose', [image], { perm: [0, 3, 1, 2] });
  return channels === 3 ? nchw : b.op('Expand', [nchw, b.int64s('rgb_shape', [1, 3, height, width])]);
}

function forwardVgg(
  b: GraphBuilder,
  weights: OnnxVggWeights,
  rgb: string,
  height: number,
  width: number,
  deepest: number,
  withBackward: boolean,
): Forward {
  const mean = b.floats('mean_rgb', [1, 3, 1, 1], [...VGG_MEAN_RGB]);
  let x = b.op('Sub', [rgb, mean]);
  let h = height;
  let w = width;
  const f: Forward = { y: [], shapes: [], x: [], pooledBefore: [], backKernels: [], rgb };
  let pooled = false;
  for (let i = 0; i <= deepest; i++) {
    const name = VGG_CONV_LAYERS[i]!;
    const conv = weights.get(name);
    if (!conv) throw new Error(`VGG-19 weights lack ${name}`);
    const { forward: kernel, backward } = kernels(b, name, conv, i === 0, withBackward);
    f.backKernels.push(backward ?? '');
    const bias = b.floats(`${name}_b`, [conv.cout], conv.bias);
    f.x.push(x);
    f.pooledBefore.push(pooled);
    const y = b.op('Relu', [b.op('Conv', [x, kernel, bias], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })]);
    f.y.push(y);
    f.shapes.push([conv.cout, h, w]);
    pooled = POOL_AFTER.has(name) && i < deepest;
    if (pooled) {
      x = b.op('AveragePool', [y], { kernel_shape: [2, 2], strides: [2, 2] });
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    } else {
      x = y;
    }
  }
  return f;
}

/** F as [N, M] and G = F F^T. */
function gram(b: GraphBuilder, y: string, [n]: [number, number, number]): { f: string; g: string } {
  const f = b.op('Reshape', [y, b.int64s('gram_shape', [n, -1])]);
  return { f, g: b.op('MatMul', [f, b.op('Transpose', [f], { perm: [1, 0] })]) };
}

const sumAll = (b: GraphBuilder, v: string) => b.op('ReduceSum', [v], { keepdims: 0 });
const sumSquares = (b: GraphBuilder, v: string) => sumAll(b, b.op('Mul', [v, v]));
const asVector = (b: GraphBuilder, scalar: string) => b.op('Reshape', [scalar, b.int64s('one', [1])]);

function deepestIndex(layers: readonly FeatureLayer[]): number {
  return Math.max(...layers.map((l) => VGG_CONV_LAYERS.indexOf(convOf(l))));
}

/**
 * The objective graph. Inputs: `image` [1, H, W, C]; `content_target` (when spec.content); `gram_<layer>` for each
 * style layer; `layer_weights` [k] (w_l of spec.styleLayers, when there are any); `loss_weights` [3] (alpha, beta,
 * tvWeight). Outputs: `parts` [3] (L_c, L_s, TV, unweighted) and `grad` [1, H, W, C], the gradient of the weighted
 * total with respect to the image (pixel units). Throws when no loss term is asked for or a layer is unknown.
 */
export function buildObjectiveGraph(weights: OnnxVggWeights, spec: ObjectiveGraphSpec): Uint8Array {
  const { height, width, channels } = spec;
  if (!spec.content && spec.styleLayers.length === 0 && !spec.totalVariation) throw new Error('The objective has no loss term.');
  const b = new GraphBuilder('gatys_objective');
  const image = b.input('image', [1, height, width, channels]);
  const lossWeights = b.input('loss_weights', [3]);
  const [alpha, beta, tvWeight] = b.opN('Split', [lossWeights, b.int64s('split3', [1, 1, 1])], 3, { axis: 0 });
  const rgb = rgbFromImage(b, image, height, width, channels);
  const zero = b.floats('zero', [1], [0]);

  const featureLayers: FeatureLayer[] = [...spec.styleLayers, ...(spec.content ? [CONTENT_LAYER as FeatureLayer] : [])];
  const deepest = featureLayers.length > 0 ? deepestIndex(featureLayers) : -1;
  const net = forwardVgg(b, weights, rgb, height, width, deepest, true);
  /** Gradient contributions of the weighted total to each y_i. */
  const dY: string[][] = net.y.map(() => []);

  let content = zero;
  if (spec.content) {
    const i = VGG_CONV_LAYERS.indexOf(convOf(CONTENT_LAYER));
    const [n, h, w] = net.shapes[i]!;
    const target = b.input('content_target', [1, n, h, w]);
    const diff = b.op('Sub', [net.y[i]!, target]);
    content = asVector(b, b.op('Mul', [sumSquares(b, diff), b.floats('half', [1], [0.5])]));
    dY[i]!.push(b.op('Mul', [diff, alpha!]));
  }

  let style = zero;
  if (spec.styleLayers.length > 0) {
    const k = spec.styleLayers.length;
    const layerWeights = b.input('layer_weights', [k]);
    const twoScales: number[] = [];
    const terms: { i: number; f: string; diff: string; shape: [number, number, number] }[] = [];
    const energies = spec.styleLayers.map((layer) => {
      const i = VGG_CONV_LAYERS.indexOf(convOf(layer));
      const shape = net.shapes[i]!;
      const [n, h, w] = shape;
      const m = h * w;
      const scale = 1 / (4 * n * n * m * m);
      twoScales.push(2 * scale);
      const { f, g } = gram(b, net.y[i]!, shape);
      const diff = b.op('Sub', [g, b.input(`gram_${layer}`, [n, n])]);
      terms.push({ i, f, diff, shape });
      return asVector(b, b.op('Mul', [sumSquares(b, diff), b.floats('scale', [1], [scale])]));
    });
    const perLayer = k > 1 ? b.op('Concat', energies, { axis: 0 }) : energies[0]!;
    style = asVector(b, sumAll(b, b.op('Mul', [perLayer, layerWeights])));
    // d total / d G_l = beta w_l 2 (G_l - A_l) / (4 N^2 M^2).
    const coefficients = b.op('Mul', [b.op('Mul', [layerWeights, beta!]), b.floats('two_scales', [k], twoScales)]);
    const perLayerCoefficient =
      k > 1 ? b.opN('Split', [coefficients, b.int64s('split_k', Array(k).fill(1))], k, { axis: 0 }) : [coefficients];
    terms.forEach(({ i, f, diff, shape: [n, h, w] }, li) => {
      const dG = b.op('Mul', [diff, perLayerCoefficient[li]!]);
      const dGsym = b.op('Add', [dG, b.op('Transpose', [dG], { perm: [1, 0] })]);
      dY[i]!.push(b.op('Reshape', [b.op('MatMul', [dGsym, f]), b.int64s('map_shape', [1, n, h, w])]));
    });
  }

  // Back through the network, from the deepest layer to the picture.
  let dRgb: string | null = null;
  let fromAbove: string | null = null;
  for (let i = deepest; i >= 0; i--) {
    const parts = fromAbove ? [...dY[i]!, fromAbove] : dY[i]!;
    if (parts.length === 0) throw new Error(`no gradient reaches layer ${i}`);
    const dy = parts.length > 1 ? b.op('Sum', parts) : parts[0]!;
    const dz = b.op('Mul', [dy, b.op('Sign', [net.y[i]!])]);
    const dx = b.op('Conv', [dz, net.backKernels[i]!], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
    if (i === 0) dRgb = dx;
    else if (net.pooledBefore[i]) fromAbove = poolBackward(b, dx, net.shapes[i - 1]!);
    else fromAbove = dx;
  }

  let tv = zero;
  if (spec.totalVariation) {
    const { value, grad } = totalVariation(b, rgb, tvWeight!, height, width);
    tv = value;
    dRgb = dRgb ? b.op('Add', [dRgb, grad]) : grad;
  }

  b.output('parts', b.op('Concat', [content, style, tv], { axis: 0 }), [3]);
  let dImage = dRgb!;
  if (channels === 1) dImage = b.op('ReduceSum', [dImage, b.int64s('channel_axis', [1])], { keepdims: 1 });
  b.output('grad', b.op('Transpose', [dImage], { perm: [0, 2, 3, 1] }), [1, height, width, channels]);
  return b.encode();
}

/** Average pooling's input gradient: dy [1, C, h, w] to [1, C, H, W] (H = 2h or 2h + 1). */
function poolBackward(b: GraphBuilder, dy: string, [, height, width]: [number, number, number]): string {
  const quarter = b.op('Mul', [dy, b.floats('quarter', [1], [0.25])]);
  const up = b.op('Resize', [quarter, '', b.floats('up2', [4], [1, 1, 2, 2])], {
    mode: 'nearest',
    coordinate_transformation_mode: 'asymmetric',
    nearest_mode: 'floor',
  });
  const padH = height % 2;
  const padW = width % 2;
  if (!padH && !padW) return up;
  return b.op('Pad', [up, b.int64s('pool_pads', [0, 0, 0, 0, 0, 0, padH, padW])]);
}

/** TV of the RGB picture and its gradient times tvWeight: 2 tvWeight (d[j-1] - d[j]) along each axis. */
function totalVariation(b: GraphBuilder, rgb: string, tvWeight: string, height: number, width: number): { value: string; grad: string } {
  const along = (axis: 2 | 3, size: number) => {
    const axes = b.int64s('axis', [axis]);
    const d = b.op('Sub', [
      b.op('Slice', [rgb, b.int64s('start', [1]), b.int64s('end', [size]), axes]),
      b.op('Slice', [rgb, b.int64s('start', [0]), b.int64s('end', [size - 1]), axes]),
    ]);
    const before = Array(8).fill(0);
    const after = Array(8).fill(0);
    before[axis] = 1;
    after[axis + 4] = 1;
    const grad = b.op('Sub', [b.op('Pad', [d, b.int64s('pads', before)]), b.op('Pad', [d, b.int64s('pads', after)])]);
    return { value: sumSquares(b, d), grad };
  };
  const x = along(3, width);
  const y = along(2, height);
  const value = asVector(b, b.op('Add', [x.value, y.value]));
  const grad = b.op('Mul', [b.op('Add', [x.grad, y.grad]), b.op('Mul', [tvWeight, b.floats('two', [1], [2])])]);
  return { value, grad };
}

export interface FeaturesGraphSpec {
  /** Layers whose Gram matrix G = F F^T is returned (outputs `gram_<layer>`, [N, N], not scaled). */
  grams: readonly FeatureLayer[];
  /** Whether relu4_2 is returned (output `content`, NCHW [1, 512, H/8, W/8]), the content target. */
  content: boolean;
}

/**
 * Forward only, for any picture size: an RGB picture `image` [1, H, W, 3] (0..255) in, its Gram matrices and/or
 * content features out. Used for the targets and the style distance.
 */
export function buildFeaturesGraph(weights: OnnxVggWeights, spec: FeaturesGraphSpec): Uint8Array {
  const layers: FeatureLayer[] = [...spec.grams, ...(spec.content ? [CONTENT_LAYER as FeatureLayer] : [])];
  if (layers.length === 0) throw new Error('The features graph has no output.');
  const b = new GraphBuilder('vgg19_features');
  const image = b.input('image', [1, 'height', 'width', 3]);
  const rgb = b.op('Transpose', [image], { perm: [0, 3, 1, 2] });
  // Spatial sizes are unknown here (0): only the channel counts are used below.
  const net = forwardVgg(b, weights, rgb, 0, 0, deepestIndex(layers), false);
  for (const layer of spec.grams) {
    const i = VGG_CONV_LAYERS.indexOf(convOf(layer));
    const n = net.shapes[i]![0];
    b.output(`gram_${layer}`, gram(b, net.y[i]!, net.shapes[i]!).g, [n, n]);
  }
  if (spec.content) {
    const i = VGG_CONV_LAYERS.indexOf(convOf(CONTENT_LAYER));
    b.output('content', net.y[i]!, [1, net.shapes[i]![0], 'content_height', 'content_width']);
  }
  return b.encode();
}

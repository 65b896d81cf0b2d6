/// <reference types="@webgpu/types" />
// The Gatys objective (losses.ts: content at relu4_2, Gram matrices at relu1_1..relu5_1, optional total variation)
// and its image gradient as a fixed list of our own dispatches over buffers made once per picture size: forward
// through VGG-19 (average pooling) as deep as the losses need, the loss terms with their gradients written out, and
// the backward pass down to the pixels. Nothing in it goes through TensorFlow.js; the targets come from it once.
import type * as tf from '@tensorflow/tfjs';
import { CONTENT_LAYER, type GatysTargets } from '../losses.js';
import type { Vgg, VggFeatureLayer } from '../vgg.js';
import { VGG_CONV_LAYERS, type VggConvLayer } from '../vgg-layers.js';
import {
  addIntoKernel,
  contentLossKernel,
  imageGradientKernel,
  lossTotalsKernel,
  poolBackwardKernel,
  poolForwardKernel,
  preprocessKernel,
  styleLossKernel,
  type KernelCall,
} from './objective-kernels.js';
import { PassList, writeFloats } from './pass-list.js';
import type { ComputeKernel } from './kernel.js';
import { conv3x3Kernel, GRAM_PARTIAL_TILE, gramBackwardKernel, gramPartialKernel, type KernelWithUniforms } from './tfjs-bodies.js';
import { partialCount } from './wgsl-common.js';
import {
  subgroupMatrixConv3x3Backward,
  subgroupMatrixConv3x3Forward,
  subgroupMatrixGram,
  subgroupMatrixGramBackward,
  type SubgroupMatrixShape,
} from '../wgsl/subgroup-matrix.js';

/** The 2x2 pooling follows these layers (vgg.ts). */
const POOL_AFTER = new Set<VggConvLayer>(['conv1_2', 'conv2_2', 'conv3_4', 'conv4_4']);

/** One conv layer's weights on the device: kernel [3, 3, cin, cout], bias [cout], backward kernel [3, 3, cout, cin]. */
interface DeviceConv {
  kernel: GPUBuffer;
  bias: GPUBuffer;
  backKernel: GPUBuffer;
  cin: number;
  cout: number;
}

export type DeviceVgg = Map<VggConvLayer, DeviceConv>;

const deviceWeights = new WeakMap<GPUDevice, WeakMap<Vgg, Promise<DeviceVgg>>>();

/**
 * The network's weights copied into buffers of `device`, once per device and network (read from the tfjs tensors of
 * a custom-gradient Vgg, whose backward kernels are already rotated). About 153 MB x 2 for VGG-19's 16 conv layers.
 */
export function deviceVgg(device: GPUDevice, vgg: Vgg): Promise<DeviceVgg> {
  let perDevice = deviceWeights.get(device);
  if (!perDevice) deviceWeights.set(device, (perDevice = new WeakMap()));
  let pending = perDevice.get(vgg);
  if (!pending) {
    pending = upload(device, vgg);
    perDevice.set(vgg, pending);
  }
  return pending;
}

async function upload(device: GPUDevice, vgg: Vgg): Promise<DeviceVgg> {
  const out: DeviceVgg = new Map();
  const buffer = async (label: string, t: tf.Tensor) => {
    const data = (await t.data()) as Float32Array;
    const b = device.createBuffer({ label, size: Math.max(16, Math.ceil(data.byteLength / 16) * 16), usage: 0x80 | 0x08 });
    writeFloats(device, b, data);
    return b;
  };
  for (const [name, conv] of vgg.layers) {
    if (!conv.backKernel) throw new Error('the recorded iteration needs a custom-gradient Vgg (backward kernels)');
    const [, , cin, cout] = conv.kernel.shape;
    out.set(name, {
      kernel: await buffer(`${name} kernel`, conv.kernel),
      bias: await buffer(`${name} bias`, conv.bias),
      backKernel: await buffer(`${name} back kernel`, conv.backKernel),
      cin: cin!,
      cout: cout!,
    });
  }
  return out;
}

/** What the objective compares against, as plain numbers (losses.ts computeTargets, read back once). */
export interface ObjectiveTargets {
  /** relu4_2 features of the content photo [h/8, w/8, 512] (floor at each pooling), or none. */
  content?: Float32Array;
  /** The blended Gram target [n, n] of each style layer that has a weight, with that weight. */
  styles: { layer: VggFeatureLayer; gram: Float32Array; weight: number }[];
}

/** The targets computed by tfjs (losses.ts computeTargets), read back once as plain numbers. */
export async function objectiveTargetsOf(targets: GatysTargets): Promise<ObjectiveTargets> {
  return {
    content: targets.content ? ((await targets.content.data()) as Float32Array) : undefined,
    styles: await Promise.all(
      targets.styles.map(async (s) => ({ layer: s.layer, gram: (await s.gram.data()) as Float32Array, weight: s.weight })),
    ),
  };
}

export interface ObjectiveShape {
  height: number;
  width: number;
  /** 3 for RGB; 1 for a grey picture (luminance mode), used for all three channels. */
  channels: 1 | 3;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
}

/**
 * Tensor cores: the convolutions and Gram matrices on subgroup matrices (wgsl/subgroup-matrix.ts: f16 operands,
 * f32 sums) instead of the fp32 kernels. `emulate` runs the same kernels with the matrix ops in plain WGSL (needs
 * only shader-f16 and subgroups: how lavapipe checks them).
 */
export interface TensorCoreOptions {
  shape: SubgroupMatrixShape;
  /** adapter.info.subgroupMaxSize. */
  subgroupSize: number;
  emulate?: boolean;
  /**
   * A power of two the loss gradients are multiplied by before the backward pass (and the image gradient divided
   * by after it), so that every gradient the f16 operands carry stays within f16's range (largest 65504): the
   * backward pass is linear in them. The image gradient of the Gatys loss reaches ~1e9-1e10 at the default
   * weights. Default 1.
   */
  gradientScale?: number;
}

/**
 * Whether a conv layer's passes go on subgroup matrices: not conv1_1, whose 3 image channels would fill a matrix
 * op's K (forward) or N (input gradient) with zeros; its fp32 kernels have a narrow tiling for exactly that.
 */
function onMatrices(l: { cin: number; cout: number }): boolean {
  return Math.min(l.cin, l.cout) >= 16;
}

/** The objective's passes and the buffers a caller reads or fills. */
export interface RecordedObjective {
  passes: PassList;
  /** The picture [h, w, channels], 0..255: written by the caller (and by L-BFGS's step). */
  image: GPUBuffer;
  /** The gradient of the weighted total with respect to the picture [h, w, channels]. */
  gradient: GPUBuffer;
  /** [content, style, tv, weighted total] of the picture at the time of the last run. */
  losses: GPUBuffer;
}

/**
 * Builds the objective for one picture size. Layout of every map: NHWC without the batch, float32.
 * Throws RangeError when a buffer would exceed the device's binding limit (the caller then keeps tfjs's path).
 */
export function buildObjective(
  device: GPUDevice,
  weights: DeviceVgg,
  shape: ObjectiveShape,
  targets: ObjectiveTargets,
  tensorCores: TensorCoreOptions | null = null,
): RecordedObjective {
  const passes = new PassList(device);
  try {
    return layOutObjective(passes, weights, shape, targets, tensorCores);
  } catch (err) {
    passes.destroy(); // a refusal halfway must not keep the buffers made so far
    throw err;
  }
}

function layOutObjective(
  passes: PassList,
  weights: DeviceVgg,
  shape: ObjectiveShape,
  targets: ObjectiveTargets,
  tensorCores: TensorCoreOptions | null,
): RecordedObjective {
  const device = passes.device;
  const { height: h0, width: w0, channels } = shape;
  const maxWorkgroupBytes = device.limits.maxComputeWorkgroupStorageSize;
  const add = (call: KernelCall, buffers: GPUBuffer[]) =>
    passes.add(call.kernel, [...buffers, passes.uniform(call.kernel.label, call.params)]);
  const addTfjs = (call: KernelWithUniforms, buffers: GPUBuffer[]) =>
    passes.add(call.kernel, [...buffers, passes.uniform(call.kernel.label, call.uniforms)]);
  const matrixOptions = tensorCores ? { ...tensorCores, maxWorkgroupBytes } : null;
  const gradientScale = tensorCores?.gradientScale ?? 1;
  const addMatrix = (kernel: ComputeKernel, buffers: GPUBuffer[], params: Uint32Array) =>
    passes.add(kernel, [...buffers, passes.uniform(kernel.label, params)]);

  const hasContent = targets.content !== undefined && shape.contentWeight > 0;
  const styleOf = new Map(
    targets.styles.filter((s) => s.weight > 0 && shape.styleWeight > 0).map((s) => [`conv${s.layer.slice(4)}` as VggConvLayer, s]),
  );
  const contentConv = `conv${CONTENT_LAYER.slice(4)}` as VggConvLayer;
  const wanted = new Set<VggConvLayer>([...styleOf.keys(), ...(hasContent ? [contentConv] : [])]);
  const deepest = Math.max(-1, ...VGG_CONV_LAYERS.map((l, i) => (wanted.has(l) ? i : -1)));
  if (deepest < 0) throw new RangeError('nothing to paint: no content or style term has a weight');

  const image = passes.storage('image', h0 * w0 * channels);
  const gradient = passes.storage('image gradient', h0 * w0 * channels);
  const losses = passes.storage('losses', 4);

  // Loss partial sums: content, then the style layers, then TV (see objective-kernels.ts).
  const layerShapes: { name: VggConvLayer; h: number; w: number; cin: number; cout: number }[] = [];
  let h = h0;
  let w = w0;
  for (let i = 0; i <= deepest; i++) {
    const name = VGG_CONV_LAYERS[i]!;
    const conv = weights.get(name)!;
    if (i > 0 && POOL_AFTER.has(VGG_CONV_LAYERS[i - 1]!)) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
    layerShapes.push({ name, h, w, cin: conv.cin, cout: conv.cout });
  }
  if (layerShapes.some((l) => l.h < 1 || l.w < 1)) throw new RangeError(`${w0}x${h0} is too small for VGG-19's poolings`);
  const contentLayer = layerShapes.find((l) => l.name === contentConv);
  const contentCount = hasContent ? contentLayer!.h * contentLayer!.w * contentLayer!.cout : 0;
  const contentGroups = hasContent ? partialCount(contentCount) : 0;
  let next = contentGroups;
  const styleOffsets = new Map<VggConvLayer, number>();
  for (const l of layerShapes) {
    if (!styleOf.has(l.name)) continue;
    styleOffsets.set(l.name, next);
    next += partialCount(l.cout * l.cout);
  }
  const styleGroups = next - contentGroups;
  const tvCount = shape.tvWeight > 0 ? partialCount(h0 * w0 * channels) : 0;
  const tvStart = next;
  const lossPartials = passes.storage('loss partials', next + tvCount);

  // ---- forward
  const maxMap = Math.max(h0 * w0 * 3, ...layerShapes.map((l) => l.h * l.w * l.cout));
  const pre = passes.storage('preprocessed', h0 * w0 * 3);
  add(preprocessKernel(h0 * w0, channels), [pre, image]);
  const outputs = new Map<VggConvLayer, GPUBuffer>();
  let input = pre;
  for (const [i, l] of layerShapes.entries()) {
    const conv = weights.get(l.name)!;
    if (i > 0 && POOL_AFTER.has(VGG_CONV_LAYERS[i - 1]!)) {
      const prev = layerShapes[i - 1]!;
      const pooled = passes.storage(`pool after ${prev.name}`, l.h * l.w * prev.cout);
      add(poolForwardKernel(prev.h, prev.w, prev.cout), [pooled, input]);
      input = pooled;
    }
    const y = passes.storage(`relu${l.name.slice(4)}`, l.h * l.w * l.cout);
    if (matrixOptions && onMatrices(l)) {
      addMatrix(
        subgroupMatrixConv3x3Forward(l, matrixOptions),
        [input, conv.kernel, conv.bias, y],
        Uint32Array.of(l.h, l.w, l.cin, l.cout),
      );
    } else {
      addTfjs(conv3x3Kernel('forward', l.h, l.w, l.cin, l.cout, maxWorkgroupBytes), [y, input, conv.kernel, conv.bias]);
    }
    outputs.set(l.name, y);
    input = y;
  }

  // ---- losses (and their gradients with respect to the features)
  const gramGrads = new Map<VggConvLayer, GPUBuffer>();
  // G per style layer: pass 1 writes per-chunk partial products into one shared scratch; the style loss kernel sums
  // them (fp32 kernels: the upper-triangle tiles, mirrored there) or, with tensor cores, reads G from their reduce pass.
  const gramPlans = [...styleOf.keys()].map((name) => {
    const l = layerShapes.find((s) => s.name === name)!;
    const positions = l.h * l.w;
    if (matrixOptions) {
      const kernels = subgroupMatrixGram(positions, l.cout, matrixOptions);
      return { l, positions, scratchFloats: kernels.partialBytes / 4, matrix: kernels, fp32: null };
    }
    const call = gramPartialKernel(positions, l.cout);
    return { l, positions, scratchFloats: call.split.chunks * l.cout * l.cout, matrix: null, fp32: call };
  });
  const gramScratch = passes.storage('gram partials', Math.max(1, ...gramPlans.map((g) => g.scratchFloats)));
  const gramFull = matrixOptions ? passes.storage('gram', Math.max(1, ...gramPlans.map((g) => g.l.cout * g.l.cout))) : null;
  for (const { l, positions, matrix, fp32 } of gramPlans) {
    const style = styleOf.get(l.name)!;
    const n = l.cout;
    if (style.gram.length !== n * n) throw new Error(`style target for ${style.layer} has ${style.gram.length} values, expected ${n * n}`);
    const target = passes.storage(`${style.layer} Gram target`, n * n);
    writeFloats(device, target, style.gram);
    const dG = passes.storage(`${style.layer} dG`, n * n);
    const scale = style.weight / (4 * n * n * positions * positions);
    if (matrix) {
      addMatrix(matrix.partial, [outputs.get(l.name)!, gramScratch], matrix.partialParams);
      addMatrix(matrix.reduce, [gramScratch, gramFull!], matrix.reduceParams);
      // One "chunk", the whole G, and no tile below the diagonal to mirror.
      add(styleLossKernel(n, 1, n, scale, shape.styleWeight * gradientScale, styleOffsets.get(l.name)!), [
        dG,
        gramFull!,
        target,
        lossPartials,
      ]);
    } else {
      addTfjs(fp32!, [gramScratch, outputs.get(l.name)!]);
      add(styleLossKernel(n, fp32!.split.chunks, GRAM_PARTIAL_TILE, scale, shape.styleWeight * gradientScale, styleOffsets.get(l.name)!), [
        dG,
        gramScratch,
        target,
        lossPartials,
      ]);
    }
    gramGrads.set(l.name, dG);
  }
  let contentGrad: GPUBuffer | null = null;
  if (hasContent) {
    if (targets.content!.length !== contentCount)
      throw new Error(`content target has ${targets.content!.length} values, expected ${contentCount}`);
    const target = passes.storage('content target', contentCount);
    writeFloats(device, target, targets.content!);
    contentGrad = passes.storage('content gradient', contentCount);
    add(contentLossKernel(contentCount, shape.contentWeight * gradientScale, 0), [
      contentGrad,
      outputs.get(contentConv)!,
      target,
      lossPartials,
    ]);
  }

  // ---- backward: the gradient flows through two buffers in turn; loss gradients are added where their layer is.
  const flows = [passes.storage('gradient flow A', maxMap), passes.storage('gradient flow B', maxMap)];
  const scratch = passes.storage('gradient scratch', maxMap);
  const otherThan = (b: GPUBuffer) => (b === flows[0] ? flows[1]! : flows[0]!);
  let current: GPUBuffer | null = null; // the gradient at the current layer's output
  let dPre: GPUBuffer | null = null;
  for (let i = layerShapes.length - 1; i >= 0; i--) {
    const l = layerShapes[i]!;
    const count = l.h * l.w * l.cout;
    const dG = gramGrads.get(l.name);
    if (dG) {
      const into: GPUBuffer = current ?? flows[0]!;
      const result = current ? scratch : into;
      if (matrixOptions) {
        const positions = l.h * l.w;
        addMatrix(
          subgroupMatrixGramBackward(positions, l.cout, matrixOptions),
          [outputs.get(l.name)!, dG, result],
          Uint32Array.of(positions, l.cout, 0, 0),
        );
      } else {
        addTfjs(gramBackwardKernel(l.h * l.w, l.cout), [result, outputs.get(l.name)!, dG]);
      }
      if (current) add(addIntoKernel(count), [current, scratch]);
      current = into;
    }
    if (l.name === contentConv && contentGrad) {
      if (current) add(addIntoKernel(count), [current, contentGrad]);
      else current = contentGrad;
    }
    if (!current) throw new Error(`no gradient reaches ${l.name}`);
    const below = otherThan(current);
    const backKernel = weights.get(l.name)!.backKernel;
    if (matrixOptions && onMatrices(l)) {
      const pass = { h: l.h, w: l.w, cin: l.cout, cout: l.cin };
      addMatrix(
        subgroupMatrixConv3x3Backward(pass, matrixOptions),
        [current, outputs.get(l.name)!, backKernel, below],
        Uint32Array.of(pass.h, pass.w, pass.cin, pass.cout),
      );
    } else {
      addTfjs(conv3x3Kernel('backward', l.h, l.w, l.cout, l.cin, maxWorkgroupBytes), [below, current, outputs.get(l.name)!, backKernel]);
    }
    current = below;
    if (i === 0) {
      dPre = current;
    } else if (POOL_AFTER.has(VGG_CONV_LAYERS[i - 1]!)) {
      const prev = layerShapes[i - 1]!;
      const unpooled = otherThan(current);
      add(poolBackwardKernel(prev.h, prev.w, prev.cout), [unpooled, current]);
      current = unpooled;
    }
  }
  add(imageGradientKernel(h0, w0, channels, shape.tvWeight, tvStart, 1 / gradientScale), [gradient, dPre!, image, lossPartials]);
  add(lossTotalsKernel({ content: [0, contentGroups], style: [contentGroups, styleGroups], tv: [tvStart, tvCount] }, shape), [
    losses,
    lossPartials,
  ]);
  return { passes, image, gradient, losses };
}

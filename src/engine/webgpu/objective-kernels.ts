// The recorded iteration's own kernels for the parts of the Gatys objective that are not convolutions or Gram
// products (those are webgpu/tfjs-bodies.ts): VGG preprocessing, 2x2 average pooling and its gradient, the content
// and style losses with their gradients, the image gradient with total variation, and the loss sums.
// Loss terms write one partial sum per workgroup into a shared buffer; lossTotals adds them up at the end, so no
// kernel needs atomics and every run adds in the same order.
import { VGG_MEAN_BGR } from '../vgg.js';
import type { ComputeKernel } from './kernel.js';
import { elementGrid, moduleOf, packParams, partialCount, THREADS, type Param } from './wgsl-common.js';

export interface KernelCall {
  kernel: ComputeKernel;
  params: ArrayBuffer;
}

const f32 = 'array<f32>';

/** RGB 0..255 [pixels, channels] (channels 1: grey, used for all three) -> BGR minus the ImageNet means [pixels, 3]. */
export function preprocessKernel(pixels: number, channels: 1 | 3): KernelCall {
  const fields: Param[] = [
    ['pixels', 'u32'],
    ['channels', 'u32'],
  ];
  const [b, g, r] = VGG_MEAN_BGR;
  const body = `
  if (i < params.pixels * 3u) {
    let p = i / 3u;
    let c = i - p * 3u;
    var source = p;
    if (params.channels == 3u) { source = p * 3u + 2u - c; }
    let mean = array<f32, 3>(${b}, ${g}, ${r});
    result[i] = image[source] - mean[c];
  }`;
  return {
    kernel: moduleOf(
      'preprocess',
      [
        { name: 'result', kind: 'read_write', type: f32 },
        { name: 'image', kind: 'read', type: f32 },
      ],
      fields,
      body,
      elementGrid(pixels * 3),
    ),
    params: packParams(fields, { pixels, channels }),
  };
}

const poolFields: Param[] = [
  ['h', 'u32'],
  ['w', 'u32'],
  ['c', 'u32'],
  ['ho', 'u32'],
  ['wo', 'u32'],
];

/** 2x2 stride-2 VALID average pooling of [h, w, c] to [floor(h/2), floor(w/2), c]. */
export function poolForwardKernel(h: number, w: number, c: number): KernelCall {
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  const body = `
  if (i < params.ho * params.wo * params.c) {
    let ch = i % params.c;
    let p = i / params.c;
    let oy = p / params.wo;
    let ox = p - oy * params.wo;
    let a = ((2u * oy) * params.w + 2u * ox) * params.c + ch;
    let below = a + params.w * params.c;
    result[i] = 0.25 * (src[a] + src[a + params.c] + src[below] + src[below + params.c]);
  }`;
  return {
    kernel: moduleOf(
      'avg pool',
      [
        { name: 'result', kind: 'read_write', type: f32 },
        { name: 'src', kind: 'read', type: f32 },
      ],
      poolFields,
      body,
      elementGrid(ho * wo * c),
    ),
    params: packParams(poolFields, { h, w, c, ho, wo }),
  };
}

/** The gradient of poolForwardKernel: every input position gets a quarter of its window's dy (0 outside any window). */
export function poolBackwardKernel(h: number, w: number, c: number): KernelCall {
  const ho = Math.floor(h / 2);
  const wo = Math.floor(w / 2);
  const body = `
  if (i < params.h * params.w * params.c) {
    let ch = i % params.c;
    let p = i / params.c;
    let y = p / params.w;
    let x = p - y * params.w;
    var v = 0.0;
    if (y / 2u < params.ho && x / 2u < params.wo) { v = 0.25 * dy[((y / 2u) * params.wo + x / 2u) * params.c + ch]; }
    result[i] = v;
  }`;
  return {
    kernel: moduleOf(
      'avg pool backward',
      [
        { name: 'result', kind: 'read_write', type: f32 },
        { name: 'dy', kind: 'read', type: f32 },
      ],
      poolFields,
      body,
      elementGrid(h * w * c),
    ),
    params: packParams(poolFields, { h, w, c, ho, wo }),
  };
}

/** sum += addend over `count` values. */
export function addIntoKernel(count: number): KernelCall {
  const fields: Param[] = [['count', 'u32']];
  return {
    kernel: moduleOf(
      'add into',
      [
        { name: 'sum', kind: 'read_write', type: f32 },
        { name: 'addend', kind: 'read', type: f32 },
      ],
      fields,
      'if (i < params.count) { sum[i] = sum[i] + addend[i]; }',
      elementGrid(count),
    ),
    params: packParams(fields, { count }),
  };
}

/**
 * Content loss 1/2 sum (F - P)^2 (Gatys et al. 2015, eq. 1): writes the weighted gradient contentWeight (F - P)
 * and one partial sum of the unweighted loss per workgroup at lossPartials[offset + workgroup].
 */
export function contentLossKernel(count: number, contentWeight: number, offset: number): KernelCall {
  const fields: Param[] = [
    ['count', 'u32'],
    ['weight', 'f32'],
    ['offset', 'u32'],
    ['groups', 'u32'],
  ];
  const body = `
  var loss = 0.0;
  if (i < params.count) {
    let diff = features[i] - wanted[i];
    gradient[i] = params.weight * diff;
    loss = 0.5 * diff * diff;
  }
  let total = workgroupSum(loss, t);
  if (t == 0u && wg < params.groups) { lossPartials[params.offset + wg] = total; }`;
  return {
    kernel: moduleOf(
      'content loss',
      [
        { name: 'gradient', kind: 'read_write', type: f32 },
        { name: 'features', kind: 'read', type: f32 },
        { name: 'wanted', kind: 'read', type: f32 },
        { name: 'lossPartials', kind: 'read_write', type: f32 },
      ],
      fields,
      body,
      elementGrid(count),
    ),
    params: packParams(fields, { count, weight: contentWeight, offset, groups: partialCount(count) }),
  };
}

/**
 * One style layer (Gatys et al. 2015, eq. 4-5), from the Gram kernel's per-chunk partial products: G = the sum of
 * the chunks (tiles below the diagonal read from their mirror, which pass 1 computed), E = scale sum (G - A)^2 with
 * scale = layerWeight / (4 N^2 M^2); writes dG = styleWeight * 2 scale (G - A) [n, n] and partial sums of E.
 */
export function styleLossKernel(n: number, chunks: number, tile: number, scale: number, styleWeight: number, offset: number): KernelCall {
  const fields: Param[] = [
    ['n', 'u32'],
    ['chunks', 'u32'],
    ['tile', 'u32'],
    ['scale', 'f32'],
    ['gradScale', 'f32'],
    ['offset', 'u32'],
    ['groups', 'u32'],
  ];
  const body = `
  var loss = 0.0;
  let n = params.n;
  if (i < n * n) {
    let r = i / n;
    let c = i - r * n;
    var src = i;
    if (r / params.tile > c / params.tile) { src = c * n + r; }
    var g = 0.0;
    for (var s = 0u; s < params.chunks; s = s + 1u) { g = g + partials[s * n * n + src]; }
    let diff = g - wanted[i];
    dG[i] = params.gradScale * diff;
    loss = params.scale * diff * diff;
  }
  let total = workgroupSum(loss, t);
  if (t == 0u && wg < params.groups) { lossPartials[params.offset + wg] = total; }`;
  return {
    kernel: moduleOf(
      'style loss',
      [
        { name: 'dG', kind: 'read_write', type: f32 },
        { name: 'partials', kind: 'read', type: f32 },
        { name: 'wanted', kind: 'read', type: f32 },
        { name: 'lossPartials', kind: 'read_write', type: f32 },
      ],
      fields,
      body,
      elementGrid(n * n),
    ),
    params: packParams(fields, { n, chunks, tile, scale, gradScale: 2 * styleWeight * scale, offset, groups: partialCount(n * n) }),
  };
}

/**
 * The gradient of the weighted total with respect to the image [h, w, channels] (0..255): the network's gradient
 * at the preprocessed BGR input [h, w, 3] back to RGB (summed over the three for a grey image), plus tvWeight times
 * the gradient of the squared total variation (losses.ts totalVariation; a grey image counts three times, as the
 * tfjs objective tiles it to RGB); with tvWeight > 0 also partial sums of the unweighted TV. The network's gradient
 * is multiplied by `unscale` first (the inverse of the factor the loss gradients were scaled by to suit f16).
 */
export function imageGradientKernel(h: number, w: number, channels: 1 | 3, tvWeight: number, offset: number, unscale = 1): KernelCall {
  const fields: Param[] = [
    ['h', 'u32'],
    ['w', 'u32'],
    ['channels', 'u32'],
    ['tvWeight', 'f32'],
    ['copies', 'f32'],
    ['offset', 'u32'],
    ['groups', 'u32'],
    ['tv', 'u32'],
    ['unscale', 'f32'],
  ];
  const count = h * w * channels;
  const body = `
  var loss = 0.0;
  let C = params.channels;
  if (i < params.h * params.w * C) {
    let c = i % C;
    let p = i / C;
    var g = 0.0;
    if (C == 3u) { g = dPre[p * 3u + 2u - c]; } else { g = dPre[p * 3u] + dPre[p * 3u + 1u] + dPre[p * 3u + 2u]; }
    g = g * params.unscale;
    if (params.tv == 1u) {
      let y = p / params.w;
      let x = p - y * params.w;
      let v = image[i];
      var tvGrad = 0.0;
      if (x + 1u < params.w) { let d = image[i + C] - v; loss = loss + d * d; tvGrad = tvGrad - 2.0 * d; }
      if (y + 1u < params.h) { let d = image[i + params.w * C] - v; loss = loss + d * d; tvGrad = tvGrad - 2.0 * d; }
      if (x > 0u) { tvGrad = tvGrad + 2.0 * (v - image[i - C]); }
      if (y > 0u) { tvGrad = tvGrad + 2.0 * (v - image[i - params.w * C]); }
      g = g + params.tvWeight * params.copies * tvGrad;
      loss = loss * params.copies;
    }
    gradient[i] = g;
  }
  if (params.tv == 1u) {
    let total = workgroupSum(loss, t);
    if (t == 0u && wg < params.groups) { lossPartials[params.offset + wg] = total; }
  }`;
  return {
    kernel: moduleOf(
      'image gradient',
      [
        { name: 'gradient', kind: 'read_write', type: f32 },
        { name: 'dPre', kind: 'read', type: f32 },
        { name: 'image', kind: 'read', type: f32 },
        { name: 'lossPartials', kind: 'read_write', type: f32 },
      ],
      fields,
      body,
      elementGrid(count),
    ),
    params: packParams(fields, {
      h,
      w,
      channels,
      tvWeight,
      copies: channels === 1 ? 3 : 1,
      offset,
      groups: partialCount(count),
      tv: tvWeight > 0 ? 1 : 0,
      unscale,
    }),
  };
}

/** Where each loss term's partial sums lie in the partials buffer. */
export interface LossRanges {
  content: [start: number, count: number];
  style: [start: number, count: number];
  tv: [start: number, count: number];
}

/** losses = [content, style, tv, contentWeight content + styleWeight style + tvWeight tv] from the partial sums (one workgroup). */
export function lossTotalsKernel(
  ranges: LossRanges,
  weights: { contentWeight: number; styleWeight: number; tvWeight: number },
): KernelCall {
  const fields: Param[] = [
    ['contentStart', 'u32'],
    ['contentCount', 'u32'],
    ['styleStart', 'u32'],
    ['styleCount', 'u32'],
    ['tvStart', 'u32'],
    ['tvCount', 'u32'],
    ['contentWeight', 'f32'],
    ['styleWeight', 'f32'],
    ['tvWeight', 'f32'],
  ];
  const body = `
  let content = workgroupSum(rangeSum(params.contentStart, params.contentCount, t), t);
  let style = workgroupSum(rangeSum(params.styleStart, params.styleCount, t), t);
  let tv = workgroupSum(rangeSum(params.tvStart, params.tvCount, t), t);
  if (t == 0u) {
    losses[0] = content;
    losses[1] = style;
    losses[2] = tv;
    losses[3] = params.contentWeight * content + params.styleWeight * style + params.tvWeight * tv;
  }`;
  const extra = `
fn rangeSum(start : u32, count : u32, t : u32) -> f32 {
  var s = 0.0;
  for (var k = t; k < count; k = k + ${THREADS}u) { s = s + lossPartials[start + k]; }
  return s;
}`;
  return {
    kernel: moduleOf(
      'loss totals',
      [
        { name: 'losses', kind: 'read_write', type: f32 },
        { name: 'lossPartials', kind: 'read', type: f32 },
      ],
      fields,
      body,
      [1, 1, 1],
      extra,
    ),
    params: packParams(fields, {
      contentStart: ranges.content[0],
      contentCount: ranges.content[1],
      styleStart: ranges.style[0],
      styleCount: ranges.style[1],
      tvStart: ranges.tv[0],
      tvCount: ranges.tv[1],
      ...weights,
    }),
  };
}

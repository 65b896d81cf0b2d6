// The whole Gatys objective in float64 plain JavaScript, built from reference64.ts's blocks: the yardstick for the
// ONNX graph's losses (with the real VGG-19 weights at 32 px) and, by finite differences, for its image gradient
// (with small random weights of the same layer structure). Slow on purpose; tests only.
import { conv64, gram64, pool64, type Map64 } from './reference64.js';
import { VGG_CONV_LAYERS } from '../../../src/engine/vgg-layers.js';
import type { FeatureLayer, OnnxVggWeights } from '../../../src/engine/onnx/gatys-graph.js';

const VGG_MEAN_BGR = [103.939, 116.779, 123.68];
const POOL_AFTER = new Set(['conv1_2', 'conv2_2', 'conv3_4', 'conv4_4']);

/** relu outputs (HWC) of VGG-19 from an RGB picture (HWC, 3 channels, 0..255), up to layer index `deepest`. */
export function vggFeatures64(weights: OnnxVggWeights, rgb: Map64, deepest: number): Map64[] {
  const v = new Float64Array(rgb.v.length);
  for (let p = 0; p < rgb.h * rgb.w; p++) for (let c = 0; c < 3; c++) v[p * 3 + c] = rgb.v[p * 3 + 2 - c]! - VGG_MEAN_BGR[c]!;
  let x: Map64 = { h: rgb.h, w: rgb.w, c: 3, v };
  const out: Map64[] = [];
  for (let i = 0; i <= deepest; i++) {
    const name = VGG_CONV_LAYERS[i]!;
    const k = weights.get(name)!;
    const y = conv64(x, { w: Float64Array.from(k.kernel), b: Float64Array.from(k.bias), cin: k.cin, cout: k.cout });
    out.push(y);
    x = POOL_AFTER.has(name) && i < deepest ? pool64(y) : y;
  }
  return out;
}

export const layerIndex = (layer: FeatureLayer) => VGG_CONV_LAYERS.indexOf(`conv${layer.slice(4)}` as (typeof VGG_CONV_LAYERS)[number]);

export interface Targets64 {
  /** relu4_2 of the content picture (HWC). */
  content?: Float64Array;
  /** Gram target per style layer, with its w_l. */
  styles: { layer: FeatureLayer; gram: Float64Array; weight: number }[];
  totalVariation: boolean;
}

/** Unweighted content, style and TV losses of a picture (HWC, 1 or 3 channels, 0..255), as losses.ts defines them. */
export function gatysParts64(weights: OnnxVggWeights, image: Map64, targets: Targets64): { content: number; style: number; tv: number } {
  const rgb: Map64 =
    image.c === 3
      ? image
      : { h: image.h, w: image.w, c: 3, v: Float64Array.from({ length: image.h * image.w * 3 }, (_, i) => image.v[Math.floor(i / 3)]!) };
  const layers = [...targets.styles.map((s) => layerIndex(s.layer)), ...(targets.content ? [layerIndex('relu4_2')] : [])];
  const feats = layers.length > 0 ? vggFeatures64(weights, rgb, Math.max(...layers)) : [];
  let content = 0;
  if (targets.content) {
    const f = feats[layerIndex('relu4_2')]!.v;
    for (let i = 0; i < f.length; i++) content += 0.5 * (f[i]! - targets.content[i]!) ** 2;
  }
  let style = 0;
  for (const s of targets.styles) {
    const f = feats[layerIndex(s.layer)]!;
    const g = gram64(f);
    const m = f.h * f.w;
    let sum = 0;
    for (let i = 0; i < g.length; i++) sum += (g[i]! - s.gram[i]!) ** 2;
    style += (s.weight * sum) / (4 * f.c * f.c * m * m);
  }
  let tv = 0;
  if (targets.totalVariation) {
    const at = (i: number, j: number, c: number) => rgb.v[(i * rgb.w + j) * 3 + c]!;
    for (let i = 0; i < rgb.h; i++)
      for (let j = 0; j < rgb.w; j++)
        for (let c = 0; c < 3; c++) {
          if (j + 1 < rgb.w) tv += (at(i, j + 1, c) - at(i, j, c)) ** 2;
          if (i + 1 < rgb.h) tv += (at(i + 1, j, c) - at(i, j, c)) ** 2;
        }
  }
  return { content, style, tv };
}

/** Gram target of one style picture for an output of outH x outW, rescaled per position as blendGrams does. */
export function gramTarget64(weights: OnnxVggWeights, style: Map64, layer: FeatureLayer, outH: number, outW: number): Float64Array {
  const f = vggFeatures64(weights, style, layerIndex(layer))[layerIndex(layer)]!;
  const pools = Number(layer[4]) - 1;
  const outPositions = Math.floor(outH / 2 ** pools) * Math.floor(outW / 2 ** pools);
  return gram64(f).map((v) => (v * outPositions) / (f.h * f.w));
}

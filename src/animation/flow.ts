// Dense optical flow without learned weights: coarse-to-fine (pyramidal) Lucas-Kanade, Lucas and Kanade (1981),
// Bouguet (2000) for the pyramid. Plain Float32Arrays: animation frames are small (up to a few hundred pixels).
import type { RgbImage } from '../images/index.js';

/** A flow field: at each pixel (x, y) of the target frame, the offset (u, v) in pixels to where it was in the source. */
export interface Flow {
  width: number;
  height: number;
  /** Horizontal offsets, row-major, width x height. */
  u: Float32Array;
  /** Vertical offsets. */
  v: Float32Array;
}

export interface FlowOptions {
  /** Pyramid levels (each half the previous side); fewer when the frame gets smaller than 8 px. Default 4. */
  levels?: number;
  /** Lucas-Kanade window radius in pixels at every level (window 2r+1). Default 4. */
  radius?: number;
  /** Warp-and-solve passes per level. Default 4. */
  passes?: number;
}

/**
 * Backward flow from `source` to `target` (same size): target(x, y) ~ source(x + u, y + v), so warping the source
 * (warp.ts) by it lines the source up with the target. Computed on luminance (0..255), coarse to fine; each level
 * solves the 2x2 Lucas-Kanade system over a (2r+1)^2 window around every pixel and keeps the previous estimate where
 * the window has no texture (smallest eigenvalue under 1e-2 per pixel of window). Throws RangeError on mismatched sizes.
 */
export function lucasKanadeFlow(source: RgbImage, target: RgbImage, opts: FlowOptions = {}): Flow {
  if (source.width !== target.width || source.height !== target.height) {
    throw new RangeError(`flow needs frames of one size, got ${source.width}x${source.height} and ${target.width}x${target.height}`);
  }
  const levels = opts.levels ?? 4;
  const radius = opts.radius ?? 4;
  const passes = opts.passes ?? 4;
  const from = pyramid(luminance(source), source.width, source.height, levels);
  const to = pyramid(luminance(target), target.width, target.height, levels);
  let flow: Flow | undefined;
  for (let level = from.length - 1; level >= 0; level--) {
    const a = from[level]!;
    const b = to[level]!;
    flow = flow
      ? upsampleFlow(flow, a.width, a.height)
      : { width: a.width, height: a.height, u: new Float32Array(a.width * a.height), v: new Float32Array(a.width * a.height) };
    for (let pass = 0; pass < passes; pass++) refine(a, b, flow, radius);
  }
  return flow!;
}

interface Plane {
  width: number;
  height: number;
  data: Float32Array;
}

/** Rec. 601 luma of an RGB image, 0..255. */
export function luminance(img: RgbImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  for (let i = 0; i < out.length; i++) out[i] = 0.299 * img.data[3 * i]! + 0.587 * img.data[3 * i + 1]! + 0.114 * img.data[3 * i + 2]!;
  return out;
}

function pyramid(data: Float32Array, width: number, height: number, levels: number): Plane[] {
  const planes: Plane[] = [{ width, height, data }];
  while (planes.length < levels) {
    const p = planes[planes.length - 1]!;
    if (Math.min(p.width, p.height) < 16) break;
    const w = p.width >> 1;
    const h = p.height >> 1;
    const d = new Float32Array(w * h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = 2 * y * p.width + 2 * x;
        d[y * w + x] = 0.25 * (p.data[i]! + p.data[i + 1]! + p.data[i + p.width]! + p.data[i + p.width + 1]!);
      }
    }
    planes.push({ width: w, height: h, data: d });
  }
  return planes;
}

function upsampleFlow(flow: Flow, width: number, height: number): Flow {
  const u = new Float32Array(width * height);
  const v = new Float32Array(width * height);
  const sx = flow.width / width;
  const sy = flow.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const fx = (x + 0.5) * sx - 0.5;
      const fy = (y + 0.5) * sy - 0.5;
      u[y * width + x] = sample(flow.u, flow.width, flow.height, fx, fy) / sx;
      v[y * width + x] = sample(flow.v, flow.width, flow.height, fx, fy) / sy;
    }
  }
  return { width, height, u, v };
}

/**
 * Bilinear sample at (x, y), coordinates clamped to the border, of a plane (channels 1) or of one channel of
 * interleaved pixels (e.g. channels 3, channel 0..2 of RGB).
 */
export function sample(data: ArrayLike<number>, width: number, height: number, x: number, y: number, channels = 1, channel = 0): number {
  const cx = Math.min(Math.max(x, 0), width - 1);
  const cy = Math.min(Math.max(y, 0), height - 1);
  const x0 = Math.floor(cx);
  const y0 = Math.floor(cy);
  const x1 = Math.min(x0 + 1, width - 1);
  const y1 = Math.min(y0 + 1, height - 1);
  const fx = cx - x0;
  const fy = cy - y0;
  const at = (px: number, py: number) => data[channels * (py * width + px) + channel]!;
  const top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx;
  const bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx;
  return top * (1 - fy) + bottom * fy;
}

/** One Lucas-Kanade pass: warp the source by the flow, solve for the increment over each window, add it. */
function refine(source: Plane, target: Plane, flow: Flow, radius: number): void {
  const { width, height } = source;
  const n = width * height;
  const warped = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      warped[i] = sample(source.data, width, height, x + flow.u[i]!, y + flow.v[i]!);
    }
  }
  const xx = new Float32Array(n);
  const xy = new Float32Array(n);
  const yy = new Float32Array(n);
  const xt = new Float32Array(n);
  const yt = new Float32Array(n);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      // Central differences of the warped source (one-sided at the border).
      const gx = 0.5 * (warped[y * width + Math.min(x + 1, width - 1)]! - warped[y * width + Math.max(x - 1, 0)]!);
      const gy = 0.5 * (warped[Math.min(y + 1, height - 1) * width + x]! - warped[Math.max(y - 1, 0) * width + x]!);
      const e = target.data[i]! - warped[i]!;
      xx[i] = gx * gx;
      xy[i] = gx * gy;
      yy[i] = gy * gy;
      xt[i] = gx * e;
      yt[i] = gy * e;
    }
  }
  const sums = [xx, xy, yy, xt, yt].map((p) => boxSum(p, width, height, radius));
  const [sxx, sxy, syy, sxt, syt] = sums as [Float32Array, Float32Array, Float32Array, Float32Array, Float32Array];
  const minEigen = 1e-2 * (2 * radius + 1) ** 2;
  for (let i = 0; i < n; i++) {
    const a = sxx[i]!;
    const b = sxy[i]!;
    const c = syy[i]!;
    const det = a * c - b * b;
    const smallest = 0.5 * (a + c - Math.sqrt((a - c) ** 2 + 4 * b * b));
    if (!(smallest > minEigen) || det <= 0) continue;
    flow.u[i]! += (c * sxt[i]! - b * syt[i]!) / det;
    flow.v[i]! += (a * syt[i]! - b * sxt[i]!) / det;
  }
}

/** Sum over the (2r+1)^2 window around each pixel (clipped at the border), through a summed-area table. */
function boxSum(data: Float32Array, width: number, height: number, r: number): Float32Array {
  const table = new Float64Array((width + 1) * (height + 1));
  for (let y = 0; y < height; y++) {
    let row = 0;
    for (let x = 0; x < width; x++) {
      row += data[y * width + x]!;
      table[(y + 1) * (width + 1) + x + 1] = table[y * (width + 1) + x + 1]! + row;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const y0 = Math.max(0, y - r);
    const y1 = Math.min(height, y + r + 1);
    for (let x = 0; x < width; x++) {
      const x0 = Math.max(0, x - r);
      const x1 = Math.min(width, x + r + 1);
      out[y * width + x] =
        table[y1 * (width + 1) + x1]! - table[y0 * (width + 1) + x1]! - table[y1 * (width + 1) + x0]! + table[y0 * (width + 1) + x0]!;
    }
  }
  return out;
}

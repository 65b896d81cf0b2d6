import { describe, expect, it } from 'vitest';
import { lucasKanadeFlow } from '../../src/animation/flow.js';
import { warpImage } from '../../src/animation/warp.js';
import type { RgbImage } from '../../src/images/index.js';

/** A smooth, textured picture (sums of sines), sampled at (x + dx, y + dy): a known, sub-pixel shift. */
function texture(width: number, height: number, dx = 0, dy = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const X = x + dx;
      const Y = y + dy;
      const v = 128 + 50 * Math.sin(X / 5.1) * Math.cos(Y / 6.3) + 40 * Math.sin((X + 2 * Y) / 9.7) + 25 * Math.cos((X - Y) / 3.7);
      for (let c = 0; c < 3; c++) data[3 * (y * width + x) + c] = Math.max(0, Math.min(255, Math.round(v + 10 * c)));
    }
  }
  return { width, height, data };
}

function median(values: Float32Array, width: number, height: number, margin: number): number {
  const inner: number[] = [];
  for (let y = margin; y < height - margin; y++) for (let x = margin; x < width - margin; x++) inner.push(values[y * width + x]!);
  inner.sort((a, b) => a - b);
  return inner[inner.length >> 1]!;
}

describe('Lucas-Kanade flow', () => {
  it('recovers a known shift of 5.5 px right and 2.25 px up on a synthetic picture', () => {
    const w = 80;
    const h = 64;
    const source = texture(w, h);
    const target = texture(w, h, 5.5, -2.25); // target(x, y) = source(x + 5.5, y - 2.25)
    const flow = lucasKanadeFlow(source, target);
    expect(median(flow.u, w, h, 10)).toBeCloseTo(5.5, 0);
    expect(Math.abs(median(flow.u, w, h, 10) - 5.5)).toBeLessThan(0.2);
    expect(Math.abs(median(flow.v, w, h, 10) + 2.25)).toBeLessThan(0.2);
  });

  it('finds no motion between two equal frames', () => {
    const img = texture(48, 40);
    const flow = lucasKanadeFlow(img, img);
    expect(Math.max(...flow.u.map(Math.abs), ...flow.v.map(Math.abs))).toBeLessThan(1e-3);
  });

  it('the source warped by the flow matches the target far better than the source itself', () => {
    const source = texture(64, 48);
    const target = texture(64, 48, 3, 1.5);
    const warped = warpImage(source, lucasKanadeFlow(source, target));
    const error = (a: RgbImage) => {
      let sum = 0;
      let n = 0;
      for (let y = 8; y < 40; y++)
        for (let x = 8; x < 56; x++)
          for (let c = 0; c < 3; c++, n++) sum += Math.abs(a.data[3 * (y * 64 + x) + c]! - target.data[3 * (y * 64 + x) + c]!);
      return sum / n;
    };
    expect(error(warped)).toBeLessThan(error(source) / 8);
  });
});

describe('warp', () => {
  it('moves a picture by a whole-pixel flow exactly and repeats the edge outside', () => {
    const img = texture(20, 10);
    const n = 20 * 10;
    const warped = warpImage(img, { width: 20, height: 10, u: new Float32Array(n).fill(3), v: new Float32Array(n).fill(-1) });
    for (let y = 1; y < 10; y++) {
      for (let x = 0; x < 17; x++) {
        for (let c = 0; c < 3; c++) expect(warped.data[3 * (y * 20 + x) + c]).toBe(img.data[3 * ((y - 1) * 20 + x + 3) + c]);
      }
    }
    expect(warped.data[3 * (5 * 20 + 19)]).toBe(img.data[3 * (4 * 20 + 19)]); // x + 3 past the right edge: the edge
  });

  it('refuses a flow of another size', () => {
    expect(() => warpImage(texture(4, 4), { width: 3, height: 4, u: new Float32Array(12), v: new Float32Array(12) })).toThrow(
      /flow is 3x4/,
    );
  });
});

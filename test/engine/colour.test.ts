import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, type RgbImage } from '../../src/images/index.js';
import {
  channelStats,
  combineLuminance,
  labToRgb,
  matchLuminance,
  reinhardTransfer,
  rgbToLab,
  toLuminance,
} from '../../src/engine/colour.js';
import { CONTENT_DIR, STYLES_DIR } from '../helpers/shared.js';

let content: RgbImage;
let style: RgbImage;

beforeAll(async () => {
  content = await decodeImage(readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')), { longestSide: 96 });
  style = await decodeImage(readFileSync(join(STYLES_DIR, 'starry_night.jpg')), { longestSide: 80 });
});

function maxDifference(a: RgbImage, b: RgbImage): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i++) max = Math.max(max, Math.abs(a.data[i]! - b.data[i]!));
  return max;
}

describe('Reinhard colour transfer', () => {
  it('lαβ round trip gives the image back', () => {
    const back = labToRgb(rgbToLab(content), content.width, content.height);
    expect(maxDifference(back, content)).toBeLessThanOrEqual(1);
  });

  it("gives the style the content's lαβ mean and standard deviation", () => {
    const out = reinhardTransfer(style, content);
    expect([out.width, out.height]).toEqual([style.width, style.height]);
    const got = channelStats(rgbToLab(out));
    const want = channelStats(rgbToLab(content));
    const before = channelStats(rgbToLab(style));
    for (let c = 0; c < 3; c++) {
      expect(Math.abs(got.mean[c]! - want.mean[c]!)).toBeLessThan(0.01);
      expect(Math.abs(got.std[c]! / want.std[c]! - 1)).toBeLessThan(0.1);
    }
    // ...and it really moved: the style's own statistics were far from the content's.
    const moved = [0, 1, 2].some((c) => Math.abs(before.mean[c]! - want.mean[c]!) > 0.05);
    expect(moved).toBe(true);
  });

  it('is the identity when style and content are the same image', () => {
    expect(maxDifference(reinhardTransfer(content, content), content)).toBeLessThanOrEqual(1);
  });
});

describe('luminance', () => {
  it('computes Y = 0.299R + 0.587G + 0.114B in every channel', () => {
    const img: RgbImage = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 10, 200, 30]) };
    const y = toLuminance(img);
    expect(Array.from(y.data)).toEqual([76, 76, 76, 124, 124, 124]);
  });

  it('round trip: the luminance of an image recombined with its own colour is the image', () => {
    const back = combineLuminance(toLuminance(content), content);
    expect(maxDifference(back, content)).toBeLessThanOrEqual(2);
  });

  it('combined output takes its brightness from the output and its colour from the content', () => {
    const grey: RgbImage = { width: 1, height: 1, data: new Uint8Array([120, 120, 120]) };
    const red: RgbImage = { width: 1, height: 1, data: new Uint8Array([150, 40, 40]) };
    const out = combineLuminance(grey, red);
    const y = 0.299 * out.data[0]! + 0.587 * out.data[1]! + 0.114 * out.data[2]!;
    expect(y).toBeCloseTo(120, 0);
    expect(out.data[0]! - out.data[1]!).toBeGreaterThan(90); // still clearly red
    expect(() => combineLuminance(toLuminance(style), content)).toThrow(/one size/);
  });

  it("matches the style luminance's mean and std to the content's", () => {
    const matched = matchLuminance(toLuminance(style), toLuminance(content));
    const got = channelStats(matched.data);
    const want = channelStats(toLuminance(content).data);
    expect(Math.abs(got.mean[0]! - want.mean[0]!)).toBeLessThan(2);
    expect(Math.abs(got.std[0]! / want.std[0]! - 1)).toBeLessThan(0.05);
    expect(matched.data[0]).toBe(matched.data[1]);
  });
});

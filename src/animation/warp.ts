// Moving a picture along a flow field (flow.ts): bilinear backward warping.
import type { RgbImage } from '../images/index.js';
import { sample, type Flow } from './flow.js';

/**
 * The picture moved by the flow: out(x, y) = img(x + u, y + v), bilinear, coordinates clamped to the border (pixels
 * that come from outside the frame repeat its edge). The flow must have the picture's size; throws RangeError if not.
 */
export function warpImage(img: RgbImage, flow: Flow): RgbImage {
  if (img.width !== flow.width || img.height !== flow.height) {
    throw new RangeError(`the flow is ${flow.width}x${flow.height} but the picture is ${img.width}x${img.height}`);
  }
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      for (let c = 0; c < 3; c++) out[3 * i + c] = Math.round(sample(data, width, height, x + flow.u[i]!, y + flow.v[i]!, 3, c));
    }
  }
  return { width, height, data: out };
}

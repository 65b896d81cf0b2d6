// Moving a picture along a flow field (flow.ts): bilinear backward warping.
import type { RgbImage } from '../images/index.js';
import type { Flow } from './flow.js';

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
      const sx = Math.min(Math.max(x + flow.u[i]!, 0), width - 1);
      const sy = Math.min(Math.max(y + flow.v[i]!, 0), height - 1);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const x1 = Math.min(x0 + 1, width - 1);
      const y1 = Math.min(y0 + 1, height - 1);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        const top = data[3 * (y0 * width + x0) + c]! * (1 - fx) + data[3 * (y0 * width + x1) + c]! * fx;
        const bottom = data[3 * (y1 * width + x0) + c]! * (1 - fx) + data[3 * (y1 * width + x1) + c]! * fx;
        out[3 * i + c] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, data: out };
}

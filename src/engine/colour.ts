// Colour preservation on plain 8-bit RGB images (Gatys et al. 2016, "Preserving color in neural artistic style
// transfer"): Reinhard colour transfer applied to the style, or style transfer on luminance only.
import type { RgbImage } from '../images/index.js';

type Matrix3 = readonly [number, number, number, number, number, number, number, number, number];

// Reinhard, Ashikhmin, Gooch and Shirley (2001), "Color Transfer between Images".
const RGB_TO_LMS: Matrix3 = [0.3811, 0.5783, 0.0402, 0.1967, 0.7244, 0.0782, 0.0241, 0.1288, 0.8444];
const LMS_TO_RGB = invert(RGB_TO_LMS);
const LOG_LMS_TO_LAB: Matrix3 = (() => {
  const a = 1 / Math.sqrt(3);
  const b = 1 / Math.sqrt(6);
  const c = 1 / Math.sqrt(2);
  return [a, a, a, b, b, -2 * b, c, -c, 0];
})();
const LAB_TO_LOG_LMS = invert(LOG_LMS_TO_LAB);
/** LMS is floored here before the logarithm (RGB scaled to 0..1) so black does not become -infinity. */
const LMS_FLOOR = 1 / 255;

// NTSC YIQ.
const RGB_TO_YIQ: Matrix3 = [0.299, 0.587, 0.114, 0.595716, -0.274453, -0.321263, 0.211456, -0.522591, 0.311135];
const YIQ_TO_RGB = invert(RGB_TO_YIQ);

export interface ChannelStats {
  mean: [number, number, number];
  std: [number, number, number];
}

/** The image in Reinhard's lαβ space: 3 floats per pixel. */
export function rgbToLab(img: RgbImage): Float64Array {
  const out = new Float64Array(img.width * img.height * 3);
  const lms = [0, 0, 0];
  for (let i = 0; i < out.length; i += 3) {
    apply(RGB_TO_LMS, img.data[i]! / 255, img.data[i + 1]! / 255, img.data[i + 2]! / 255, lms, 0);
    apply(
      LOG_LMS_TO_LAB,
      Math.log10(Math.max(lms[0]!, LMS_FLOOR)),
      Math.log10(Math.max(lms[1]!, LMS_FLOOR)),
      Math.log10(Math.max(lms[2]!, LMS_FLOOR)),
      out,
      i,
    );
  }
  return out;
}

/** Back from lαβ to 8-bit RGB, clamped. */
export function labToRgb(lab: Float64Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  const logLms = [0, 0, 0];
  const rgb = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) {
    apply(LAB_TO_LOG_LMS, lab[i]!, lab[i + 1]!, lab[i + 2]!, logLms, 0);
    apply(LMS_TO_RGB, 10 ** logLms[0]!, 10 ** logLms[1]!, 10 ** logLms[2]!, rgb, 0);
    data[i] = toByte(rgb[0]! * 255);
    data[i + 1] = toByte(rgb[1]! * 255);
    data[i + 2] = toByte(rgb[2]! * 255);
  }
  return { width, height, data };
}

/** Per-channel mean and (population) standard deviation of 3-channel interleaved values. */
export function channelStats(values: ArrayLike<number>): ChannelStats {
  const n = values.length / 3;
  const mean: [number, number, number] = [0, 0, 0];
  const std: [number, number, number] = [0, 0, 0];
  if (n === 0) return { mean, std };
  for (let i = 0; i < values.length; i++) mean[i % 3]! += values[i]!;
  for (let c = 0; c < 3; c++) mean[c] = mean[c]! / n;
  for (let i = 0; i < values.length; i++) std[i % 3]! += (values[i]! - mean[i % 3]!) ** 2;
  for (let c = 0; c < 3; c++) std[c] = Math.sqrt(std[c]! / n);
  return { mean, std };
}

/**
 * Reinhard colour transfer: the style image recoloured so that its lαβ mean and standard deviation per channel are
 * the content's. The result has the style's size.
 */
export function reinhardTransfer(style: RgbImage, content: RgbImage): RgbImage {
  checkImage(style, 'style');
  checkImage(content, 'content');
  const lab = rgbToLab(style);
  const from = channelStats(lab);
  const to = channelStats(rgbToLab(content));
  for (let i = 0; i < lab.length; i++) {
    const c = i % 3;
    const scale = from.std[c]! > 1e-12 ? to.std[c]! / from.std[c]! : 1;
    lab[i] = (lab[i]! - from.mean[c]!) * scale + to.mean[c]!;
  }
  return labToRgb(lab, style.width, style.height);
}

/** Y = 0.299 R + 0.587 G + 0.114 B, written to all three channels. */
export function toLuminance(img: RgbImage): RgbImage {
  checkImage(img, 'image');
  return greyFromLuma(img, (y) => y);
}

/** The style luminance shifted and scaled so its mean and standard deviation are the content luminance's. */
export function matchLuminance(styleY: RgbImage, contentY: RgbImage): RgbImage {
  checkImage(styleY, 'style');
  checkImage(contentY, 'content');
  const from = lumaStats(styleY);
  const to = lumaStats(contentY);
  const scale = from.std > 1e-12 ? to.std / from.std : 1;
  return greyFromLuma(styleY, (y) => (y - from.mean) * scale + to.mean);
}

/** YIQ recombination: luminance Y from the stylised output, chrominance I and Q from the content. Same sizes only. */
export function combineLuminance(outputY: RgbImage, content: RgbImage): RgbImage {
  checkImage(outputY, 'output');
  checkImage(content, 'content');
  if (outputY.width !== content.width || outputY.height !== content.height) {
    throw new RangeError(
      `combineLuminance needs images of one size: output is ${outputY.width}x${outputY.height}, ` +
        `content is ${content.width}x${content.height}`,
    );
  }
  const data = new Uint8Array(content.data.length);
  const yiq = [0, 0, 0];
  const rgb = [0, 0, 0];
  for (let i = 0; i < data.length; i += 3) {
    apply(RGB_TO_YIQ, content.data[i]!, content.data[i + 1]!, content.data[i + 2]!, yiq, 0);
    apply(YIQ_TO_RGB, luma(outputY.data, i), yiq[1]!, yiq[2]!, rgb, 0);
    data[i] = toByte(rgb[0]!);
    data[i + 1] = toByte(rgb[1]!);
    data[i + 2] = toByte(rgb[2]!);
  }
  return { width: content.width, height: content.height, data };
}

// ---- helpers ----

function luma(data: Uint8Array, i: number): number {
  return 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
}

/** A grey image whose three channels hold map(Y) of each pixel's luminance Y, clamped to a byte. */
function greyFromLuma(img: RgbImage, map: (y: number) => number): RgbImage {
  const data = new Uint8Array(img.data.length);
  for (let i = 0; i < data.length; i += 3) {
    const y = toByte(map(luma(img.data, i)));
    data[i] = y;
    data[i + 1] = y;
    data[i + 2] = y;
  }
  return { width: img.width, height: img.height, data };
}

function lumaStats(img: RgbImage): { mean: number; std: number } {
  const n = img.width * img.height;
  let sum = 0;
  for (let i = 0; i < img.data.length; i += 3) sum += luma(img.data, i);
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < img.data.length; i += 3) squares += (luma(img.data, i) - mean) ** 2;
  return { mean, std: Math.sqrt(squares / n) };
}

function apply(m: Matrix3, a: number, b: number, c: number, out: number[] | Float64Array, at: number): void {
  out[at] = m[0] * a + m[1] * b + m[2] * c;
  out[at + 1] = m[3] * a + m[4] * b + m[5] * c;
  out[at + 2] = m[6] * a + m[7] * b + m[8] * c;
}

function invert(m: Matrix3): Matrix3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

function toByte(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
}

function checkImage(img: RgbImage, what: string): void {
  if (img.width < 1 || img.height < 1 || img.data.length !== img.width * img.height * 3) {
    throw new RangeError(`${what} is not an RGB image: ${img.width}x${img.height} with ${img.data.length} bytes`);
  }
}

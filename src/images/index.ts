// Decoding, validation and encoding of images with sharp. This is the only module that touches image bytes:
// everything else works on RgbImage (8-bit sRGB, RGB interleaved, 3 bytes per pixel).
import { UserError, type UserErrorCode } from '../errors.js';
import sharp from 'sharp';

export interface RgbImage {
  width: number;
  height: number;
  /** RGB interleaved, row-major, 3 bytes per pixel. */
  data: Uint8Array;
}

export interface ImageLimits {
  /** Largest accepted encoded file, in bytes. */
  maxBytes: number;
  /** Largest accepted width * height (of the first frame). */
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: Readonly<ImageLimits> = Object.freeze({
  maxBytes: 20 * 1024 * 1024,
  maxPixels: 40_000_000,
});

export type ImageErrorCode = Extract<UserErrorCode, 'too_large' | 'too_many_pixels' | 'unsupported' | 'corrupt' | 'empty'>;

/** A problem with an image the user sent; the message is written for that user. */
export class ImageError extends UserError {
  declare readonly code: ImageErrorCode;
  constructor(code: ImageErrorCode, message: string) {
    super(code, message);
    this.name = 'ImageError';
  }
}

const SUPPORTED_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif']);
const SEND_THIS = 'Send a JPEG, PNG, WebP or GIF.';

/** DEFAULT_IMAGE_LIMITS, overridden by STYLEBOT_MAX_IMAGE_BYTES / STYLEBOT_MAX_IMAGE_PIXELS when set. */
export function imageLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ImageLimits {
  return {
    maxBytes: positiveIntFromEnv(env, 'STYLEBOT_MAX_IMAGE_BYTES', DEFAULT_IMAGE_LIMITS.maxBytes),
    maxPixels: positiveIntFromEnv(env, 'STYLEBOT_MAX_IMAGE_PIXELS', DEFAULT_IMAGE_LIMITS.maxPixels),
  };
}

function positiveIntFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number, got "${raw}"`);
  }
  return value;
}

/**
 * Checks an encoded image without keeping the pixels: size in bytes, format, pixel count, and that it decodes.
 * Throws ImageError with a message for the user.
 */
export async function probeImage(
  bytes: Uint8Array,
  limits: ImageLimits = imageLimitsFromEnv(),
): Promise<{ format: string; width: number; height: number }> {
  const { format, width, height } = await readHeader(bytes, limits);
  // Decode everything at a small size: truncated or damaged data fails here, and shrink-on-load keeps it cheap.
  await runSharp(() => openImage(bytes, limits).resize(64, 64, { fit: 'inside' }).raw().toBuffer());
  return { format, width, height };
}

/**
 * Decodes JPEG, PNG, WebP or GIF (first frame) into 8-bit sRGB RGB: EXIF orientation applied, alpha flattened onto
 * white. With longestSide, resizes (up or down, lanczos3) so the longest side equals it, keeping the aspect ratio.
 */
export async function decodeImage(bytes: Uint8Array, opts: { limits?: ImageLimits; longestSide?: number } = {}): Promise<RgbImage> {
  const limits = opts.limits ?? imageLimitsFromEnv();
  const header = await readHeader(bytes, limits);
  let pipeline = openImage(bytes, limits).rotate();
  if (opts.longestSide !== undefined) {
    const swapped = header.orientation >= 5; // EXIF 5..8 turn the picture by 90 degrees
    const w = swapped ? header.height : header.width;
    const h = swapped ? header.width : header.height;
    const target = fitLongestSide(w, h, opts.longestSide);
    pipeline = pipeline.resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' });
  }
  return toRgb(pipeline);
}

/** Resizes (up or down, lanczos3) so the longest side equals longestSide; aspect kept, sides at least 1. */
export async function resizeImage(img: RgbImage, longestSide: number): Promise<RgbImage> {
  const target = fitLongestSide(img.width, img.height, longestSide);
  return resizeExact(img, target.width, target.height);
}

/** Resizes to exactly width x height (lanczos3), ignoring the aspect ratio. */
export async function resizeExact(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  checkRgb(img);
  if (!isPositiveInt(width) || !isPositiveInt(height)) {
    throw new RangeError(`resize target must be positive whole numbers, got ${width}x${height}`);
  }
  if (width === img.width && height === img.height) {
    return { width, height, data: new Uint8Array(img.data) };
  }
  return toRgb(fromRgb(img).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }));
}

export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  checkRgb(img);
  const buffer = await fromRgb(img).png().toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Formats a preview can be encoded in: JPEG (small, lossy; what progress events carry) or PNG (lossless). */
export type PreviewFormat = 'jpeg' | 'png';

/** JPEG quality of previews (libjpeg scale 1..100): at 256 px a preview is about 10-20 KB, a PNG of it 100-200 KB. */
export const PREVIEW_JPEG_QUALITY = 80;

/**
 * A preview of `img`: shrunk (never enlarged) so its longest side is at most `longestSide` px, then encoded as JPEG
 * (quality PREVIEW_JPEG_QUALITY, 4:2:0) or PNG. Throws RangeError for a malformed image or side.
 */
export async function encodePreview(img: RgbImage, longestSide: number, format: PreviewFormat = 'jpeg'): Promise<Uint8Array> {
  checkRgb(img);
  const side = Math.min(longestSide, Math.max(img.width, img.height));
  const small = side === Math.max(img.width, img.height) ? img : await resizeImage(img, side);
  if (format === 'png') return encodePng(small);
  const buffer = await fromRgb(small).jpeg({ quality: PREVIEW_JPEG_QUALITY }).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** The media type of encoded image bytes, from their signature (PNG, JPEG, WebP, GIF); undefined for anything else. */
export function imageMediaType(bytes: Uint8Array): 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif' | undefined {
  const at = (i: number, ...values: number[]) => values.every((v, k) => bytes[i + k] === v);
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return 'image/png';
  if (at(0, 0xff, 0xd8, 0xff)) return 'image/jpeg';
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return 'image/webp';
  if (at(0, 0x47, 0x49, 0x46, 0x38)) return 'image/gif';
  return undefined;
}

/** The usual file extension of a media type imageMediaType returns ('png' when unknown). */
export function imageExtension(mediaType: string | undefined): string {
  return mediaType === 'image/jpeg' ? 'jpg' : mediaType === 'image/webp' ? 'webp' : mediaType === 'image/gif' ? 'gif' : 'png';
}

/** Width and height whose longer side is `longestSide`, aspect kept, each side at least 1. */
export function fitLongestSide(width: number, height: number, longestSide: number): { width: number; height: number } {
  if (!isPositiveInt(longestSide)) {
    throw new RangeError(`longest side must be a positive whole number, got ${longestSide}`);
  }
  if (width >= height) {
    return { width: longestSide, height: Math.max(1, Math.round((height * longestSide) / width)) };
  }
  return { width: Math.max(1, Math.round((width * longestSide) / height)), height: longestSide };
}

// ---- internals ----

interface Header {
  format: string;
  width: number;
  height: number;
  orientation: number;
}

async function readHeader(bytes: Uint8Array, limits: ImageLimits): Promise<Header> {
  if (bytes.byteLength === 0) {
    throw new ImageError('empty', `That file is empty. ${SEND_THIS}`);
  }
  if (bytes.byteLength > limits.maxBytes) {
    throw new ImageError(
      'too_large',
      `That image is ${formatBytes(bytes.byteLength)}; the limit is ${formatBytes(limits.maxBytes)}. Send a smaller file.`,
    );
  }
  const metadata = await runSharp(() => sharp(bytes, { limitInputPixels: false }).metadata(), bytes);
  const format = metadata.format ?? 'unknown';
  if (!SUPPORTED_FORMATS.has(format)) {
    throw new ImageError('unsupported', `That file is a ${describeFormat(format)}, which I can't read. ${SEND_THIS}`);
  }
  // For animated images sharp reports the height of all frames stacked; we only ever use the first.
  const width = metadata.width ?? 0;
  const height = metadata.pageHeight ?? metadata.height ?? 0;
  if (width <= 0 || height <= 0) {
    throw new ImageError('corrupt', `That image has no size in its header, so it looks damaged. ${SEND_THIS}`);
  }
  if (width * height > limits.maxPixels) {
    throw new ImageError(
      'too_many_pixels',
      `That image is ${width}x${height} (${formatMegapixels(width * height)}); the limit is ` +
        `${formatMegapixels(limits.maxPixels)}. Send a smaller picture.`,
    );
  }
  return { format, width, height, orientation: metadata.orientation ?? 1 };
}

/** A sharp pipeline over the first frame that refuses to decode more pixels than the limit allows. */
function openImage(bytes: Uint8Array, limits: ImageLimits): sharp.Sharp {
  return sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'error', pages: 1, page: 0 });
}

function fromRgb(img: RgbImage): sharp.Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

async function toRgb(pipeline: sharp.Sharp): Promise<RgbImage> {
  const { data, info } = await runSharp(() =>
    pipeline
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true }),
  );
  if (info.channels !== 3) {
    throw new ImageError('unsupported', `That image has ${info.channels} colour channels, which I can't use. ${SEND_THIS}`);
  }
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** Runs a sharp call and turns its errors into ImageErrors a user can act on. */
async function runSharp<T>(work: () => Promise<T>, bytes?: Uint8Array): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ImageError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) {
      throw new ImageError('too_many_pixels', `That image has too many pixels. Send a smaller picture.`);
    }
    if (/unsupported image format/i.test(message)) {
      const kind = bytes ? sniffNonImage(bytes) : 'file of an unknown type';
      throw new ImageError('unsupported', `That file is a ${kind}, not an image. ${SEND_THIS}`);
    }
    throw new ImageError('corrupt', `That image could not be read: it looks damaged or cut short. ${SEND_THIS}`);
  }
}

/** Names common non-image files from their first bytes, for the error message. */
function sniffNonImage(bytes: Uint8Array): string {
  const head = Buffer.from(bytes.subarray(0, 512));
  const ascii = head.toString('latin1');
  if (ascii.startsWith('%PDF')) return 'PDF document';
  if (ascii.startsWith('PK\u0003\u0004')) return 'ZIP archive (or an Office document)';
  if (ascii.startsWith('\u001f\u008b')) return 'gzip archive';
  if (/^\s*(<\?xml|<svg)/i.test(ascii)) return 'SVG or XML file';
  if (/^\s*<(!doctype html|html)/i.test(ascii)) return 'web page (HTML)';
  if (looksLikeText(head)) return 'text file';
  return 'file of an unknown type';
}

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  let control = 0;
  for (const byte of head) {
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20) || byte === 0x7f) control++;
  }
  return control <= head.length / 100;
}

function describeFormat(format: string): string {
  const names: Record<string, string> = {
    svg: 'SVG drawing',
    tiff: 'TIFF image',
    heif: 'HEIF/HEIC/AVIF image',
    pdf: 'PDF document',
    jp2k: 'JPEG 2000 image',
    jxl: 'JPEG XL image',
    raw: 'raw pixel file',
  };
  return names[format] ?? `${format.toUpperCase()} file`;
}

function checkRgb(img: RgbImage): void {
  if (!isPositiveInt(img.width) || !isPositiveInt(img.height) || img.data.length !== img.width * img.height * 3) {
    throw new RangeError(`not an RGB image: ${img.width}x${img.height} needs ${img.width * img.height * 3} bytes, got ${img.data.length}`);
  }
}

function isPositiveInt(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}

function formatMegapixels(n: number): string {
  return `${(n / 1_000_000).toFixed(1)} megapixels`;
}

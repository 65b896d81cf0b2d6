// Animated GIF and WebP: every frame in (as RgbImage), every frame out. Like index.ts, only sharp touches the bytes.
import sharp from 'sharp';
import { fitLongestSide, ImageError, imageLimitsFromEnv, type ImageLimits, type RgbImage } from './index.js';

export type AnimationFormat = 'gif' | 'webp';

export interface Animation {
  format: AnimationFormat;
  frames: RgbImage[];
  /** Each frame's display time in ms (as stored; GIF keeps 10 ms steps). */
  delays: number[];
  /** Times the animation plays; 0 = forever. */
  loop: number;
}

/** Frame delay when the file names none (GIF's common 10 fps). */
const DEFAULT_DELAY_MS = 100;

/**
 * Decodes every frame of an animated GIF or WebP into 8-bit sRGB RGB (alpha flattened onto white), resized so the
 * longest side is `longestSide` (lanczos3). A still image gives one frame. Throws ImageError (for the user) when the
 * file is not a GIF or WebP, has more than `maxFrames` frames, or frames x pixels exceed the pixel limit.
 */
export async function decodeAnimation(
  bytes: Uint8Array,
  opts: { longestSide: number; maxFrames: number; limits?: ImageLimits },
): Promise<Animation> {
  const limits = opts.limits ?? imageLimitsFromEnv();
  if (bytes.byteLength > limits.maxBytes) {
    throw new ImageError(
      'too_large',
      `That animation is larger than the ${Math.round(limits.maxBytes / 1024 / 1024)} MB limit. Send a smaller file.`,
    );
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { pages: -1, limitInputPixels: false }).metadata();
  } catch {
    throw new ImageError('corrupt', 'That animation could not be read: it looks damaged or is not an image. Send an animated GIF or WebP.');
  }
  if (meta.format !== 'gif' && meta.format !== 'webp') {
    throw new ImageError('unsupported', `An animation must be a GIF or WebP; that file is ${meta.format ?? 'of an unknown type'}.`);
  }
  const pages = meta.pages ?? 1;
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? meta.height ?? 0;
  if (pages > opts.maxFrames) {
    throw new ImageError('too_many_pixels', `That animation has ${pages} frames; the limit is ${opts.maxFrames}. Send a shorter one.`);
  }
  if (width * height * pages > limits.maxPixels) {
    throw new ImageError(
      'too_many_pixels',
      `That animation is ${pages} frames of ${width}x${height}, ${((width * height * pages) / 1e6).toFixed(1)} megapixels in all; the limit is ${(limits.maxPixels / 1e6).toFixed(1)}.`,
    );
  }
  const target = fitLongestSide(width, height, opts.longestSide);
  const frames: RgbImage[] = [];
  for (let page = 0; page < pages; page++) {
    const { data, info } = await sharp(bytes, { page, pages: 1, limitInputPixels: limits.maxPixels })
      .resize(target.width, target.height, { fit: 'fill', kernel: 'lanczos3' })
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
      .catch(() => {
        throw new ImageError('corrupt', `Frame ${page + 1} of that animation could not be read: it looks damaged or cut short.`);
      });
    frames.push({ width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  }
  const delays = frames.map((_, i) => meta.delay?.[i] ?? DEFAULT_DELAY_MS);
  return { format: meta.format, frames, delays, loop: meta.loop ?? 0 };
}

/** Encodes equal-sized RGB frames as an animated GIF (palette per frame, dithered) or lossless-ish WebP. */
export async function encodeAnimation(animation: Animation): Promise<Uint8Array> {
  const { frames } = animation;
  const first = frames[0];
  if (!first) throw new RangeError('an animation needs at least one frame');
  const size = first.width * first.height * 3;
  const stacked = new Uint8Array(size * frames.length);
  frames.forEach((f, i) => {
    if (f.width !== first.width || f.height !== first.height || f.data.length !== size) {
      throw new RangeError(`frame ${i} is ${f.width}x${f.height}; every frame must be ${first.width}x${first.height}`);
    }
    stacked.set(f.data, i * size);
  });
  const pipeline = sharp(stacked, {
    raw: { width: first.width, height: first.height * frames.length, channels: 3, pageHeight: first.height },
  });
  const options = { delay: animation.delays, loop: animation.loop };
  const buffer =
    animation.format === 'gif'
      ? await pipeline.gif({ ...options, effort: 10 }).toBuffer()
      : await pipeline.webp({ ...options, quality: 90 }).toBuffer();
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

import { describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_IMAGE_LIMITS,
  ImageError,
  decodeImage,
  encodePng,
  encodePreview,
  imageMediaType,
  fitLongestSide,
  imageLimitsFromEnv,
  probeImage,
  resizeExact,
  resizeImage,
  type RgbImage,
} from '../../src/images/index.js';
import { CONTENT_DIR } from '../helpers/shared.js';

const RED = { r: 255, g: 0, b: 0 };

function solid(width: number, height: number, colour = RED): sharp.Sharp {
  return sharp({ create: { width, height, channels: 3, background: colour } });
}

function pixel(img: RgbImage, x: number, y: number): [number, number, number] {
  const i = (y * img.width + x) * 3;
  return [img.data[i]!, img.data[i + 1]!, img.data[i + 2]!];
}

async function expectImageError(promise: Promise<unknown>, code: string): Promise<ImageError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageError);
  expect((error as ImageError).code).toBe(code);
  return error as ImageError;
}

describe('decodeImage', () => {
  for (const format of ['jpeg', 'png', 'webp', 'gif'] as const) {
    it(`decodes ${format} to RGB with the right size and colour`, async () => {
      const bytes = await solid(6, 4).toFormat(format).toBuffer();
      expect((await probeImage(bytes)).format).toBe(format);
      const img = await decodeImage(bytes);
      expect([img.width, img.height, img.data.length]).toEqual([6, 4, 6 * 4 * 3]);
      const [r, g, b] = pixel(img, 3, 2);
      expect(r).toBeGreaterThan(230);
      expect(g).toBeLessThan(30);
      expect(b).toBeLessThan(30);
    });
  }

  it('honours EXIF orientation 6: a 2x1 picture comes out 1x2', async () => {
    const left = await solid(2, 1).raw().toBuffer();
    left[3] = 0;
    left[4] = 0;
    left[5] = 255; // right pixel blue
    const bytes = await sharp(left, { raw: { width: 2, height: 1, channels: 3 } })
      .png()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(bytes).metadata()).orientation).toBe(6);
    const img = await decodeImage(bytes);
    expect([img.width, img.height]).toEqual([1, 2]);
    // Orientation 6 = rotate 90 degrees clockwise: the left (red) pixel ends on top.
    expect(pixel(img, 0, 0)).toEqual([255, 0, 0]);
    expect(pixel(img, 0, 1)).toEqual([0, 0, 255]);
    const probed = await probeImage(bytes);
    expect(probed.format).toBe('png');
  });

  it('resizes with longestSide after applying the orientation', async () => {
    const bytes = await solid(40, 20).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const img = await decodeImage(bytes, { longestSide: 64 });
    expect([img.width, img.height]).toEqual([32, 64]);
  });

  it('flattens alpha onto white', async () => {
    const bytes = await sharp({ create: { width: 2, height: 2, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const img = await decodeImage(bytes);
    expect(pixel(img, 1, 1)).toEqual([255, 255, 255]);
  });

  it('takes the first frame of an animated GIF', async () => {
    const red = await solid(4, 3).png().toBuffer();
    const blue = await solid(4, 3, { r: 0, g: 0, b: 255 }).png().toBuffer();
    const animated = await sharp([red, blue], { join: { animated: true } })
      .gif()
      .toBuffer();
    expect((await sharp(animated).metadata()).pages).toBe(2);
    expect(await probeImage(animated)).toEqual({ format: 'gif', width: 4, height: 3 });
    const img = await decodeImage(animated);
    expect([img.width, img.height]).toEqual([4, 3]);
    expect(pixel(img, 2, 2)).toEqual([255, 0, 0]);
  });

  it('turns 16-bit, greyscale and CMYK into 8-bit sRGB RGB', async () => {
    const sixteen = await solid(3, 3, { r: 0, g: 128, b: 255 }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(sixteen).metadata()).depth).toBe('ushort');
    const a = await decodeImage(sixteen);
    expect(a.data.length).toBe(27);
    expect(pixel(a, 1, 1)).toEqual([0, 128, 255]);

    const grey = await solid(3, 3, { r: 100, g: 100, b: 100 }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const b = await decodeImage(grey);
    expect(pixel(b, 0, 0)).toEqual([100, 100, 100]);

    const cmyk = await solid(8, 8, { r: 255, g: 0, b: 0 }).toColourspace('cmyk').jpeg().toBuffer();
    expect((await sharp(cmyk).metadata()).space).toBe('cmyk');
    const c = await decodeImage(cmyk);
    expect(c.data.length).toBe(8 * 8 * 3);
    expect(pixel(c, 4, 4)[0]).toBeGreaterThan(180);
    expect(pixel(c, 4, 4)[2]).toBeLessThan(90);
  });

  it('decodes a real photo to a requested longest side', async () => {
    const bytes = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
    const img = await decodeImage(bytes, { longestSide: 64 });
    expect([img.width, img.height]).toEqual([64, 48]);
  });
});

describe('bad input', () => {
  it('refuses a text file with a message a person understands', async () => {
    const error = await expectImageError(probeImage(Buffer.from('hello, this is just some text\n')), 'unsupported');
    expect(error.message).toBe('That file is a text file, not an image. Send a JPEG, PNG, WebP or GIF.');
    await expectImageError(decodeImage(Buffer.from('more text')), 'unsupported');
  });

  it('names other formats it will not read', async () => {
    const tiff = await solid(2, 2).tiff().toBuffer();
    const error = await expectImageError(probeImage(tiff), 'unsupported');
    expect(error.message).toMatch(/TIFF/);
    await expectImageError(probeImage(Buffer.from('%PDF-1.4\n%\u00e2\u00e3')), 'unsupported');
  });

  it('refuses an empty file', async () => {
    await expectImageError(probeImage(new Uint8Array(0)), 'empty');
  });

  it('finds a truncated JPEG corrupt', async () => {
    const bytes = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
    const error = await expectImageError(probeImage(cut), 'corrupt');
    expect(error.message).toMatch(/damaged|cut short/);
    await expectImageError(decodeImage(cut), 'corrupt');
    // Garbage after a valid header is also corrupt.
    const garbled = Buffer.from(bytes);
    garbled.fill(0x55, 2000, 6000);
    await expectImageError(decodeImage(Buffer.concat([garbled.subarray(0, 8000)])), 'corrupt');
  });

  it('refuses too many bytes before looking at the content', async () => {
    const bytes = await solid(50, 50).png().toBuffer();
    const error = await expectImageError(probeImage(bytes, { maxBytes: 100, maxPixels: 1e9 }), 'too_large');
    expect(error.message).toMatch(/limit/);
    // Not even an image: the size check comes first.
    await expectImageError(decodeImage(new Uint8Array(101), { limits: { maxBytes: 100, maxPixels: 1e9 } }), 'too_large');
  });

  it('refuses a decompression bomb from its header, before decoding', async () => {
    // 4000x4000 of one colour compresses to a small PNG but would be 48 MB of pixels.
    const bomb = await sharp({ create: { width: 4_000, height: 4_000, channels: 3, background: RED } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(DEFAULT_IMAGE_LIMITS.maxBytes);
    const started = Date.now();
    const error = await expectImageError(probeImage(bomb, { maxBytes: 1e9, maxPixels: 1_000_000 }), 'too_many_pixels');
    expect(error.message).toMatch(/4000x4000/);
    await expectImageError(decodeImage(bomb, { limits: { maxBytes: 1e9, maxPixels: 1_000_000 } }), 'too_many_pixels');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reads limits from the environment when asked', () => {
    expect(imageLimitsFromEnv({})).toEqual(DEFAULT_IMAGE_LIMITS);
    expect(imageLimitsFromEnv({ STYLEBOT_MAX_IMAGE_BYTES: '1000', STYLEBOT_MAX_IMAGE_PIXELS: '500' })).toEqual({
      maxBytes: 1000,
      maxPixels: 500,
    });
    expect(() => imageLimitsFromEnv({ STYLEBOT_MAX_IMAGE_BYTES: 'lots' })).toThrow(/STYLEBOT_MAX_IMAGE_BYTES/);
  });
});

describe('resize and encode', () => {
  it('fits the longest side, keeping the aspect ratio and sides >= 1', () => {
    expect(fitLongestSide(1024, 768, 64)).toEqual({ width: 64, height: 48 });
    expect(fitLongestSide(768, 1024, 64)).toEqual({ width: 48, height: 64 });
    expect(fitLongestSide(1000, 1, 10)).toEqual({ width: 10, height: 1 });
    expect(() => fitLongestSide(10, 10, 0)).toThrow(RangeError);
  });

  it('resizes up and down, and exactly', async () => {
    const img = await decodeImage(await solid(10, 5).png().toBuffer());
    const up = await resizeImage(img, 40);
    expect([up.width, up.height, up.data.length]).toEqual([40, 20, 40 * 20 * 3]);
    const down = await resizeImage(img, 4);
    expect([down.width, down.height]).toEqual([4, 2]);
    const exact = await resizeExact(img, 7, 3);
    expect([exact.width, exact.height]).toEqual([7, 3]);
    expect(pixel(exact, 3, 1)).toEqual([255, 0, 0]);
    await expect(resizeExact({ width: 2, height: 2, data: new Uint8Array(5) }, 1, 1)).rejects.toThrow(RangeError);
  });

  it('round-trips through PNG exactly', async () => {
    const data = new Uint8Array(5 * 3 * 3).map((_, i) => (i * 37) % 256);
    const img: RgbImage = { width: 5, height: 3, data };
    const png = await encodePng(img);
    expect((await sharp(png).metadata()).format).toBe('png');
    const back = await decodeImage(png);
    expect(back).toEqual({ width: 5, height: 3, data });
  });
});

describe('encodePreview', () => {
  it('sends a 256 px JPEG of a 512 px picture in a tenth of its PNG bytes, and a lossless PNG when asked', async () => {
    const photo = await decodeImage(readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')), { longestSide: 512 });
    const full = await encodePng(photo);
    const preview = await encodePreview(photo, 256);
    expect(imageMediaType(preview)).toBe('image/jpeg');
    const meta = await sharp(preview).metadata();
    expect([meta.format, Math.max(meta.width!, meta.height!)]).toEqual(['jpeg', 256]);
    expect(preview.length).toBeLessThan(full.length / 10);
    const png = await encodePreview(photo, 256, 'png');
    expect(imageMediaType(png)).toBe('image/png');
    expect((await sharp(png).metadata()).width).toBe(256);
  });

  it('never enlarges a picture smaller than the preview size', async () => {
    const small: RgbImage = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(200) };
    const meta = await sharp(await encodePreview(small, 256)).metadata();
    expect([meta.width, meta.height]).toEqual([40, 30]);
  });

  it('names the media type of PNG, JPEG, WebP and GIF bytes, and of nothing else', async () => {
    const img = solid(8, 8);
    expect(imageMediaType(await img.clone().png().toBuffer())).toBe('image/png');
    expect(imageMediaType(await img.clone().jpeg().toBuffer())).toBe('image/jpeg');
    expect(imageMediaType(await img.clone().webp().toBuffer())).toBe('image/webp');
    expect(imageMediaType(await img.clone().gif().toBuffer())).toBe('image/gif');
    expect(imageMediaType(new Uint8Array([1, 2, 3]))).toBeUndefined();
  });
});

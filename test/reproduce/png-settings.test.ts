import { describe, expect, it } from 'vitest';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { readPngText, writePngText } from '../../src/images/png-text.js';
import { embedSettings, readSettings, type PictureSettings } from '../../src/reproduce/settings.js';

async function tinyPng(): Promise<Uint8Array> {
  const pixels = Buffer.alloc(4 * 3 * 3, 0);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37) % 256;
  return new Uint8Array(
    await sharp(pixels, { raw: { width: 4, height: 3, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

/** Every chunk's CRC-32 checked independently of the writer. */
function chunksValid(png: Uint8Array): string[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const types: string[] = [];
  for (let at = 8; at < png.length; ) {
    const length = view.getUint32(at);
    const type = Buffer.from(png.subarray(at + 4, at + 8)).toString('latin1');
    expect(view.getUint32(at + 8 + length), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    types.push(type);
    at += 12 + length;
  }
  return types;
}

const SETTINGS: PictureSettings = {
  version: '0.1.0',
  options: { size: 48, iterations: 3, seed: 7, styleWeight: 5.5, layerWeights: [0.2, 0.2, 0.2, 0.2, 0.2], preserveColors: 'none' },
  styles: [
    { name: 'starry_night.jpg', weight: 0.75 },
    { name: 'monet/impression – soleil levant.jpg', weight: 0.25 },
  ],
  seed: 7,
  backend: 'wasm',
};

describe('PNG iTXt settings', () => {
  it('writes valid chunks after IHDR that sharp still decodes to the same pixels, and reads them back', async () => {
    const png = await tinyPng();
    const out = writePngText(png, [{ keyword: 'stylebot:test', text: 'ünïcode ✓' }]);
    expect(chunksValid(out).slice(0, 2)).toEqual(['IHDR', 'iTXt']);
    expect(readPngText(out)).toEqual([{ keyword: 'stylebot:test', text: 'ünïcode ✓' }]);
    const [a, b] = await Promise.all([sharp(png).raw().toBuffer(), sharp(out).raw().toBuffer()]);
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('replaces chunks of the same keyword instead of adding a second', async () => {
    const once = writePngText(await tinyPng(), [{ keyword: 'k', text: 'one' }]);
    const twice = writePngText(once, [{ keyword: 'k', text: 'two' }]);
    expect(readPngText(twice)).toEqual([{ keyword: 'k', text: 'two' }]);
  });

  it('round-trips the settings record, and a photo without them reads as null', async () => {
    const png = await tinyPng();
    expect(readSettings(embedSettings(png, SETTINGS))).toEqual(SETTINGS);
    expect(readSettings(png)).toBeNull();
    expect(readSettings(new TextEncoder().encode('not a png'))).toBeNull();
  });

  it('refuses a non-PNG and a bad keyword', async () => {
    expect(() => writePngText(new Uint8Array(20), [{ keyword: 'k', text: '' }])).toThrow(/not a PNG/);
    expect(() => writePngText(Uint8Array.from([0]), [])).toThrow(/not a PNG/);
    await expect(tinyPng().then((p) => writePngText(p, [{ keyword: ' bad', text: '' }]))).rejects.toThrow(/keyword/);
  });
});

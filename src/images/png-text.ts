// PNG international text chunks (iTXt, PNG specification 3rd ed. section 11.3.3.4): written after IHDR, read back.
// A chunk is length (4 bytes, big-endian, of the data), type (4 ASCII bytes), data, CRC-32 of type + data.
import { crc32 } from 'node:zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export interface PngText {
  /** 1 to 79 Latin-1 printable characters, no leading, trailing or double spaces (the spec's keyword rule). */
  keyword: string;
  /** Any UTF-8 text, stored uncompressed. */
  text: string;
}

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

/**
 * Returns a copy of `png` with one iTXt chunk per entry placed right after IHDR (before the image data), replacing
 * any iTXt chunks of the same keywords already there. Throws RangeError for a non-PNG or a bad keyword.
 */
export function writePngText(png: Uint8Array, entries: PngText[]): Uint8Array {
  const chunks = readChunks(png);
  if (chunks[0]?.type !== 'IHDR') throw new RangeError('not a PNG: IHDR is not the first chunk');
  const replaced = new Set(entries.map((e) => checkKeyword(e.keyword)));
  const kept = chunks.filter((c) => !(c.type === 'iTXt' && replaced.has(iTxtKeyword(c.data))));
  const added = entries.map((e) => encodeChunk('iTXt', iTxtData(e)));
  const parts = [SIGNATURE, rawChunk(png, kept[0]!), ...added, ...kept.slice(1).map((c) => rawChunk(png, c))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every uncompressed iTXt chunk of a PNG, in file order (compressed ones are skipped). Throws RangeError if not a PNG. */
export function readPngText(png: Uint8Array): PngText[] {
  const texts: PngText[] = [];
  for (const chunk of readChunks(png)) {
    if (chunk.type !== 'iTXt') continue;
    const entry = parseITxt(chunk.data);
    if (entry) texts.push(entry);
  }
  return texts;
}

// ---- internals ----

interface Chunk {
  type: string;
  /** Offset of the chunk's length field in the file. */
  start: number;
  data: Uint8Array;
}

function readChunks(png: Uint8Array): Chunk[] {
  if (!isPng(png)) throw new RangeError('not a PNG: the signature is missing');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = view.getUint32(at);
    if (at + 12 + length > png.length) throw new RangeError('not a PNG: a chunk runs past the end of the file');
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    chunks.push({ type, start: at, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
    if (type === 'IEND') break;
  }
  return chunks;
}

function rawChunk(png: Uint8Array, chunk: Chunk): Uint8Array {
  return png.subarray(chunk.start, chunk.start + 12 + chunk.data.length);
}

function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** keyword NUL, compression flag 0, method 0, language tag "" NUL, translated keyword "" NUL, UTF-8 text. */
function iTxtData(entry: PngText): Uint8Array {
  const keyword = Buffer.from(entry.keyword, 'latin1');
  const text = Buffer.from(entry.text, 'utf8');
  return Buffer.concat([keyword, Buffer.of(0, 0, 0, 0, 0), text]);
}

function iTxtKeyword(data: Uint8Array): string {
  const end = data.indexOf(0);
  return Buffer.from(data.subarray(0, end < 0 ? data.length : end)).toString('latin1');
}

function parseITxt(data: Uint8Array): PngText | null {
  const end = data.indexOf(0);
  if (end < 1 || end + 2 >= data.length) return null;
  if (data[end + 1] !== 0) return null; // compressed: not written by us
  const language = data.indexOf(0, end + 3);
  if (language < 0) return null;
  const translated = data.indexOf(0, language + 1);
  if (translated < 0) return null;
  return {
    keyword: Buffer.from(data.subarray(0, end)).toString('latin1'),
    text: Buffer.from(data.subarray(translated + 1)).toString('utf8'),
  };
}

function checkKeyword(keyword: string): string {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || /^ | $| {2}/.test(keyword)) {
    throw new RangeError(`a PNG text keyword is 1 to 79 printable Latin-1 characters without outer or double spaces, got "${keyword}"`);
  }
  return keyword;
}

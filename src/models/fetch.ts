// Downloads the Keras VGG-19 weights, checks their MD5 as Keras does, and converts them for the engine.
// Nothing is left behind on failure: the download lives in a scratch folder that is always removed.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { readModelSource, resolveTargetDir } from './checksums.js';
import { convertKerasH5, ModelFileError, type ConvertResult } from './convert.js';

export class ChecksumError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumError';
  }
}

export interface FetchOptions {
  /** Default: STYLEBOT_WEIGHTS_URL, else the URL in models/checksums.json. */
  url?: string;
  /** Default: the MD5 in models/checksums.json. */
  md5?: string;
  /** Default: STYLEBOT_MODEL_DIR, else <repo>/models/vgg19. */
  dir?: string;
  signal?: AbortSignal;
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface FetchResult extends ConvertResult {
  url: string;
  md5: string;
  downloadedBytes: number;
}

/** Downloads, verifies and converts the VGG-19 weights into the model folder. */
export async function fetchVgg19(opts: FetchOptions = {}): Promise<FetchResult> {
  const source = readModelSource('vgg19');
  const url = opts.url ?? (process.env.STYLEBOT_WEIGHTS_URL?.trim() || source.url);
  const md5 = (opts.md5 ?? source.md5).toLowerCase();
  const dir = resolveTargetDir(opts.dir);

  await mkdir(dirname(dir), { recursive: true });
  const scratch = await mkdtemp(join(dirname(dir), `.${basename(dir)}.download-`));
  try {
    const h5Path = join(scratch, source.file);
    const { bytes, md5: got } = await download(url, h5Path, opts);
    if (got !== md5) {
      throw new ChecksumError(
        `The downloaded weights from ${url} have MD5 ${got}, expected ${md5}: the file is damaged or not the ` +
          'VGG-19 weights. Nothing was saved. Try again, or point STYLEBOT_WEIGHTS_URL at a good mirror.',
      );
    }
    const converted = await convertKerasH5(h5Path, dir);
    return { ...converted, url, md5: got, downloadedBytes: bytes };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Checks a local Keras .h5 file against the expected MD5 and converts it (for machines without internet). */
export async function convertLocalVgg19(
  h5Path: string,
  opts: { dir?: string; md5?: string } = {},
): Promise<ConvertResult & { md5: string }> {
  const expected = (opts.md5 ?? readModelSource('vgg19').md5).toLowerCase();
  const got = await md5OfFile(h5Path);
  if (got !== expected) {
    throw new ChecksumError(`${h5Path} has MD5 ${got}, expected ${expected}: it is not the Keras VGG-19 no-top weights file.`);
  }
  return { ...(await convertKerasH5(h5Path, resolveTargetDir(opts.dir))), md5: got };
}

/** Streams url into path, hashing as it goes. */
async function download(url: string, path: string, opts: FetchOptions): Promise<{ bytes: number; md5: string }> {
  let response: Response;
  try {
    response = await fetch(url, { signal: opts.signal, redirect: 'follow' });
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    throw new Error(`Could not download ${url}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    throw new Error(`Could not download ${url}: HTTP ${response.status} ${response.statusText}`.trim());
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const hash = createHash('md5');
  const file = await open(path, 'w');
  let received = 0;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await file.write(chunk);
      received += chunk.byteLength;
      opts.onProgress?.(received, total);
    }
  } finally {
    await file.close();
  }
  if (total !== undefined && received !== total) {
    throw new Error(`The download from ${url} stopped after ${received} of ${total} bytes. Nothing was saved; try again.`);
  }
  return { bytes: received, md5: hash.digest('hex') };
}

export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new ModelFileError(`Cannot read ${path}: ${(error as Error).message}`);
  }
  return hash.digest('hex');
}

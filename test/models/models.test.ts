import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  ChecksumError,
  ModelFileError,
  convertKerasH5,
  fetchVgg19,
  md5OfFile,
  readModelSource,
  verifyModelDir,
  vgg19TensorSpecs,
  type TensorSpec,
} from '../../src/models/index.js';
import { expectedValue, writeKerasH5 } from './keras-h5.js';
import { MODEL_DIR } from '../helpers/shared.js';

const work = mkdtempSync(join(tmpdir(), 'stylebot-models-'));
const fullH5 = join(work, 'vgg19_notop.h5');
let fullMd5 = '';
let server: Server;
let baseUrl = '';

/** VGG-19's names, with channel widths cut down so the test file stays tiny. */
function thinLayout(): TensorSpec[] {
  return vgg19TensorSpecs().map((spec) => ({
    name: spec.name,
    shape: spec.shape.length === 4 ? [3, 3, Math.min(spec.shape[2]!, 3 + (spec.shape[2]! > 3 ? 1 : 0)), 4] : [4],
  }));
}

beforeAll(async () => {
  await writeKerasH5(fullH5, vgg19TensorSpecs());
  fullMd5 = await md5OfFile(fullH5);
  server = createServer((req, res) => {
    if (req.url === '/vgg19.h5') {
      res.writeHead(200, { 'content-length': statSync(fullH5).size, 'content-type': 'application/octet-stream' });
      createReadStream(fullH5).pipe(res);
    } else if (req.url === '/cut-short.h5') {
      res.writeHead(200, { 'content-length': 1_000_000 });
      res.write(Buffer.alloc(1000));
      res.destroy();
    } else {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
});

function readManifest(dir: string): { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[] {
  return JSON.parse(readFileSync(join(dir, 'weights_manifest.json'), 'utf8'));
}

function freshParent(): string {
  return mkdtempSync(join(work, 'parent-'));
}

describe('Keras HDF5 conversion', () => {
  it('converts every value of a Keras-layout file into a float32 weights manifest', async () => {
    const layout = thinLayout();
    const h5 = join(work, 'thin.h5');
    await writeKerasH5(h5, layout);
    const out = join(freshParent(), 'vgg19');
    const result = await convertKerasH5(h5, out, layout);
    expect(result.tensors).toBe(32);

    const manifest = readManifest(out);
    expect(manifest).toHaveLength(1);
    expect(manifest[0]!.weights.map((w) => w.name)).toEqual(layout.map((s) => s.name));
    expect(manifest[0]!.weights.map((w) => w.shape)).toEqual(layout.map((s) => s.shape));
    expect(manifest[0]!.weights.every((w) => w.dtype === 'float32')).toBe(true);
    const bytes = Buffer.concat(manifest[0]!.paths.map((p) => readFileSync(join(out, p))));
    const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    let at = 0;
    layout.forEach((spec, t) => {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      for (let i = 0; i < count; i++) expect(values[at + i]).toBe(expectedValue(t, i));
      at += count;
    });
    expect(at).toBe(values.length);
    expect(await verifyModelDir(out, layout)).toMatchObject({ tensors: 32 });
  });

  it('converts full-size VGG-19 weights to exactly the tensors of the shared manifest, and they verify', async () => {
    const out = join(freshParent(), 'vgg19');
    const result = await convertKerasH5(fullH5, out);
    expect(result.parameters).toBe(20_024_384);
    const ours = readManifest(out).flatMap((g) => g.weights.map(({ name, shape }) => ({ name, shape })));
    const shared = readManifest(MODEL_DIR).flatMap((g) => g.weights.map(({ name, shape }) => ({ name, shape })));
    expect(ours).toEqual(shared);
    const verified = await verifyModelDir(out);
    expect(verified.parameters).toBe(20_024_384);
    // Shards of 4 MiB, the TF.js convention.
    expect(readManifest(out)[0]!.paths).toHaveLength(Math.ceil((20_024_384 * 4) / (4 * 1024 * 1024)));
  });

  it('refuses files that are not Keras VGG-19 weights, with a clear message', async () => {
    const text = join(work, 'notes.h5');
    writeFileSync(text, 'this is not HDF5');
    await expect(convertKerasH5(text, join(work, 'never'))).rejects.toThrow(ModelFileError);
    await expect(convertKerasH5(join(work, 'missing.h5'), join(work, 'never'))).rejects.toThrow(/does not exist/);
    const thin = join(work, 'thin-only.h5');
    await writeKerasH5(thin, thinLayout());
    await expect(convertKerasH5(thin, join(work, 'never'))).rejects.toThrow(
      /block1_conv1\/kernel has shape \[3,3,3,4\], expected \[3,3,3,64\]/,
    );
    const partial = join(work, 'partial.h5');
    await writeKerasH5(partial, thinLayout().slice(0, 4));
    await expect(convertKerasH5(partial, join(work, 'never'), thinLayout())).rejects.toThrow(/no layer "block2_conv1"/);
    expect(existsSync(join(work, 'never'))).toBe(false);
  });

  it('converting into a folder that holds other files keeps them and replaces the weights', async () => {
    const layout = thinLayout();
    const h5 = join(work, 'thin2.h5');
    await writeKerasH5(h5, layout);
    const out = join(freshParent(), 'models');
    mkdirSync(out);
    writeFileSync(join(out, 'README.txt'), 'mine');
    writeFileSync(join(out, 'weights_manifest.json'), '[]');
    await convertKerasH5(h5, out, layout);
    expect(readFileSync(join(out, 'README.txt'), 'utf8')).toBe('mine');
    expect(readManifest(out)[0]!.weights).toHaveLength(32);
    expect(readdirSync(out).filter((f) => f.includes('.old-'))).toEqual([]);
  });
});

describe('stylebot models fetch (download + MD5)', () => {
  it('the canonical source and MD5 are recorded in models/checksums.json', () => {
    const source = readModelSource('vgg19');
    expect(source.url).toBe(
      'https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5',
    );
    expect(source.md5).toBe('253f8cb515780f3b799900260a226db6');
  });

  it('downloads from a local server, checks the MD5 and converts', async () => {
    const parent = freshParent();
    const dir = join(parent, 'vgg19');
    const progress: number[] = [];
    const result = await fetchVgg19({
      url: `${baseUrl}/vgg19.h5`,
      md5: fullMd5,
      dir,
      onProgress: (received) => progress.push(received),
    });
    expect(result.md5).toBe(fullMd5);
    expect(result.downloadedBytes).toBe(statSync(fullH5).size);
    expect(progress.at(-1)).toBe(statSync(fullH5).size);
    expect((await verifyModelDir(dir)).tensors).toBe(32);
    expect(readdirSync(parent)).toEqual(['vgg19']); // the download itself is gone
  });

  it('an MD5 mismatch is a clear error and leaves nothing behind', async () => {
    const parent = freshParent();
    const dir = join(parent, 'vgg19');
    const error = await fetchVgg19({ url: `${baseUrl}/vgg19.h5`, dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChecksumError);
    expect((error as Error).message).toContain(`have MD5 ${fullMd5}, expected 253f8cb515780f3b799900260a226db6`);
    expect((error as Error).message).toMatch(/Nothing was saved/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('STYLEBOT_WEIGHTS_URL overrides the URL; an existing good model folder survives a failed fetch', async () => {
    const parent = freshParent();
    const dir = join(parent, 'vgg19');
    await convertKerasH5(join(work, 'thin2.h5'), dir, thinLayout());
    const before = readFileSync(join(dir, 'weights_manifest.json'), 'utf8');
    const saved = process.env.STYLEBOT_WEIGHTS_URL;
    process.env.STYLEBOT_WEIGHTS_URL = `${baseUrl}/nowhere.h5`;
    try {
      await expect(fetchVgg19({ dir })).rejects.toThrow(`Could not download ${baseUrl}/nowhere.h5: HTTP 404`);
    } finally {
      if (saved === undefined) delete process.env.STYLEBOT_WEIGHTS_URL;
      else process.env.STYLEBOT_WEIGHTS_URL = saved;
    }
    expect(readFileSync(join(dir, 'weights_manifest.json'), 'utf8')).toBe(before);
    expect(readdirSync(parent)).toEqual(['vgg19']);
  });

  it('a transfer cut short or an unreachable server is a clear error and leaves nothing behind', async () => {
    const parent = freshParent();
    await expect(fetchVgg19({ url: `${baseUrl}/cut-short.h5`, dir: join(parent, 'vgg19') })).rejects.toThrow(/download/i);
    await expect(fetchVgg19({ url: 'http://127.0.0.1:1/vgg19.h5', dir: join(parent, 'vgg19') })).rejects.toThrow(
      /Could not download http:\/\/127.0.0.1:1\/vgg19.h5/,
    );
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('stylebot models verify', () => {
  it('accepts the shared quantized weights', async () => {
    const result = await verifyModelDir(MODEL_DIR);
    expect(result).toMatchObject({ tensors: 32, parameters: 20_024_384 });
  });

  it('names what is wrong with a broken folder', async () => {
    const parent = freshParent();
    await expect(verifyModelDir(join(parent, 'empty'))).rejects.toThrow(/no weights_manifest.json.*models fetch/);
    const dir = join(parent, 'thin');
    await convertKerasH5(join(work, 'thin2.h5'), dir, thinLayout());
    await expect(verifyModelDir(dir)).rejects.toThrow(/block1_conv1\/kernel has shape \[3,3,3,4\].*expected \[3,3,3,64\]/);
    const shard = readManifest(dir)[0]!.paths[0]!;
    const bytes = readFileSync(join(dir, shard));
    bytes.writeFloatLE(Number.NaN, 8);
    writeFileSync(join(dir, shard), bytes);
    await expect(verifyModelDir(dir, thinLayout())).rejects.toThrow(/block1_conv1\/kernel .* NaN/);
    rmSync(join(dir, shard));
    await expect(verifyModelDir(dir, thinLayout())).rejects.toThrow(`shard ${shard} is missing`);
    writeFileSync(join(dir, 'weights_manifest.json'), '{oops');
    await expect(verifyModelDir(dir, thinLayout())).rejects.toThrow(/not a valid weights manifest/);
  });
});

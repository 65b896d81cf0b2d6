// Checks that a weights folder holds the 32 VGG-19 conv tensors with the right shapes, and that they decode.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { vgg19TensorSpecs, type TensorSpec } from './layout.js';
import { MANIFEST_FILE } from './weights-dir.js';
import { ModelFileError } from './convert.js';

export interface VerifyResult {
  dir: string;
  tensors: number;
  parameters: number;
  /** Bytes of the shards as stored (smaller than parameters * 4 when quantized). */
  storedBytes: number;
}

type ManifestEntry = {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
};
type ManifestGroup = { paths: string[]; weights: ManifestEntry[] };

export async function verifyModelDir(dir: string, layout: TensorSpec[] = vgg19TensorSpecs()): Promise<VerifyResult> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) {
    throw new ModelFileError(`${dir} has no ${MANIFEST_FILE}. Run "stylebot models fetch" to download the weights.`);
  }
  let manifest: ManifestGroup[];
  try {
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as ManifestGroup[];
    if (!Array.isArray(manifest)) throw new Error('not a list of weight groups');
  } catch (error) {
    throw new ModelFileError(`${manifestPath} is not a valid weights manifest: ${(error as Error).message}`);
  }

  const wanted = new Map(layout.map((spec) => [spec.name, spec.shape]));
  const found = new Set<string>();
  let storedBytes = 0;
  for (const group of manifest) {
    const relevant = group.weights.filter((w) => wanted.has(w.name));
    if (relevant.length === 0) continue;
    for (const w of relevant) {
      if (w.shape.join(',') !== wanted.get(w.name)!.join(',')) {
        throw new ModelFileError(`${w.name} has shape [${w.shape}] in ${manifestPath}, expected [${wanted.get(w.name)}]`);
      }
    }
    const buffer = await readShards(dir, group.paths);
    storedBytes += buffer.byteLength;
    const needed = group.weights.reduce((n, w) => n + byteSize(w), 0);
    if (buffer.byteLength < needed) {
      throw new ModelFileError(`the shards in ${dir} hold ${buffer.byteLength} bytes, the manifest needs ${needed}: files are cut short`);
    }
    let offset = 0;
    for (const w of group.weights) {
      const size = byteSize(w);
      if (wanted.has(w.name)) {
        if (!allFinite(buffer.subarray(offset, offset + size), w)) {
          throw new ModelFileError(`${w.name} in ${dir} holds NaN or infinite values`);
        }
        found.add(w.name);
      }
      offset += size;
    }
  }
  const missing = layout.filter((spec) => !found.has(spec.name)).map((spec) => spec.name);
  if (missing.length > 0) {
    throw new ModelFileError(`${manifestPath} lacks ${missing.length} tensors, e.g. ${missing.slice(0, 3).join(', ')}`);
  }
  const parameters = layout.reduce((n, spec) => n + spec.shape.reduce((a, b) => a * b, 1), 0);
  return { dir, tensors: layout.length, parameters, storedBytes };
}

async function readShards(dir: string, paths: string[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (const path of paths) {
    const full = join(dir, path);
    if (!existsSync(full) || !statSync(full).isFile()) throw new ModelFileError(`shard ${path} is missing from ${dir}`);
    parts.push(await readFile(full));
  }
  return Buffer.concat(parts);
}

/** Decodes the stored values the way tf.io.decodeWeights does (value = q * scale + min when quantized). */
function allFinite(bytes: Uint8Array, w: ManifestEntry): boolean {
  const q = w.quantization;
  if (q && (q.dtype === 'uint8' || q.dtype === 'uint16')) {
    if (!Number.isFinite(q.scale) || !Number.isFinite(q.min)) return false;
    return true; // every q * scale + min is finite when scale and min are
  }
  if ((q?.dtype ?? w.dtype) === 'float32') {
    const values = new Float32Array(new Uint8Array(bytes).buffer); // copied: shards need not be 4-byte aligned
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  }
  return true;
}

function byteSize(w: ManifestEntry): number {
  const count = w.shape.reduce((a, b) => a * b, 1);
  const dtype = w.quantization?.dtype ?? w.dtype;
  const size: Record<string, number> = { uint8: 1, int8: 1, uint16: 2, float16: 2, float32: 4, int32: 4 };
  return count * (size[dtype] ?? 4);
}

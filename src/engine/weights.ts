// Finds and loads the VGG-19 convolution weights (TF.js weights manifest, float32 or quantized).
// Only the 16 conv layers are ever read; the classifier is never needed for style transfer.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kerasName, VGG_CONV_LAYERS, type VggConvLayer } from './vgg-layers.js';

// Re-exported: vgg.ts and the tests take the layer list from here.
export { kerasName, VGG_CONV_LAYERS, type VggConvLayer } from './vgg-layers.js';

export interface ConvWeights {
  /** [3, 3, in, out] (HWIO). */
  kernel: tf.Tensor4D;
  /** [out]. */
  bias: tf.Tensor1D;
}

export type VggWeights = Map<VggConvLayer, ConvWeights>;

const MANIFEST = 'weights_manifest.json';
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The weights folder: STYLEBOT_MODEL_DIR, else <repo>/models/vgg19, else ../shared/models/vgg19 beside a development checkout. */
export function resolveModelDir(): string {
  const fromEnv = process.env.STYLEBOT_MODEL_DIR?.trim();
  if (fromEnv) return resolve(fromEnv);
  const installed = join(REPO_ROOT, 'models', 'vgg19');
  // A development checkout has the weights beside it (../shared), as `npm start` finds them too.
  const beside = join(REPO_ROOT, '..', 'shared', 'models', 'vgg19');
  return !existsSync(join(installed, MANIFEST)) && existsSync(join(beside, MANIFEST)) ? beside : installed;
}

function missingWeights(dir: string, detail: string): Error {
  return new Error(
    `VGG-19 weights not found in ${dir} (${detail}). Run \`npx stylebot models fetch\` to download them, ` +
      'or set STYLEBOT_MODEL_DIR to a folder that holds weights_manifest.json and its shards.',
  );
}

async function readManifest(dir: string): Promise<tf.io.WeightsManifestConfig> {
  const path = join(dir, MANIFEST);
  if (!existsSync(path)) throw missingWeights(dir, `no ${MANIFEST}`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as tf.io.WeightsManifestConfig;
  } catch (err) {
    throw new Error(`Cannot read ${path}: ${(err as Error).message}. Run \`npx stylebot models fetch\` to replace it.`);
  }
}

/** The bytes of one manifest group's shards, back to back. */
async function readShards(dir: string, group: tf.io.WeightsManifestConfig[number]): Promise<Uint8Array> {
  const shards: Uint8Array[] = [];
  for (const shard of group.paths) {
    const path = join(dir, shard);
    if (!existsSync(path)) throw missingWeights(dir, `shard ${shard} is missing`);
    shards.push(await readFile(path));
  }
  const total = shards.reduce((n, s) => n + s.byteLength, 0);
  const buffer = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    buffer.set(s, offset);
    offset += s.byteLength;
  }
  return buffer;
}

/** The conv layers as tensors, from the same decoding as loadVggArrays (one decoder for every backend). */
async function loadFrom(dir: string): Promise<VggWeights> {
  const weights: VggWeights = new Map();
  for (const [layer, conv] of await loadArraysFrom(dir)) {
    weights.set(layer, { kernel: tf.tensor4d(conv.kernel, [3, 3, conv.cin, conv.cout]), bias: tf.tensor1d(conv.bias) });
  }
  return weights;
}

const cache = new Map<string, Promise<VggWeights>>();

/**
 * Loads the 16 conv layers from a TF.js weights manifest. Cached per directory and backend,
 * so a worker reads the files once. The tensors are owned by the cache: never dispose them.
 */
export function loadVggWeights(dir: string = resolveModelDir()): Promise<VggWeights> {
  const key = `${tf.getBackend()}:${resolve(dir)}`;
  let entry = cache.get(key);
  if (!entry) {
    entry = loadFrom(dir);
    entry.catch(() => cache.delete(key));
    cache.set(key, entry);
  }
  return entry;
}

/** One conv layer as plain arrays: kernel [3, 3, cin, cout] (HWIO) row-major, bias [cout]. */
export interface ConvArrays {
  kernel: Float32Array;
  bias: Float32Array;
  cin: number;
  cout: number;
}

export type VggArrays = ReadonlyMap<VggConvLayer, ConvArrays>;

/** Bytes per stored value, by the manifest's storage type (its quantization's, else its dtype). */
const STORED_BYTES: Readonly<Record<string, number>> = { uint8: 1, uint16: 2, float16: 2, float32: 4, int32: 4, bool: 1 };

/** Whether decodeEntry reads an entry as floats: float32 as stored, or any quantization. */
const decodable = (entry: tf.io.WeightsManifestEntry) => entry.quantization !== undefined || entry.dtype === 'float32';

/** An IEEE 754 half-precision value (the bits of a uint16) as a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * Decodes one entry as tf.io.decodeWeights does, without tensors: float32 as stored; uint8/uint16 quantized as
 * q x scale + min; float16 quantized as half-precision values.
 */
function decodeEntry(bytes: Uint8Array, offset: number, entry: tf.io.WeightsManifestEntry, count: number): Float32Array {
  const q = entry.quantization;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const out = new Float32Array(count);
  if (!q) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(2 * i, true));
  } else {
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    for (let i = 0; i < count; i++) out[i] = (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true)) * scale + min;
  }
  return out;
}

async function loadArraysFrom(dir: string): Promise<VggArrays> {
  const manifest = await readManifest(dir);
  const found = new Map<string, { values: Float32Array; shape: number[] }>();
  const wanted = new Set(VGG_CONV_LAYERS.flatMap((l) => [`${kerasName(l)}/kernel`, `${kerasName(l)}/bias`]));
  for (const group of manifest) {
    if (!group.weights.some((w) => wanted.has(w.name))) continue;
    const bytes = await readShards(dir, group);
    let offset = 0;
    for (const entry of group.weights) {
      const count = entry.shape.reduce((a, b) => a * b, 1);
      const stored = entry.quantization?.dtype ?? entry.dtype;
      const size = STORED_BYTES[stored];
      if (size === undefined || (wanted.has(entry.name) && !decodable(entry))) {
        throw new Error(`${dir}: ${entry.name} is stored as ${stored}, which the weights loader cannot read`);
      }
      if (wanted.has(entry.name)) found.set(entry.name, { values: decodeEntry(bytes, offset, entry, count), shape: entry.shape });
      offset += count * size;
    }
  }
  const layers = new Map<VggConvLayer, ConvArrays>();
  for (const layer of VGG_CONV_LAYERS) {
    const kernel = found.get(`${kerasName(layer)}/kernel`);
    const bias = found.get(`${kerasName(layer)}/bias`);
    if (!kernel || !bias) throw missingWeights(dir, `the manifest has no ${kerasName(layer)} kernel and bias`);
    const [h, w, cin, cout] = kernel.shape;
    if (kernel.shape.length !== 4 || h !== 3 || w !== 3 || bias.shape.length !== 1 || bias.shape[0] !== cout) {
      throw new Error(`Unexpected shapes for ${kerasName(layer)} in ${dir}: kernel [${kernel.shape}], bias [${bias.shape}].`);
    }
    layers.set(layer, { kernel: kernel.values, bias: bias.values, cin: cin!, cout: cout! });
  }
  return layers;
}

const arraysCache = new Map<string, Promise<VggArrays>>();

/**
 * The 16 conv layers as plain Float32Arrays (what the ONNX Runtime graphs embed), decoded from the manifest
 * without tfjs tensors: the onnxruntime backends then hold no second copy in tfjs's memory. Cached per directory;
 * the arrays are shared, never modify them. Rejects, as loadVggWeights does, for missing or malformed weights.
 */
export function loadVggArrays(dir: string = resolveModelDir()): Promise<VggArrays> {
  const key = resolve(dir);
  let entry = arraysCache.get(key);
  if (!entry) {
    entry = loadArraysFrom(dir);
    entry.catch(() => arraysCache.delete(key));
    arraysCache.set(key, entry);
  }
  return entry;
}

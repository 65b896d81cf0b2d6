// Converts a Keras HDF5 weights file (save_weights layout) to the TF.js weights directory the engine loads.
//
// Keras keeps, on the root group (or on /model_weights for a whole saved model): the attribute `layer_names`; and
// for each layer a group with the attribute `weight_names`, each name being the path of a dataset inside that
// group (Keras 2: "block1_conv1/kernel:0" and "block1_conv1/bias:0", so /block1_conv1/block1_conv1/kernel:0).
// Reading the names from the attributes, as Keras itself does, also handles older files with other weight names.
import h5wasm from 'h5wasm/node';
import type { Dataset, Group } from 'h5wasm';
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { vgg19TensorSpecs, type TensorSpec } from './layout.js';
import { writeWeightsDir, type NamedFloat32 } from './weights-dir.js';

export class ModelFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export interface ConvertResult {
  dir: string;
  tensors: number;
  parameters: number;
  bytes: number;
}

/**
 * Reads the conv kernels and biases named in `layout` (default: VGG-19's 32 tensors) from a Keras .h5 file and
 * writes them as float32 into outDir. Shapes must match the layout exactly.
 */
export async function convertKerasH5(h5Path: string, outDir: string, layout: TensorSpec[] = vgg19TensorSpecs()): Promise<ConvertResult> {
  const tensors = await readKerasTensors(h5Path, layout);
  const { bytes } = await writeWeightsDir(tensors, outDir);
  return { dir: outDir, tensors: tensors.length, parameters: bytes / 4, bytes };
}

/** The tensors of `layout`, read from a Keras weights file, in layout order. */
export async function readKerasTensors(h5Path: string, layout: TensorSpec[]): Promise<NamedFloat32[]> {
  if (!existsSync(h5Path)) throw new ModelFileError(`${h5Path} does not exist`);
  if (!(await hasHdf5Signature(h5Path))) throw new ModelFileError(`${h5Path} is not an HDF5 file`);
  await h5wasm.ready;
  let file: InstanceType<typeof h5wasm.File>;
  try {
    file = new h5wasm.File(h5Path, 'r');
  } catch (error) {
    throw new ModelFileError(`${h5Path} is not a readable HDF5 file (${String(error)})`);
  }
  try {
    const root = weightsRoot(file);
    const layerNames = new Set(readStringList(root, 'layer_names'));
    return layout.map((spec) => {
      const [layer, kind] = spec.name.split('/') as [string, string];
      if (!layerNames.has(layer)) {
        throw new ModelFileError(`${h5Path} has no layer "${layer}" in its layer_names: is it the VGG-19 weights file?`);
      }
      const group = root.get(layer);
      if (!isGroup(group)) throw new ModelFileError(`${h5Path}: layer "${layer}" is not a group`);
      const datasets = readStringList(group, 'weight_names').map((name) => {
        const entity = group.get(name);
        if (!isDataset(entity)) throw new ModelFileError(`${h5Path}: ${layer} lists weight "${name}" but it is missing`);
        return entity;
      });
      // Kernel and bias are told apart by rank (4 and 1), whatever the weights are called.
      const wantedRank = kind === 'kernel' ? 4 : 1;
      const dataset = datasets.find((d) => d.shape?.length === wantedRank);
      if (!dataset) throw new ModelFileError(`${h5Path}: layer "${layer}" has no ${kind}`);
      const shape = dataset.shape ?? [];
      if (shape.join(',') !== spec.shape.join(',')) {
        throw new ModelFileError(`${h5Path}: ${spec.name} has shape [${shape}], expected [${spec.shape}]`);
      }
      return { name: spec.name, shape: spec.shape, data: toFloat32(dataset, h5Path, spec.name) };
    });
  } finally {
    file.close();
  }
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** HDF5 puts its signature at byte 0, 512, 1024, 2048, ... (after an optional user block). */
async function hasHdf5Signature(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(8);
    for (let offset = 0; offset <= 1 << 20; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead } = await handle.read(head, 0, 8, offset);
      if (bytesRead < 8) return false;
      if (head.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

function weightsRoot(file: Group): Group {
  if ('layer_names' in file.attrs) return file;
  const inner = file.keys().includes('model_weights') ? file.get('model_weights') : null;
  if (isGroup(inner) && 'layer_names' in inner.attrs) return inner;
  throw new ModelFileError(`${file.path === '/' ? 'the file' : file.path} has no layer_names attribute: not a Keras weights file`);
}

/** A list-of-strings attribute; Keras splits long ones into name0, name1, ... */
function readStringList(group: Group, name: string): string[] {
  const attrs = group.attrs;
  const chunks = name in attrs ? [attrs[name]!] : [];
  for (let i = 0; `${name}${i}` in attrs; i++) chunks.push(attrs[`${name}${i}`]!);
  return chunks.flatMap((attr) => {
    const value = attr.value;
    const list = Array.isArray(value) ? value : value === null ? [] : [value];
    return list.map((item) => (item instanceof Uint8Array ? new TextDecoder().decode(item) : String(item)).replace(/\0+$/, ''));
  });
}

function toFloat32(dataset: Dataset, h5Path: string, name: string): Float32Array {
  const value = dataset.value;
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return Float32Array.from(value);
  throw new ModelFileError(`${h5Path}: ${name} is not stored as floating point`);
}

function isGroup(entity: unknown): entity is Group {
  return entity instanceof h5wasm.Group;
}

function isDataset(entity: unknown): entity is Dataset {
  return entity instanceof h5wasm.Dataset;
}

// Writes a small HDF5 file laid out exactly like Keras 2's save_weights output (as the VGG-19 no-top file is):
// root attributes layer_names / backend / keras_version; per layer a group with a weight_names attribute and the
// datasets at <layer>/<layer>/kernel:0 and <layer>/<layer>/bias:0. Pooling and input layers have no weights.
import h5wasm from 'h5wasm/node';
import type { TensorSpec } from '../../src/models/layout.js';

/** The value stored at index i of tensor t: deterministic, so a test can check every converted number. */
export function expectedValue(tensorIndex: number, i: number): number {
  return Math.fround(Math.sin(i * 0.37 + tensorIndex) * 0.1);
}

export async function writeKerasH5(path: string, layout: TensorSpec[]): Promise<void> {
  await h5wasm.ready;
  const convLayers = [...new Set(layout.map((spec) => spec.name.split('/')[0]!))];
  // Keras lists every layer in model order, pools included: input_1, block1_conv1, block1_conv2, block1_pool, ...
  const layerNames = ['input_1'];
  for (const layer of convLayers) {
    const block = layer.slice(0, layer.indexOf('_'));
    const next = convLayers[convLayers.indexOf(layer) + 1];
    layerNames.push(layer);
    if (!next || !next.startsWith(`${block}_`)) layerNames.push(`${block}_pool`);
  }
  const fixed = (names: string[]) => `A${Math.max(1, ...names.map((n) => n.length))}`;

  const file = new h5wasm.File(path, 'w');
  try {
    file.create_attribute('layer_names', layerNames, null, fixed(layerNames));
    file.create_attribute('backend', 'tensorflow', null, 'A10');
    file.create_attribute('keras_version', '2.2.4', null, 'A5');
    for (const layer of layerNames) {
      const group = file.create_group(layer);
      const specs = layout.filter((spec) => spec.name.startsWith(`${layer}/`));
      const weightNames = specs.map((spec) => `${layer}/${spec.name.split('/')[1]}:0`);
      group.create_attribute('weight_names', weightNames, [weightNames.length], fixed(weightNames.length ? weightNames : ['x']));
      if (specs.length === 0) continue;
      const inner = group.create_group(layer);
      for (const spec of specs) {
        const tensorIndex = layout.indexOf(spec);
        const count = spec.shape.reduce((a, b) => a * b, 1);
        const data = new Float32Array(count);
        for (let i = 0; i < count; i++) data[i] = expectedValue(tensorIndex, i);
        inner.create_dataset({ name: `${spec.name.split('/')[1]}:0`, data, shape: spec.shape, dtype: '<f4' });
      }
    }
  } finally {
    file.close();
  }
}

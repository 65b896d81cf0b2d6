// Measures the tensor memory peak of one Gatys step (forward to relu5_1 + image gradient) on the active backend
// at a few sizes, and prints what src/engine/memory.ts models: peak bytes against the activation bytes per step.
//   npx tsx bench/gpu/memory-calibrate.ts [--backend wasm] [--sizes 32,64,128]
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/engine/backend.js';
import { computeTargets, disposeTargets, lossParts, weightedTotal } from '../../src/engine/losses.js';
import { activationBytes } from '../../src/engine/memory.js';
import { CHECK_WEIGHTS, syntheticImage } from '../../test/engine/support/webgpu-checks.js';
import { createVgg } from '../../src/engine/vgg.js';
import { loadVggWeights, resolveModelDir } from '../../src/engine/weights.js';
import type { BackendName } from '../../src/engine/types.js';

const argv = process.argv.slice(2);
const arg = (name: string, fallback: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : fallback);
await initBackend(arg('--backend', 'wasm') as BackendName);
const vgg = createVgg(await loadVggWeights(resolveModelDir()), 'custom');
console.log(`backend ${tf.getBackend()}, ${(tf.memory().numBytes / 2 ** 20).toFixed(1)} MB held before (weights)`);
console.log('| size | peak MB above held | activation MB | ratio |\n|---|---|---|---|');
for (const size of arg('--sizes', '32,64,128').split(',').map(Number)) {
  const targets = computeTargets(
    vgg,
    { width: size, height: size, content: syntheticImage(size, 1), styles: [{ image: syntheticImage(size, 2), weight: 1 }] },
    CHECK_WEIGHTS,
  );
  const x = tf.tensor4d(Float32Array.from(syntheticImage(size, 3).data), [1, size, size, 3]);
  const held = tf.memory().numBytes;
  const valueAndGrad = tf.valueAndGrad((img: tf.Tensor) => weightedTotal(lossParts(vgg, targets, img as tf.Tensor4D), CHECK_WEIGHTS));
  const info = await tf.profile(() => {
    const { value, grad } = valueAndGrad(x);
    value.dispose();
    return grad;
  });
  const peak = info.peakBytes - held;
  const act = activationBytes(size, size);
  console.log(`| ${size} | ${(peak / 2 ** 20).toFixed(2)} | ${(act / 2 ** 20).toFixed(2)} | ${(peak / act).toFixed(3)} |`);
  tf.dispose(info.result as tf.Tensor);
  x.dispose();
  disposeTargets(targets);
}

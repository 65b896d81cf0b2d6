// Loading the real VGG-19 conv weights, and what happens when they are missing.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { createVgg, preprocess, vggFeatures } from '../../src/engine/vgg.js';
import { kerasName, loadVggArrays, loadVggWeights, resolveModelDir, VGG_CONV_LAYERS } from '../../src/engine/weights.js';
import { MODEL_DIR, REPO_ROOT } from '../helpers/shared.js';

const savedEnv = process.env.STYLEBOT_MODEL_DIR;
beforeAll(async () => {
  await initBackend();
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.STYLEBOT_MODEL_DIR;
  else process.env.STYLEBOT_MODEL_DIR = savedEnv;
});

describe('VGG-19 weights', () => {
  it('loads the 16 conv layers (32 tensors) with their shapes, once per directory', async () => {
    const weights = await loadVggWeights(MODEL_DIR);
    expect([...weights.keys()]).toEqual([...VGG_CONV_LAYERS]);
    const shapes = [...weights.values()].flatMap((w) => [w.kernel.shape, w.bias.shape]);
    expect(shapes).toHaveLength(32);
    expect(weights.get('conv1_1')!.kernel.shape).toEqual([3, 3, 3, 64]);
    expect(weights.get('conv3_1')!.kernel.shape).toEqual([3, 3, 128, 256]);
    expect(weights.get('conv5_4')!.kernel.shape).toEqual([3, 3, 512, 512]);
    expect(weights.get('conv5_4')!.bias.shape).toEqual([512]);
    expect(weights.get('conv1_1')!.kernel.dtype).toBe('float32');
    // Dequantised values: the first kernel of Keras VGG-19 lies within about [-0.67, 0.62].
    const k = await weights.get('conv1_1')!.kernel.data();
    expect(Math.max(...k)).toBeGreaterThan(0.3);
    expect(Math.min(...k)).toBeLessThan(-0.3);
    const before = tf.memory().numTensors;
    expect(await loadVggWeights(MODEL_DIR)).toBe(weights);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('loadVggArrays decodes the same values as tf.io.decodeWeights, without making a tensor, once per directory; the tensors hold them too', async () => {
    const before = tf.memory().numTensors;
    const arrays = await loadVggArrays(MODEL_DIR);
    expect(tf.memory().numTensors).toBe(before);
    expect(await loadVggArrays(MODEL_DIR)).toBe(arrays);
    // tfjs's own decoder over the same shards, as the independent reading.
    const [group] = JSON.parse(readFileSync(join(MODEL_DIR, 'weights_manifest.json'), 'utf8')) as tf.io.WeightsManifestConfig;
    const bytes = Buffer.concat(group!.paths.map((path) => readFileSync(join(MODEL_DIR, path))));
    const decoded = tf.io.decodeWeights(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), group!.weights);
    const tensors = await loadVggWeights(MODEL_DIR);
    // Element by element (toEqual on millions of values takes minutes).
    const differing = (a: Float32Array, b: ArrayLike<number>) =>
      a.length !== b.length ? Infinity : a.reduce((n, v, i) => n + (v === b[i] ? 0 : 1), 0);
    for (const layer of VGG_CONV_LAYERS) {
      const mine = arrays.get(layer)!;
      const keras = kerasName(layer);
      expect([3, 3, mine.cin, mine.cout]).toEqual(decoded[`${keras}/kernel`]!.shape);
      expect(differing(mine.kernel, await decoded[`${keras}/kernel`]!.data())).toBe(0);
      expect(differing(mine.bias, await decoded[`${keras}/bias`]!.data())).toBe(0);
      expect(differing(mine.kernel, await tensors.get(layer)!.kernel.data())).toBe(0);
    }
    tf.dispose(Object.values(decoded));
    const empty = mkdtempSync(join(tmpdir(), 'stylebot-noweights-'));
    await expect(loadVggArrays(empty)).rejects.toThrow(/npx stylebot models fetch/);
  });

  it('resolveModelDir follows STYLEBOT_MODEL_DIR, else <repo>/models/vgg19, else ../shared/models/vgg19 beside the checkout', () => {
    delete process.env.STYLEBOT_MODEL_DIR;
    const installed = join(REPO_ROOT, 'models', 'vgg19');
    // Tests run beside ../shared: without installed weights, the development checkout's are taken.
    const expected = existsSync(join(installed, 'weights_manifest.json')) ? installed : join(REPO_ROOT, '..', 'shared', 'models', 'vgg19');
    expect(resolveModelDir()).toBe(expected);
    process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
    expect(resolveModelDir()).toBe(MODEL_DIR);
  });

  it('missing weights give an error that says what to run', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'stylebot-noweights-'));
    await expect(loadVggWeights(empty)).rejects.toThrow(/npx stylebot models fetch/);
    writeFileSync(
      join(empty, 'weights_manifest.json'),
      JSON.stringify([{ paths: ['gone.bin'], weights: [{ name: 'block1_conv1/kernel', shape: [3, 3, 3, 64], dtype: 'float32' }] }]),
    );
    await expect(loadVggWeights(empty)).rejects.toThrow(/shard gone\.bin is missing.*npx stylebot models fetch/);
  });
});

describe('VGG-19 features', () => {
  it('preprocesses RGB 0..255 to BGR minus the ImageNet mean', async () => {
    const rgb = tf.tensor4d([10, 20, 30], [1, 1, 1, 3]);
    const out = Array.from(await preprocess(rgb).data());
    expect(out[0]).toBeCloseTo(30 - 103.939, 4);
    expect(out[1]).toBeCloseTo(20 - 116.779, 4);
    expect(out[2]).toBeCloseTo(10 - 123.68, 4);
  });

  it('gives the feature shapes of average-pooled VGG-19 and stops at the deepest requested layer', async () => {
    const vgg = createVgg(await loadVggWeights(MODEL_DIR));
    const image = tf.randomUniform([1, 40, 56, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const feats = vggFeatures(vgg, image, ['relu1_1', 'relu4_2', 'relu5_1']);
    expect(feats.get('relu1_1')!.shape).toEqual([1, 40, 56, 64]);
    expect(feats.get('relu4_2')!.shape).toEqual([1, 5, 7, 512]);
    expect(feats.get('relu5_1')!.shape).toEqual([1, 2, 3, 512]);
    expect(Math.min(...(await feats.get('relu4_2')!.data()))).toBeGreaterThanOrEqual(0);
    // Only relu1_1 asked: nothing deeper is computed, and nothing is left behind but the result.
    const before = tf.memory().numTensors;
    const shallow = vggFeatures(vgg, image, ['relu1_1']);
    expect(tf.memory().numTensors - before).toBe(1);
    // Average pooling: a constant image gives constant features away from the borders.
    const flat = vggFeatures(vgg, tf.fill([1, 16, 16, 3], 128) as tf.Tensor4D, ['relu2_1']).get('relu2_1')!;
    const v = (await flat.array()) as number[][][][];
    expect(v[0]![3]![3]![5]).toBeCloseTo(v[0]![4]![4]![5]!, 3);
    shallow.get('relu1_1')!.dispose();
  });
});

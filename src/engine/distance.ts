// Style distance between two pictures: how far apart their Gram matrices are, layer by layer,
// with the style loss of the paper (E_l = 1/(4 N^2 M^2) sum (G_a - G_b)^2) and weight 1 per layer.
import * as tf from '@tensorflow/tfjs';
import { activeOnnxProvider, initBackend } from './backend.js';
import { sharedFeatures } from './onnx/objective.js';
import { sessionSettingsFromEnv } from './onnx/session.js';
import { gramMatrix, STYLE_LAYERS, styleLayerLoss } from './losses.js';
import { createVgg, vggFeatures } from './vgg.js';
import { loadVggArrays, loadVggWeights, resolveModelDir } from './weights.js';
import { decodeImage, resizeExact } from '../images/index.js';

/** Both images are compared at this size (the size VGG-19 was trained on). */
export const DISTANCE_SIZE = 224;

/** E_l for relu1_1 .. relu5_1 (perLayer) and their sum (total). 0 means the same style statistics. */
export async function styleDistance(a: Uint8Array, b: Uint8Array): Promise<{ total: number; perLayer: number[] }> {
  await initBackend();
  const [imgA, imgB] = await Promise.all([a, b].map(async (bytes) => resizeExact(await decodeImage(bytes), DISTANCE_SIZE, DISTANCE_SIZE)));
  const provider = activeOnnxProvider();
  if (provider) {
    // The Gram matrices from ONNX Runtime's forward graph; the same E_l of them below.
    const features = await sharedFeatures(await loadVggArrays(resolveModelDir()), sessionSettingsFromEnv(provider));
    const [ga, gb] = [(await features.run(imgA!)).grams, (await features.run(imgB!)).grams];
    const positions = DISTANCE_SIZE * DISTANCE_SIZE;
    const perLayer = tf.tidy(() =>
      STYLE_LAYERS.map((_, i) => {
        const n = Math.round(Math.sqrt(ga[i]!.length));
        const m = positions / 4 ** i;
        return styleLayerLoss(tf.tensor2d(ga[i]!, [n, n]), tf.tensor2d(gb[i]!, [n, n]), m).dataSync()[0]!;
      }),
    );
    return { total: perLayer.reduce((s, v) => s + v, 0), perLayer };
  }
  const vgg = createVgg(await loadVggWeights(resolveModelDir()), 'custom');
  const perLayerTensor = tf.tidy(() => {
    const grams = [imgA!, imgB!].map((img) => {
      const x = tf.tensor4d(Float32Array.from(img.data), [1, img.height, img.width, 3]);
      const feats = vggFeatures(vgg, x, STYLE_LAYERS);
      return STYLE_LAYERS.map((l) => ({ gram: gramMatrix(feats.get(l)!), positions: feats.get(l)!.shape[1] * feats.get(l)!.shape[2] }));
    });
    return tf.stack(STYLE_LAYERS.map((_, i) => styleLayerLoss(grams[0]![i]!.gram, grams[1]![i]!.gram, grams[0]![i]!.positions)));
  });
  const perLayer = Array.from(await perLayerTensor.data());
  perLayerTensor.dispose();
  return { total: perLayer.reduce((s, v) => s + v, 0), perLayer };
}

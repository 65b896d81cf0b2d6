// Artist mode's "closest" pick: of the artist's works, the one whose style (VGG-19 Gram matrices) is nearest the
// photo's, so that the painting's palette and textures need to move the photo least. The works' Gram matrices are
// kept per work and size, so a second request for the same artist computes only the photo's.
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { gramMatrix, imageTensor, STYLE_LAYERS } from './losses.js';
import { vggFeatures, type Vgg } from './vgg.js';
import { MIN_SIDE } from './inputs.js';
import { decodeImage, type RgbImage } from '../images/index.js';

/** Longest side (px) at which pictures are compared: large enough for relu5_1 to see structure, cheap on a CPU. */
export const PICK_SIDE = 256;

/** Works whose Gram matrices are kept (about 2.4 MB each: 64^2 + 128^2 + 256^2 + 2 x 512^2 floats). */
const CACHE_ENTRIES = 48;

/** Per-position Gram matrices G / M of relu1_1 .. relu5_1, by sha-256 of the encoded work and the side. */
const cache = new Map<string, tf.Tensor2D[]>();
let hits = 0;

/**
 * Per-position Gram matrices (G / M, M = H x W positions, see losses.ts) of relu1_1..relu5_1 of a picture decoded to
 * `side` px on its longest side. New tensors; the caller disposes them.
 */
function gramsOf(vgg: Vgg, picture: { width: number; height: number; data: Uint8Array }): tf.Tensor2D[] {
  return tf.tidy(() => {
    const feats = vggFeatures(vgg, imageTensor(picture), STYLE_LAYERS);
    return STYLE_LAYERS.map((layer) => {
      const f = feats.get(layer)!;
      return tf.div(gramMatrix(f), f.shape[1] * f.shape[2]) as tf.Tensor2D;
    });
  });
}

/**
 * The picture at `side` px on its longest side, or larger when its shorter side would be under MIN_SIDE (VGG-19's
 * relu5_1 would be empty): per-position Gram matrices compare across sizes.
 */
async function decodeForPick(bytes: Uint8Array, side: number): Promise<RgbImage> {
  const picture = await decodeImage(bytes, { longestSide: side });
  const shorter = Math.min(picture.width, picture.height);
  if (shorter >= MIN_SIDE) return picture;
  return decodeImage(bytes, { longestSide: Math.ceil((side * MIN_SIDE) / shorter) });
}

async function cachedGrams(vgg: Vgg, bytes: Uint8Array, side: number): Promise<tf.Tensor2D[]> {
  const key = `${createHash('sha256').update(bytes).digest('hex')}:${side}:${tf.getBackend()}`;
  const hit = cache.get(key);
  if (hit && hit.every((t) => !t.isDisposed)) {
    hits += 1;
    cache.delete(key); // re-inserted below: the map's order is the order of last use
    cache.set(key, hit);
    return hit;
  }
  const grams = gramsOf(vgg, await decodeForPick(bytes, side));
  grams.forEach((g) => tf.keep(g));
  cache.set(key, grams);
  while (cache.size > CACHE_ENTRIES) {
    const [oldest, tensors] = cache.entries().next().value as [string, tf.Tensor2D[]];
    cache.delete(oldest);
    tf.dispose(tensors);
  }
  return grams;
}

/**
 * Style distance between two sets of per-position Gram matrices: sum over relu1_1..relu5_1 of
 * 1/5 x 1/(4 N_l^2) sum (G_a/M_a - G_b/M_b)^2, i.e. the paper's E_l (Gatys et al. 2015, eq. 4) with w_l = 1/5, on
 * Gram matrices taken per position so that pictures of different shapes compare. 0 = the same style statistics.
 */
function gramDistance(a: readonly tf.Tensor2D[], b: readonly tf.Tensor2D[]): tf.Scalar {
  return tf.tidy(
    () =>
      tf.addN(
        a.map((ga, i) => {
          const n = ga.shape[0];
          return tf.mul(tf.sum(tf.square(tf.sub(ga, b[i]!))), 1 / (5 * 4 * n * n));
        }),
      ) as tf.Scalar,
  );
}

/**
 * Which of `candidates` (encoded pictures) is nearest the content photo in style: the index of the smallest
 * gramDistance, and every distance (same order). Both are compared at `side` px on their longest side (default
 * PICK_SIDE). The candidates' Gram matrices come from a cache kept per work and size. Rejects with ImageError for
 * an image that cannot be decoded and RangeError when there are no candidates.
 */
export async function closestStyle(
  vgg: Vgg,
  content: Uint8Array,
  candidates: readonly Uint8Array[],
  side = PICK_SIDE,
): Promise<{ index: number; distances: number[] }> {
  if (candidates.length === 0) throw new RangeError('There is no work to choose from.');
  const photo = gramsOf(vgg, await decodeForPick(content, side));
  try {
    const distances: number[] = [];
    for (const bytes of candidates) {
      const d = gramDistance(photo, await cachedGrams(vgg, bytes, side));
      distances.push((await d.data())[0]!);
      d.dispose();
    }
    const index = distances.reduce((best, d, i) => (d < distances[best]! ? i : best), 0);
    return { index, distances };
  } finally {
    tf.dispose(photo);
  }
}

/** Cache statistics (tests and the bench): works held, and lookups answered from the cache so far. */
export function closestStyleCache(): { entries: number; hits: number } {
  return { entries: cache.size, hits };
}

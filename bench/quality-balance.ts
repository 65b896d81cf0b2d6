// How the balance of content and style moves with the picture's size (issue 15): at each size, the content loss of
// the painting itself (what "all style" costs in content) against the style loss of the photo itself (what "all
// photo" costs in style). Their ratio is the style weight at which the two terms weigh the same; the default style
// weight follows its growth with size (validate.ts defaultStyleWeight). Forward passes only.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { computeTargets, disposeTargets, lossParts } from '../src/engine/losses.js';
import { prepareInputs } from '../src/engine/inputs.js';
import { resolveOptions } from '../src/engine/validate.js';
import type { Vgg } from '../src/engine/vgg.js';
import { resizeExact } from '../src/images/index.js';
import { imageTensor } from '../src/engine/losses.js';

export interface BalanceRow {
  size: number;
  style: string;
  /** 1/2 sum (F - P)^2 of the painting resized to the photo's shape, against the photo. */
  contentOfPainting: number;
  /** sum_l w_l E_l of the photo against the painting. */
  styleOfPhoto: number;
  /** contentOfPainting / styleOfPhoto: the style weight that makes both terms equal. */
  ratio: number;
}

export async function measureBalance(
  vgg: Vgg,
  content: Uint8Array,
  style: { name: string; bytes: Uint8Array },
  size: number,
): Promise<BalanceRow> {
  const options = resolveOptions({ size, seed: 1 });
  const inputs = await prepareInputs({ content, styles: [{ image: style.bytes, name: style.name }] }, options);
  const targets = computeTargets(vgg, inputs, options);
  try {
    const painting = await resizeExact(inputs.styles[0]!.image, inputs.width, inputs.height);
    const [photoParts, paintingParts] = tf.tidy(() => [
      lossParts(vgg, targets, imageTensor(inputs.content!)),
      lossParts(vgg, targets, imageTensor(painting)),
    ]);
    const styleOfPhoto = (await photoParts!.data())[1]!;
    const contentOfPainting = (await paintingParts!.data())[0]!;
    tf.dispose([photoParts!, paintingParts!]);
    return { size, style: style.name, contentOfPainting, styleOfPhoto, ratio: contentOfPainting / styleOfPhoto };
  } finally {
    disposeTargets(targets);
  }
}

export function readImage(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

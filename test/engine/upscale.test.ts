// Starting from a given picture (init 'picture'): the Upscale button's engine side. A 32 px result painted again at
// 64 px starts from that result, not from the photo.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stylize } from '../../src/engine/stylize.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
// See the test: its loss comparison is measured on TensorFlow.js's wasm backend (the engine picks it once a process).
process.env.STYLEBOT_BACKEND = 'wasm';
const tuebingen = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
const scream = readFileSync(join(STYLES_DIR, 'the_scream.jpg'));

describe('init picture', () => {
  // The loss comparison after a few iterations is a quality claim that differs by backend (onnxruntime's float
  // order lands elsewhere than TensorFlow.js's), so it names its backend: tfjs on wasm, present on every machine.
  it('starts the larger run from the smaller result upsampled (wasm backend)', async () => {
    const request = { content: tuebingen, styles: [{ image: scream }] };
    const small = await stylize({ ...request, options: { size: 32, iterations: 10, seed: 2, previewSize: 0 } });
    const fromResult = await stylize({
      ...request,
      init: small.png,
      options: { size: 64, iterations: 3, init: 'picture', seed: 2, previewSize: 0 },
    });
    const fromPhoto = await stylize({ ...request, options: { size: 64, iterations: 3, seed: 2, previewSize: 0 } });
    expect([fromResult.width, fromResult.height]).toEqual([64, 48]);
    // The photo itself has no content loss; the painted result carries style the photo lacks.
    expect(fromPhoto.losses.initial.content).toBeLessThan(1e-3 * fromResult.losses.initial.content);
    expect(fromResult.losses.initial.style).toBeLessThan(fromPhoto.losses.initial.style);
    // Measured: after 3 iterations at 64 px, 2.38e10 against 2.48e10 from the photo (deterministic on one backend).
    expect(fromResult.losses.final.total).toBeLessThan(fromPhoto.losses.final.total);

    await expect(stylize({ ...request, options: { size: 32, iterations: 1, init: 'picture' } })).rejects.toThrow(
      /needs the picture to start from/,
    );
  }, 120_000);
});

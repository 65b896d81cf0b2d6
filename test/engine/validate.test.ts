// Option defaults and validation: every bad value is a UserError with a message for the user.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from '../../src/engine/validate.js';

describe('resolveOptions', () => {
  it('fills the documented defaults and draws a seed when none is given', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({
      iterations: 500,
      size: 512,
      init: 'content',
      styleScale: 1,
      contentWeight: 1,
      styleWeight: 1e4,
      tvWeight: 0,
      optimizer: 'lbfgs',
      learningRate: 10,
      preserveColors: 'none',
      layerWeights: [0.2, 0.2, 0.2, 0.2, 0.2],
      progressEvery: 10,
      previewSize: 256,
      scales: 0,
      pick: 'random',
    });
    expect(Number.isInteger(o.seed)).toBe(true);
    const seeds = new Set(Array.from({ length: 5 }, () => resolveOptions().seed));
    expect(seeds.size).toBeGreaterThan(1);
    expect(resolveOptions({ seed: 42, size: 128, iterations: undefined }).seed).toBe(42);
    expect(resolveOptions({ size: 128 }).iterations).toBe(DEFAULT_OPTIONS.iterations);
  });

  it.each([
    [{ iterations: 1.5 }, /iterations must be a whole number/],
    [{ size: 8 }, /size must be a whole number from 16/],
    [{ styleScale: 0 }, /style-scale must be a number from/],
    [{ styleWeight: -1 }, /style-weight must be a number from 0/],
    [{ styleWeight: 1e36 }, /style-weight must be a number from 0 to 1e10/],
    [{ contentWeight: Number.NaN }, /content-weight must be a number/],
    [{ learningRate: 0 }, /learning-rate must be a number from 0.001/],
    [{ init: 'random' }, /init must be content or noise/],
    [{ preserveColors: 'sepia' }, /preserve-colors must be none or luminance or reinhard/],
    [{ layerWeights: [1, 1, 1] }, /layer-weights must be 5 numbers/],
    [{ layerWeights: [0, 0, 0, 0, 0] }, /not all 0/],
    [{ seed: -3 }, /seed must be a whole number/],
    [{ progressEvery: 0 }, /progressEvery must be a whole number from 1/],
    [{ previewSize: -1 }, /previewSize must be a whole number from 0/],
    [{ colour: 'x' }, /Unknown option "colour"/],
  ])('rejects %j', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(UserError);
    expect(() => resolveOptions(options as never)).toThrow(message);
  });
});

describe('checkRequest', () => {
  const img = new Uint8Array([1]);
  it('needs a style image, non-negative weights that add up to more than 0, and non-empty images', () => {
    expect(() => checkRequest({ styles: [{ image: img }] })).not.toThrow();
    expect(() => checkRequest({ styles: [] })).toThrow(/at least one style image/);
    expect(() => checkRequest({ styles: [{ image: img, weight: -1 }] })).toThrow(/style-blend-weights must be a number from 0/);
    expect(() =>
      checkRequest({
        styles: [
          { image: img, weight: 1e308 },
          { image: img, weight: 1e308 },
        ],
      }),
    ).toThrow(/from 0 to 1e6/);
    expect(() => checkRequest({ styles: [{ image: img, weight: 0 }] })).toThrow(/add up to more than 0/);
    expect(() => checkRequest({ styles: [{ image: new Uint8Array() }] })).toThrow(/Style image 1 is empty/);
    expect(() => checkRequest({ content: new Uint8Array(), styles: [{ image: img }] })).toThrow(/content image is empty/);
  });
});

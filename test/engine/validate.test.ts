// Option defaults and validation: every bad value is a RangeError with a message for the user.
import { describe, expect, it } from 'vitest';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from '../../src/engine/validate.js';

describe('resolveOptions', () => {
  it('fills the documented defaults and draws a seed when none is given', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({
      iterations: 500, size: 512, init: 'content', styleScale: 1, contentWeight: 1, styleWeight: 1e4, tvWeight: 0,
      optimizer: 'lbfgs', learningRate: 10, preserveColors: 'none', layerWeights: [0.2, 0.2, 0.2, 0.2, 0.2],
      progressEvery: 10, previewSize: 256, scales: 0, pick: 'random',
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
    [{ styleScale: 0 }, /styleScale must be from/],
    [{ styleWeight: -1 }, /styleWeight must be a number of 0 or more/],
    [{ contentWeight: Number.NaN }, /contentWeight must be a number/],
    [{ learningRate: 0 }, /learningRate must be above 0/],
    [{ init: 'random' }, /init must be one of content, noise/],
    [{ preserveColors: 'yes' }, /preserveColors must be one of none, luminance, reinhard/],
    [{ layerWeights: [1, 1, 1] }, /layerWeights must be a list of 5 numbers/],
    [{ layerWeights: [0, 0, 0, 0, 0] }, /At least one of layerWeights/],
    [{ seed: -3 }, /seed must be a whole number/],
    [{ progressEvery: 0 }, /progressEvery must be a whole number from 1/],
    [{ previewSize: -1 }, /previewSize must be a whole number from 0/],
    [{ colour: 'x' }, /Unknown option "colour"/],
  ])('rejects %j', (options, message) => {
    expect(() => resolveOptions(options as never)).toThrow(RangeError);
    expect(() => resolveOptions(options as never)).toThrow(message);
  });
});

describe('checkRequest', () => {
  const img = new Uint8Array([1]);
  it('needs a style image, non-negative weights that add up to more than 0, and non-empty images', () => {
    expect(() => checkRequest({ styles: [{ image: img }] })).not.toThrow();
    expect(() => checkRequest({ styles: [] })).toThrow(/at least one style image/);
    expect(() => checkRequest({ styles: [{ image: img, weight: -1 }] })).toThrow(/weight of style image 1/);
    expect(() => checkRequest({ styles: [{ image: img, weight: 0 }] })).toThrow(/add up to more than 0/);
    expect(() => checkRequest({ styles: [{ image: new Uint8Array() }] })).toThrow(/Style image 1 is empty/);
    expect(() => checkRequest({ content: new Uint8Array(), styles: [{ image: img }] })).toThrow(/content image is empty/);
  });
});

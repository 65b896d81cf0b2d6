import { describe, expect, it } from 'vitest';
import { parseStylizeOptions } from '../../src/engine/options.js';
import { UserError } from '../../src/errors.js';
import { resolveOptions } from '../../src/engine/validate.js';

describe('parseStylizeOptions', () => {
  it('reads kebab, snake and camel case names from strings and numbers', () => {
    const parsed = parseStylizeOptions({
      iterations: '300',
      size: 256,
      init: 'Noise',
      'style-scale': '0.5',
      style_weight: '1e5',
      contentWeight: 2,
      'tv-weight': '0.001',
      optimizer: 'L-BFGS',
      learning_rate: '5',
      seed: '42',
      'preserve-colours': 'reinhard',
      'layer-weights': '1, 0.5,0.25,0,0',
      ignored: undefined,
    });
    expect(parsed).toEqual({
      iterations: 300,
      size: 256,
      init: 'noise',
      styleScale: 0.5,
      styleWeight: 1e5,
      contentWeight: 2,
      tvWeight: 0.001,
      optimizer: 'lbfgs',
      learningRate: 5,
      seed: 42,
      preserveColors: 'reinhard',
      layerWeights: [1, 0.5, 0.25, 0, 0],
    });
    // What it returns is accepted by the engine's own validation.
    expect(() => resolveOptions(parsed)).not.toThrow();
  });

  it('reads a yes/no answer for preserve-colors as luminance/none', () => {
    expect(parseStylizeOptions({ preserve_colors: true })).toEqual({ preserveColors: 'luminance' });
    expect(parseStylizeOptions({ preserve_colors: 'no' })).toEqual({ preserveColors: 'none' });
    expect(parseStylizeOptions({ preserveColors: false })).toEqual({ preserveColors: 'none' });
  });

  it('turns style-strength into a multiple of the default style weight', () => {
    expect(parseStylizeOptions({ 'style-strength': '2' })).toEqual({ styleStrength: 2 });
    // The default it multiplies follows the size, whichever size the job ends up with: 625 at 128 px.
    expect(resolveOptions({ styleStrength: 2, size: 128 }).styleWeight).toBe(1250);
    expect(resolveOptions({ styleStrength: 2 }).styleWeight).toBe(2e4);
    expect(parseStylizeOptions({ scales: 'auto', pick: 'closest' })).toEqual({ scales: 0, pick: 'closest' });
    expect(parseStylizeOptions({ scales: '3' })).toEqual({ scales: 3 });
    expect(() => parseStylizeOptions({ scales: '9' })).toThrow(/scales must be a whole number from 0 to 8/);
    expect(() => parseStylizeOptions({ pick: 'best' })).toThrow(/pick must be random or closest/);
    expect(() => parseStylizeOptions({ 'style-strength': 2, 'style-weight': 5 })).toThrow(/not both/);
  });

  it('throws UserError with a message a person can act on', () => {
    const cases: [Record<string, string | number | boolean>, RegExp][] = [
      [{ size: '5000' }, /size must be a whole number from 16 to 4096/],
      [{ size: 'big' }, /size must be a whole number/],
      [{ iterations: '2.5' }, /iterations must be a whole number/],
      [{ iterations: 0 }, /iterations must be a whole number from 1 to 10000/],
      [{ iterations: '0x5' }, /iterations must be a whole number from 1 to 10000 \(got "0x5"\)/],
      [{ 'style-weight': '1e36' }, /style-weight must be a number from 0 to 1e10/],
      [{ init: 'photo' }, /init must be content or noise/],
      [{ optimizer: 'sgd' }, /optimizer must be lbfgs or adam/],
      [{ 'style-weight': '-1' }, /style-weight must be a number from 0 to 1e10/],
      [{ 'learning-rate': 0 }, /learning-rate must be a number from 0.001 to 1000/],
      [{ 'style-scale': 10 }, /style-scale must be a number from 0.05 to 4/],
      [{ seed: -3 }, /seed must be a whole number/],
      [{ 'preserve-colors': 'sepia' }, /preserve-colors must be none or luminance or reinhard/],
      [{ 'layer-weights': '1,2,3' }, /layer-weights must be 5 numbers/],
      [{ 'layer-weights': '0,0,0,0,0' }, /not all 0/],
      [{ colour: 'red' }, /Unknown option "colour"/],
      [{ size: '' }, /size must be a whole number/],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseStylizeOptions(raw)).toThrow(UserError);
      expect(() => parseStylizeOptions(raw)).toThrow(message);
    }
  });
});

// The engine never returns an unchanged (or black) picture as a success when the loss or its gradient stops being
// a finite number: the real engine, with its weighted total made NaN after the first evaluations (as a float32
// overflow makes it), stops with UserError('not_finite').
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { UserError } from '../../src/errors.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;

/** Evaluations after which the total turns NaN (0: from the start). */
const state = vi.hoisted(() => ({ finiteEvaluations: 0, evaluations: 0 }));

vi.mock('../../src/engine/losses.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/engine/losses.js')>();
  return {
    ...original,
    weightedTotal: (...args: Parameters<typeof original.weightedTotal>) => {
      const total = original.weightedTotal(...args);
      if (state.evaluations++ < state.finiteEvaluations) return total;
      return tf.mul(total, tf.scalar(Number.NaN)) as tf.Scalar;
    },
  };
});

// The NaN is injected into the tfjs objective, so this runs on wasm (the check itself is shared by every backend).
const { initBackend } = await import('../../src/engine/backend.js');
await initBackend('wasm');
const { stylize } = await import('../../src/engine/stylize.js');
const content = readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg'));
const style = readFileSync(join(STYLES_DIR, 'starry_night.jpg'));

describe('non-finite loss or gradient', () => {
  it.each([
    ['L-BFGS, NaN from the first step', 'lbfgs', 0],
    ['Adam, NaN after 10 steps', 'adam', 10],
  ] as const)('%s: stops with a clear error instead of a picture', async (_, optimizer, finiteEvaluations) => {
    state.evaluations = 0;
    state.finiteEvaluations = finiteEvaluations;
    const run = stylize({ content, styles: [{ image: style }], options: { size: 32, iterations: 12, optimizer, seed: 1 } });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe('not_finite');
    expect((error as UserError).message).toMatch(/^Stopped at iteration \d+: the loss or its gradient is no longer a finite number/);
  });
});

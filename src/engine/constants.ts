// Numbers used as tensors in every iteration, made once per backend and kept.
//
// A JS number given to a tf op becomes a new tensor whose value must then be uploaded. On webgpu each upload makes
// (and later destroys) its own staging buffer: about 0.4 ms of CPU time on the H100 machine, and an iteration used
// ~25 of them, 10 ms of a 50 ms iteration (bench/gpu/README.md). Ops in the iteration take their constants from here.
import * as tf from '@tensorflow/tfjs';

const cache = new Map<string, tf.Tensor>();

function cached<T extends tf.Tensor>(key: string, make: () => T): T {
  const fullKey = `${tf.getBackend()}|${key}`;
  const hit = cache.get(fullKey);
  if (hit && !hit.isDisposed) return hit as T;
  const made = tf.keep(make());
  cache.set(fullKey, made);
  return made;
}

/** A kept scalar with this value on the active backend. Never dispose it. */
export function constant(value: number): tf.Scalar {
  return cached(`s${value}`, () => tf.scalar(value));
}

/** A kept 1-D tensor with these values on the active backend. Never dispose it. */
export function constantVector(values: readonly number[]): tf.Tensor1D {
  return cached(`v${values.join(',')}`, () => tf.tensor1d([...values]));
}

/** How many tensors the cache holds (tests subtract them when checking that nothing leaks). */
export function constantCount(): number {
  return [...cache.values()].filter((t) => !t.isDisposed).length;
}

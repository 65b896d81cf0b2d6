// Timing one tensor-returning call on the active backend, for the per-kernel micro-benchmarks.
import * as tf from '@tensorflow/tfjs';

/**
 * ms per call of fn: one warm-up call (shader compilation), then `reps` calls back to back and ONE tiny read-back
 * at the end; the backend runs its queue in order, so that read waits for all of them.
 */
export async function msPerCall(fn: () => tf.Tensor, reps: number): Promise<number> {
  const readOneValue = async (t: tf.Tensor) => {
    const one = tf.slice(t, new Array(t.rank).fill(0), new Array(t.rank).fill(1));
    await one.data();
    one.dispose();
  };
  const warm = fn();
  await readOneValue(warm);
  warm.dispose();
  const start = performance.now();
  let last: tf.Tensor | null = null;
  for (let i = 0; i < reps; i++) {
    last?.dispose();
    last = fn();
  }
  await readOneValue(last!);
  const ms = (performance.now() - start) / reps;
  last!.dispose();
  return ms;
}

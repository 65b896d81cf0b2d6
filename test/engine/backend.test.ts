// Backend selection on this machine (no native TensorFlow, no GPU adapter): onnxruntime (tfjs on wasm), quietly.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';

describe('initBackend', () => {
  it('picks the fastest backend that loads, and is idempotent', async () => {
    const started = Date.now();
    const name = await initBackend('auto');
    expect(['tensorflow', 'webgpu', 'onnxruntime', 'wasm']).toContain(name);
    // onnxruntime runs the objective; tfjs keeps wasm for the optimizer and image work.
    expect(tf.getBackend()).toBe(name === 'onnxruntime' ? 'wasm' : name);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await initBackend()).toBe(name);
  });

  it('rejects unknown names and says which exist', async () => {
    await expect(initBackend('gpu' as never)).rejects.toThrow(/Unknown backend "gpu".*wasm/);
  });

  it('an unavailable forced backend is a clear error, and the engine keeps working', async () => {
    // tfjs-node does not install on these machines (see ENGINE-NOTES.md).
    await expect(initBackend('tensorflow')).rejects.toThrow(/The tensorflow backend is not available here/);
    expect(await initBackend('wasm')).toBe('wasm');
    expect(await tf.add(1, 2).data()).toEqual(new Float32Array([3]));
  });

  it('follows STYLEBOT_BACKEND', async () => {
    process.env.STYLEBOT_BACKEND = 'cpu';
    try {
      expect(await initBackend()).toBe('cpu');
    } finally {
      delete process.env.STYLEBOT_BACKEND;
    }
    expect(await initBackend('wasm')).toBe('wasm');
  });
});

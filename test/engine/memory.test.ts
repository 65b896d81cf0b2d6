// The memory estimate and the refusal of sizes that would not fit, and stylize() refusing one on wasm.
import { UserError } from '../../src/errors.js';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nvidiaGpuMemoryMb, parseNvidiaSmiMemory } from '../../src/engine/gpu-memory.js';
import {
  activationBytes,
  checkRunFits,
  estimateRunBytes,
  fits,
  largestFittingSide,
  largestTensorBytes,
  lbfgsHistorySize,
  memoryBudget,
  checkStockWebgpuSize,
  type RunShape,
} from '../../src/engine/memory.js';
import { initBackend } from '../../src/engine/backend.js';
import { stylize } from '../../src/engine/stylize.js';
import { CONTENT_DIR, MODEL_DIR, STYLES_DIR } from '../helpers/shared.js';

const square = (side: number, optimizer: RunShape['optimizer'] = 'lbfgs'): RunShape => ({
  width: side,
  height: side,
  channels: 3,
  optimizer,
  historySize: 100,
});
const MiB = 2 ** 20;

describe('memory estimate', () => {
  it('counts the feature maps of a forward pass to relu5_1 (64 px by hand: 1,323,008 floats)', () => {
    expect(activationBytes(64, 64)).toBe(1_323_008 * 4);
    // Four poolings: the maps scale with the pixel count.
    expect(activationBytes(128, 128)).toBeCloseTo(4 * activationBytes(64, 64), -5);
    expect(largestTensorBytes(2048, 2048)).toBe(2048 * 2048 * 64 * 4);
  });

  it('matches the measured wasm peaks (calibration) within 10% and keeps L-BFGS history in the sum', () => {
    // Measured peak of one step above the weights, plus the weights (152.8 MiB), on wasm (memory.ts header).
    for (const [side, peakMiB] of [
      [128, 164.8],
      [256, 582.3],
    ] as const) {
      const adam = estimateRunBytes(square(side, 'adam'));
      const measured = (peakMiB + 152.8) * MiB + 3 * side * side * 12;
      expect(adam).toBeGreaterThanOrEqual(measured);
      expect(adam).toBeLessThan(measured * 1.1);
    }
    const lbfgs = estimateRunBytes(square(256));
    const adam = estimateRunBytes(square(256, 'adam'));
    expect(lbfgs - adam).toBe((204 - 3) * 256 * 256 * 3 * 4);
    expect(estimateRunBytes({ ...square(256), historySize: 10 })).toBeLessThan(lbfgs);
  });

  it('puts 512 px within the wasm heap and refuses 1024 px, naming the largest size that fits', () => {
    const wasm = memoryBudget('wasm');
    expect(fits(square(512), wasm)).toBe(true);
    expect(fits(square(1024), wasm)).toBe(false);
    const largest = largestFittingSide(square(1024), wasm);
    expect(largest).toBeGreaterThanOrEqual(512);
    expect(largest).toBeLessThan(1024);
    expect(fits(square(largest), wasm)).toBe(true);
    expect(fits(square(largest + 1), wasm)).toBe(false);
    expect(() => checkRunFits(square(1024), 'wasm', wasm)).toThrow(UserError);
    expect(() => checkRunFits(square(1024), 'wasm', wasm)).toThrow(
      new RegExp(`needs about .* GB .*wasm.* largest size that fits is ${largest} px`),
    );
    // Same aspect ratio for a wide picture.
    expect(largestFittingSide({ ...square(1024), height: 512 }, wasm)).toBeGreaterThan(largest);
  });

  it('on webgpu: the GPU memory from STYLEBOT_GPU_MEMORY_MB, and one buffer capped by the adapter', () => {
    const h100 = memoryBudget(
      'webgpu',
      { maxStorageBufferBindingSize: 2 ** 32 - 4, maxBufferSize: 2 ** 40 },
      { STYLEBOT_GPU_MEMORY_MB: String(80 * 1024) },
    );
    expect(fits(square(2048), h100)).toBe(true);
    expect(() => checkRunFits(square(4096), 'webgpu', h100)).toThrow(/STYLEBOT_GPU_MEMORY_MB=81920.*largest size that fits is \d+ px/);
    const lavapipe = memoryBudget('webgpu', { maxStorageBufferBindingSize: 128 * MiB, maxBufferSize: 2 ** 32 }, {});
    expect(lavapipe.totalBytes).toBeNull();
    expect(fits(square(512), lavapipe)).toBe(true);
    expect(() => checkRunFits(square(1024), 'webgpu', lavapipe)).toThrow(
      /feature map, larger than one webgpu buffer may be.*largest size that fits is 724 px/,
    );
    expect(memoryBudget('tensorflow-gpu' as string)).toEqual({ totalBytes: null, maxTensorBytes: null, source: 'tensorflow-gpu' });
  });

  it('on webgpu without STYLEBOT_GPU_MEMORY_MB: the memory nvidia-smi reports, the smallest of several GPUs', () => {
    // What `nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits` prints on a machine with two GPUs.
    const mb = parseNvidiaSmiMemory('81559\n40960\n');
    expect(mb).toBe(40960);
    expect(parseNvidiaSmiMemory('')).toBeNull();
    expect(parseNvidiaSmiMemory('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.')).toBeNull();
    const limits = { maxStorageBufferBindingSize: 2 ** 32 - 4, maxBufferSize: 2 ** 40 };
    const detected = memoryBudget('webgpu', limits, {}, 81559);
    expect(detected.totalBytes).toBe(81559 * MiB);
    expect(() => checkRunFits(square(4096), 'webgpu', detected)).toThrow(/81559 MiB as nvidia-smi reports them.*largest size that fits/);
    // The setting wins over the detection.
    expect(memoryBudget('webgpu', limits, { STYLEBOT_GPU_MEMORY_MB: '1024' }, 81559).totalBytes).toBe(1024 * MiB);
    // Where there is no nvidia-smi (this CI machine, lavapipe), the answer is unknown, not a guess.
    const smiMissing = spawnSync('nvidia-smi', ['-L']).error !== undefined;
    if (smiMissing) expect(nvidiaGpuMemoryMb()).toBeNull();
    else expect(nvidiaGpuMemoryMb()).toBeGreaterThan(0);
  });
});

describe('stylize refuses a size that would not fit', () => {
  it('rejects 2048 px on wasm with a UserError before optimising', async () => {
    await initBackend('wasm');
    process.env.STYLEBOT_MODEL_DIR = MODEL_DIR;
    const request = {
      content: readFileSync(join(CONTENT_DIR, 'tuebingen_neckarfront.jpg')),
      styles: [{ image: readFileSync(join(STYLES_DIR, 'starry_night.jpg')) }],
      options: { size: 2048, iterations: 1 },
    };
    await expect(stylize(request)).rejects.toThrow(UserError);
    await expect(stylize(request)).rejects.toThrow(/largest size that fits is \d+ px/);
  });
});

describe('lbfgsHistorySize', () => {
  const gpu = memoryBudget('webgpu', { maxStorageBufferBindingSize: 2 ** 31 - 4, maxBufferSize: 2 ** 34 }, {});
  it('keeps 100 pairs where they fit one buffer, and fewer for short runs', () => {
    expect(lbfgsHistorySize(100, 500, 512 * 512 * 3, gpu)).toBe(100);
    expect(lbfgsHistorySize(100, 30, 512 * 512 * 3, gpu)).toBe(29);
    expect(lbfgsHistorySize(100, 1, 512 * 512 * 3, gpu)).toBe(1);
  });
  it('keeps as many pairs as one GPU buffer holds at 2048 px (each of s and y is one matrix)', () => {
    expect(lbfgsHistorySize(100, 500, 2048 * 2048 * 3, gpu)).toBe(42);
    expect(lbfgsHistorySize(100, 500, 2048 * 2048 * 3, memoryBudget('wasm'))).toBe(100);
  });
});

describe('checkStockWebgpuSize', () => {
  it("lets tfjs's own webgpu kernels take up to 16 x 65535 pixels and refuses more with what to do", () => {
    expect(() => checkStockWebgpuSize(1024, 1023)).not.toThrow();
    expect(() => checkStockWebgpuSize(1024, 1024)).toThrow(
      /too large for tfjs's own webgpu kernels \(STYLEBOT_WGSL=0\).*Unset STYLEBOT_WGSL/,
    );
  });
});

// bench/gpu/summarize.py, which turns the device call's JSON files into the one table a GPU session copies into the
// README: the ratio to PyTorch TF32, the checks' verdicts against the issue's bars, the reference runs and the
// memory refusals. Fed hand-written result files in the shapes gpu-bench.ts, torch_gatys.py and reference-run.ts
// write. Needs python3 (skipped with the reason where it is missing).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const python = spawnSync('python3', ['--version']).status === 0;
if (!python) console.warn('summarize.py tests skipped: no python3 on this machine');

const dir = mkdtempSync(join(tmpdir(), 'gpu-summarize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, value: unknown) => writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
const summarize = () => execFileSync('python3', ['bench/gpu/summarize.py', dir], { encoding: 'utf8' });
const line = (table: string, ...parts: string[]) => table.split('\n').find((l) => parts.every((p) => l.includes(p)));

describe.skipIf(!python)('summarize.py', () => {
  write('device.txt', 'NVIDIA H200, 143771 MiB, 580.82\n');
  write('engine.json', {
    device: 'webgpu: nvidia hopper +wgsl',
    lossesVsWasm: {
      size: 128,
      backend: [1, 2, 3, 4],
      wasm: [1, 2, 3, 4],
      relativeDifference: { content: 1e-7, style: 2e-4, tv: 0, total: 2e-4 },
      gradientRelativeL2: 3e-7,
    },
    tinyNetGradient: { relativeError: 1.6e-7, lossRelativeDifference: 1e-8, pixels: 108 },
    timings: [
      {
        size: 512,
        path: 'tfjs',
        msPerGradStep: 20,
        msPerLbfgsIteration: 25,
        issueMsPerLbfgsIteration: 23,
        dispatchesPerLbfgsIteration: 160,
        historySize: 100,
        peakMB: 1364,
        estimatedRunMB: 3100,
      },
    ],
  });
  write('recorded.json', {
    recordedCheck: {
      size: 128,
      parts: [1, 2, 3, 4],
      vsTfjs: { losses: { content: 0, style: 1e-6, tv: 0, total: 1e-6 }, gradientRelativeL2: 1e-6 },
      vsWasm: { losses: { content: 1e-7, style: 2e-3, tv: 0, total: 2e-3 }, gradientRelativeL2: 3e-7 },
    },
    timings: [
      {
        size: 512,
        path: 'recorded',
        msPerGradStep: 8,
        msPerLbfgsIteration: 10,
        issueMsPerLbfgsIteration: 0.4,
        dispatchesPerLbfgsIteration: 81,
        historySize: 100,
        historyGroups: 1,
        lossFirst: 2e13,
        lossLast: 1e13,
        finite: true,
        estimatedRunMB: 3100,
      },
      {
        size: 2048,
        path: 'recorded',
        msPerGradStep: null,
        msPerLbfgsIteration: null,
        historySize: 100,
        historyGroups: 3,
        estimatedRunMB: 47000,
        error: 'lbfgs S 0 needs 2100 MiB | in one buffer',
      },
    ],
  });
  write('torch.json', {
    iterationZero: { size: 128, parts: [1, 2, 3, 4] },
    timings: {
      fp32: [{ size: 512, msPerGradStep: 19, msPerLbfgsIteration: 21 }],
      tf32: [{ size: 512, msPerGradStep: 9, msPerLbfgsIteration: 12.5 }],
    },
  });
  write('reference-default.json', {
    label: "stylize()'s default path",
    rows: [
      {
        run: 'tub_starry_b1000',
        label: "stylize()'s default path",
        size: 512,
        msPerIteration: 9.5,
        final: { total: 1.9e10 },
        reference: { totalEnd: 1.89e10 },
      },
      {
        run: 'tub_starry_b10000',
        label: "stylize()'s default path",
        size: 512,
        msPerIteration: 9.4,
        final: { total: 3.0e10 },
        reference: { totalEnd: 2.91e10 },
      },
    ],
  });
  write('memory-tfjs.json', {
    memoryBudget: { maxTensorBytes: 2 ** 31, source: 'the WebGPU adapter limits' },
    timings: [
      {
        size: 4096,
        path: 'tfjs',
        msPerGradStep: null,
        msPerLbfgsIteration: null,
        peakMB: null,
        historySize: 10,
        estimatedRunMB: 190000,
        error: 'refused: A 4096x4096 picture has a 4.0 GB feature map',
      },
    ],
  });
  write('onnx-webgpu.json', '{"timings": [{"size": 512, "path": "onnx-we'); // cut short by a step's time limit

  const table = summarize();

  it('gives each row its time relative to PyTorch TF32 at the same size, and TFLOP/s', () => {
    expect(table).toContain('NVIDIA H200');
    expect(line(table, '| 512 | recorded |')).toContain('| 0.80 |'); // 10 / 12.5
    expect(line(table, '| 512 | tfjs path |')).toContain('| 2.00 |'); // 25 / 12.5
    expect(line(table, '| 512 | PyTorch tf32 |')).toContain('| 1.00 |');
    expect(line(table, '| 512 | recorded |')).toContain('| 37.9 |'); // 379 GFLOP / 10 ms
    expect(line(table, '| 512 | recorded |')).toContain('| 0.40 | 81 | 100 (1 group) |');
  });

  it('records a failed size with its message instead of numbers', () => {
    expect(line(table, '| 2048 | recorded |')).toContain('failed: lbfgs S 0 needs 2100 MiB / in one buffer');
    expect(line(table, '| 2048 | recorded |')).toContain('100 (3 groups)');
  });

  it('judges the iteration-0 checks against 1e-3 and the Starry Night totals against 2%', () => {
    expect(line(table, 'recorded vs the tfjs path')).toMatch(/: ok$/);
    expect(line(table, 'recorded vs wasm')).toMatch(/: FAILS$/); // style 2e-3
    expect(line(table, 'tfjs path vs wasm')).toMatch(/: ok$/);
    expect(line(table, 'finite differences')).toMatch(/: ok$/);
    expect(line(table, 'tub_starry_b1000')).toContain('+0.5% (ok)');
    expect(line(table, 'tub_starry_b10000')).toContain('+3.1% (FAILS)');
  });

  it('lists memory refusals and skips a file cut short', () => {
    expect(line(table, '| 4096 | tfjs path | failed: refused')).toContain('190000');
    expect(table).toContain('One binding may hold 2048 MiB');
    expect(table).not.toContain('ONNX Runtime webgpu');
  });
});

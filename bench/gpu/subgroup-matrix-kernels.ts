// The subgroup-matrix (tensor-core) kernels of src/engine/wgsl/subgroup-matrix.ts against our fp32 ones, per
// VGG-19 layer shape, on a raw Dawn device: for the GPU session (issue 16, lever 2).
//
//   npx tsx bench/gpu/subgroup-matrix-kernels.ts [--size 512] [--reps 10] [--tiles all|default] [--shape 16x16x16]
//   npx tsx bench/gpu/subgroup-matrix-kernels.ts --emulate [--size 32]   # the emulated kernels (any device with shader-f16)
//   npx tsx bench/gpu/subgroup-matrix-kernels.ts --check-wgsl            # compile the real kernels on Dawn's null backend
//
// Per layer and pass: ms per call (one warm-up, then `reps` dispatches in one command buffer, one wait) of our fp32
// conv (conv3x3.ts's WGSL as chosen by the engine, wrapped as a whole module) and of the subgroup-matrix kernel for
// each tile, the speed-up, and the relative L2 difference of the result to the fp32 kernel's. The Gram kernels
// (forward: partials + reduce; backward) are timed alone, with their error against float64 on sampled rows; the
// fp32 Gram kernels' times are in the parts step (gram-kernels.ts) of the same device call. Prints a Markdown table.
// Where the device lacks the feature it prints why and exits 0.
import { performance } from 'node:perf_hooks';
import type { ComputeKernel } from '../../src/engine/webgpu/kernel.js';
import {
  adapterName,
  compileKernel,
  readFloats,
  requestRawDevice,
  runKernels,
  storageBuffer,
  uniformBuffer,
} from '../../test/engine/support/run-kernels.js';
import { chooseConv3x3Config, configName } from '../../src/engine/wgsl/conv3x3.js';
import { conv3x3Kernel } from '../../src/engine/webgpu/tfjs-bodies.js';
import { LAYERS } from './conv-kernels.js';
import {
  DEFAULT_SUBGROUP_MATRIX_TILE,
  SUBGROUP_MATRIX_DEVICE_FEATURES,
  SUBGROUP_MATRIX_TILES,
  subgroupMatrixConv3x3Backward,
  subgroupMatrixConv3x3Forward,
  subgroupMatrixGram,
  subgroupMatrixGramBackward,
  subgroupMatrixSupport,
  tileName,
  tileProblem,
  type SubgroupMatrixOptions,
  type SubgroupMatrixShape,
} from '../../src/engine/wgsl/subgroup-matrix.js';

/// <reference types="@webgpu/types" />

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

/** The style layers' Gram shapes: [name, side divisor, channels]. */
const GRAMS: [string, number, number][] = [
  ['relu1_1', 1, 64],
  ['relu2_1', 2, 128],
  ['relu3_1', 4, 256],
  ['relu4_1', 8, 512],
  ['relu5_1', 16, 512],
];

function random(n: number, seed: number, scale = 1): Float32Array {
  // xorshift32: cheap, deterministic, good enough for benchmark data.
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = (((s >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / (n || 1));
}

type Step = { kernel: ComputeKernel; pipeline: GPUComputePipeline; buffers: GPUBuffer[] };

/** ms per call of the steps: one warm-up run, then `reps` repetitions in one command buffer. */
async function msPerCall(device: GPUDevice, steps: Step[], reps: number): Promise<number> {
  await runKernels(device, steps);
  const start = performance.now();
  await runKernels(device, steps, reps);
  return (performance.now() - start) / reps;
}

const fmt = (v: number | null, digits = 3) => (v === null ? '-' : v < 0.01 ? v.toExponential(1) : v.toFixed(digits));

async function checkWgsl(): Promise<void> {
  const raw = await requestRawDevice({ flags: ['backend=null'], features: [...SUBGROUP_MATRIX_DEVICE_FEATURES] });
  if (typeof raw === 'string') {
    console.log(`skipped: ${raw}`);
    return;
  }
  // Dawn checks a workgroup's x size against the adapter's subgroupMaxSize when it makes the pipeline: the null
  // adapter's is 128. For 32-lane subgroups (NVIDIA) the shader modules are checked (WGSL parsing, types,
  // uniformity); for 128 the pipelines too (tiles of at most 2 subgroups, 256 invocations).
  const nullLanes = (raw.adapter as unknown as { info: { subgroupMaxSize: number } }).info.subgroupMaxSize;
  const tiles = [
    DEFAULT_SUBGROUP_MATRIX_TILE,
    SUBGROUP_MATRIX_TILES[5]!,
    { subgroupsM: 1, subgroupsN: 1, fragmentsM: 2, fragmentsN: 2, kSteps: 2 },
  ];
  let compiled = 0;
  const failed: string[] = [];
  for (const subgroupSize of [32, nullLanes]) {
    for (const shape of [
      { M: 16, N: 16, K: 16 },
      { M: 8, N: 8, K: 8 },
    ]) {
      for (const tile of tiles) {
        const o: SubgroupMatrixOptions = { shape, subgroupSize, tile, maxWorkgroupBytes: raw.device.limits.maxComputeWorkgroupStorageSize };
        if (tileProblem(o)) continue;
        const kernels: ComputeKernel[] = [];
        for (const [cin, cout] of [
          [3, 64],
          [64, 64],
          [64, 3],
          [20, 12],
        ] as [number, number][]) {
          kernels.push(
            subgroupMatrixConv3x3Forward({ h: 9, w: 13, cin, cout }, o),
            subgroupMatrixConv3x3Backward({ h: 9, w: 13, cin, cout }, o),
          );
        }
        for (const c of [64, 20]) {
          const square = tile.subgroupsM * tile.fragmentsM * shape.M === tile.subgroupsN * tile.fragmentsN * shape.N;
          if (square) {
            const g = subgroupMatrixGram(300, c, o);
            kernels.push(g.partial, g.reduce);
          }
          kernels.push(subgroupMatrixGramBackward(300, c, o));
        }
        for (const k of kernels) {
          try {
            if (subgroupSize % nullLanes === 0) await compileKernel(raw.device, k);
            else {
              const module = raw.device.createShaderModule({ label: k.label, code: k.code });
              const errors = (await module.getCompilationInfo()).messages.filter((m) => m.type === 'error');
              if (errors.length) throw new Error(`${k.label}: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`);
            }
            compiled++;
          } catch (err) {
            failed.push(`${subgroupSize} lanes: ${(err as Error).message}`);
          }
        }
      }
    }
  }
  for (const f of failed) console.log(`FAILED ${f}`);
  console.log(`compiled ${compiled + failed.length} kernels, ${failed.length} failed`);
  if (failed.length) process.exitCode = 1;
}

async function bench(): Promise<void> {
  const emulate = flag('emulate');
  const size = Number(arg('size') ?? (emulate ? 32 : 512));
  const reps = Number(arg('reps') ?? (emulate ? 1 : 10));
  // Mesa's llvmpipe (lavapipe) with its threads waiting on each other at barriers is erratic on a busy CPU.
  if (emulate) process.env.LP_NUM_THREADS ??= '1';
  const raw = await requestRawDevice({ optionalFeatures: [...SUBGROUP_MATRIX_DEVICE_FEATURES], maxWorkgroupStorage: true });
  if (typeof raw === 'string') {
    console.log(`subgroup-matrix kernels not measured: ${raw}`);
    return;
  }
  const { adapter, device } = raw;
  const info = (adapter as unknown as { info: { subgroupMaxSize: number } }).info;
  let shape: SubgroupMatrixShape;
  const support = subgroupMatrixSupport(device as unknown as Parameters<typeof subgroupMatrixSupport>[0]);
  const named = arg('shape')?.split('x').map(Number);
  if (emulate) {
    if (!device.features.has('shader-f16') || !device.features.has('subgroups')) {
      console.log(`emulated subgroup-matrix kernels not measured: ${adapterName(adapter)} lacks shader-f16 or subgroups`);
      return;
    }
    // 8x8x8: emulated 16x16x16 matrices are very slow on llvmpipe (256 values per invocation in private arrays).
    shape = named ? { M: named[0]!, N: named[1]!, K: named[2]! } : { M: 8, N: 8, K: 8 };
  } else if (support.shape === null) {
    console.log(`subgroup matrices missing on ${adapterName(adapter)}: ${support.reason}; nothing measured`);
    return;
  } else {
    shape = named ? { M: named[0]!, N: named[1]!, K: named[2]! } : support.shape;
    console.log(
      `subgroup-matrix shapes (f16 x f16 -> f32): ${support.shapes.map((s) => `${s.M}x${s.N}x${s.K}`).join(', ')}; using ${shape.M}x${shape.N}x${shape.K}`,
    );
  }
  const subgroupSize = info.subgroupMaxSize;
  const maxWorkgroupBytes = device.limits.maxComputeWorkgroupStorageSize;
  const tiles = (arg('tiles') ?? (emulate ? 'default' : 'all')) === 'all' ? SUBGROUP_MATRIX_TILES : [DEFAULT_SUBGROUP_MATRIX_TILE];
  const usable = tiles.filter((tile) => !tileProblem({ shape, subgroupSize, tile, maxWorkgroupBytes }));
  console.log(
    `${adapterName(adapter)}; ${emulate ? 'EMULATED ' : ''}${shape.M}x${shape.N}x${shape.K}, subgroup size ${subgroupSize}, workgroup memory ${maxWorkgroupBytes} B; ${size} px, ${reps} reps; tiles ${usable.map(tileName).join(', ')}`,
  );
  const rows: string[] = [
    '| layer | pass | H x W | Cin -> Cout | fp32 config | fp32 ms | tile | sgmat ms | speed-up | TFLOP/s | rel. L2 vs fp32 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  const best = { fp32: 0, sgmat: 0 };

  for (const [layer, count, divisor, cin, cout] of LAYERS) {
    const side = Math.max(1, Math.round(size / divisor));
    for (const pass of ['forward', 'backward'] as const) {
      // The backward maps the layer's Cout back to Cin.
      const [inC, outC] = pass === 'forward' ? [cin, cout] : [cout, cin];
      const x = storageBuffer(device, random(side * side * inC, 1));
      const y = storageBuffer(
        device,
        random(side * side * inC, 2).map((v) => Math.max(v, 0)),
      );
      const weights = storageBuffer(device, random(9 * inC * outC, 3, 1 / Math.sqrt(9 * inC)));
      const bias = storageBuffer(device, random(outC, 4, 0.1));
      const out32 = storageBuffer(device, side * side * outC * 4);
      const out16 = storageBuffer(device, side * side * outC * 4);
      const flops = 2 * side * side * 9 * inC * outC;
      const config = chooseConv3x3Config(outC, side * side);
      // Our fp32 conv3x3: the tfjs program body as the recorded iteration runs it (webgpu/tfjs-bodies.ts).
      const fp = conv3x3Kernel(pass, side, side, inC, outC, device.limits.maxComputeWorkgroupStorageSize, config);
      const fpParams = uniformBuffer(device, new Uint32Array(fp.uniforms.buffer));
      const fpStep: Step = {
        kernel: fp.kernel,
        pipeline: await compileKernel(device, fp.kernel),
        buffers: pass === 'forward' ? [out32, x, weights, bias, fpParams] : [out32, x, y, weights, fpParams],
      };
      const fpMs = await msPerCall(device, [fpStep], reps);
      const fp32 = await readFloats(device, out32, side * side * outC);
      let bestMs = Infinity;
      for (const tile of usable) {
        const o: SubgroupMatrixOptions = { shape, subgroupSize, tile, emulate, maxWorkgroupBytes };
        let ms: number | null = null;
        let error: number | string = '-';
        try {
          const kernel =
            pass === 'forward'
              ? subgroupMatrixConv3x3Forward({ h: side, w: side, cin: inC, cout: outC }, o)
              : subgroupMatrixConv3x3Backward({ h: side, w: side, cin: inC, cout: outC }, o);
          const params = uniformBuffer(device, Uint32Array.of(side, side, inC, outC));
          const step: Step = {
            kernel,
            pipeline: await compileKernel(device, kernel),
            buffers: pass === 'forward' ? [x, weights, bias, out16, params] : [x, y, weights, out16, params],
          };
          ms = await msPerCall(device, [step], reps);
          error = relativeL2(await readFloats(device, out16, side * side * outC), fp32);
          bestMs = Math.min(bestMs, ms);
        } catch (err) {
          error = (err as Error).message.split('\n')[0]!.slice(0, 200);
        }
        rows.push(
          `| ${layer} | ${pass} | ${side} x ${side} | ${inC} -> ${outC} | ${configName(config)} | ${fmt(fpMs)} | ${tileName(tile)} | ${fmt(ms)} | ${ms ? fmt(fpMs / ms, 2) : '-'} | ${ms ? fmt(flops / ms / 1e9, 1) : '-'} | ${typeof error === 'number' ? error.toExponential(2) : error} |`,
        );
      }
      if (Number.isFinite(bestMs)) {
        best.fp32 += count * fpMs;
        best.sgmat += count * bestMs;
      }
      [x, y, weights, bias, out32, out16].forEach((b) => b.destroy());
    }
  }
  console.log(rows.join('\n'));
  console.log(
    `\nWhole iteration's convolutions (each shape times its count, forward + backward): fp32 ${best.fp32.toFixed(2)} ms, subgroup matrices (best tile per pass) ${best.sgmat.toFixed(2)} ms, ${(best.fp32 / best.sgmat).toFixed(2)}x\n`,
  );

  const gramRows = [
    '| layer | P | C | pass | tile | ms | TFLOP/s | rel. L2 vs float64 (sampled rows) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const [layer, divisor, c] of GRAMS) {
    const side = Math.max(1, Math.round(size / divisor));
    const p = side * side;
    const fData = random(p * c, 5).map((v) => Math.max(v, 0));
    const dGData = random(c * c, 6, 1e-3);
    const f = storageBuffer(device, fData);
    const dG = storageBuffer(device, dGData);
    const sampled = [0, 1, Math.floor(c / 2), c - 1];
    for (const tile of usable) {
      const o: SubgroupMatrixOptions = { shape, subgroupSize, tile, emulate, maxWorkgroupBytes };
      for (const pass of ['forward', 'backward'] as const) {
        let ms: number | null = null;
        let error: number | string = '-';
        try {
          if (pass === 'forward') {
            const g = subgroupMatrixGram(p, c, o);
            const partials = storageBuffer(device, g.partialBytes);
            const out = storageBuffer(device, c * c * 4);
            const steps: Step[] = [
              {
                kernel: g.partial,
                pipeline: await compileKernel(device, g.partial),
                buffers: [f, partials, uniformBuffer(device, g.partialParams)],
              },
              {
                kernel: g.reduce,
                pipeline: await compileKernel(device, g.reduce),
                buffers: [partials, out, uniformBuffer(device, g.reduceParams)],
              },
            ];
            ms = await msPerCall(device, steps, reps);
            const got = await readFloats(device, out, c * c);
            const want: number[] = [];
            const have: number[] = [];
            for (const i of sampled)
              for (let j = 0; j < c; j++) {
                let s = 0;
                for (let q = 0; q < p; q++) s += fData[q * c + i]! * fData[q * c + j]!;
                want.push(s);
                have.push(got[i * c + j]!);
              }
            error = relativeL2(have, want);
            [partials, out].forEach((b) => b.destroy());
          } else {
            const kernel = subgroupMatrixGramBackward(p, c, o);
            const out = storageBuffer(device, p * c * 4);
            const steps: Step[] = [
              {
                kernel,
                pipeline: await compileKernel(device, kernel),
                buffers: [f, dG, out, uniformBuffer(device, Uint32Array.of(p, c, 0, 0))],
              },
            ];
            ms = await msPerCall(device, steps, reps);
            const got = await readFloats(device, out, p * c);
            const want: number[] = [];
            const have: number[] = [];
            for (const q of [0, 1, Math.floor(p / 2), p - 1])
              for (let n = 0; n < c; n++) {
                let s = 0;
                for (let k = 0; k < c; k++) s += fData[q * c + k]! * (dGData[k * c + n]! + dGData[n * c + k]!);
                want.push(s);
                have.push(got[q * c + n]!);
              }
            error = relativeL2(have, want);
            out.destroy();
          }
        } catch (err) {
          error = (err as Error).message.split('\n')[0]!.slice(0, 200);
        }
        const flops = pass === 'forward' ? 2 * p * c * c : 2 * p * c * c;
        gramRows.push(
          `| ${layer} | ${p} | ${c} | ${pass} | ${tileName(tile)} | ${fmt(ms)} | ${ms ? fmt(flops / ms / 1e9, 1) : '-'} | ${typeof error === 'number' ? error.toExponential(2) : error} |`,
        );
      }
    }
    [f, dG].forEach((b) => b.destroy());
  }
  console.log(gramRows.join('\n'));
  console.log('\n(Gram forward computes only the upper-triangle tiles: its TFLOP/s counts the full 2 P C^2.)');
}

if (flag('check-wgsl')) await checkWgsl();
else await bench();
// Dawn's instance does not always tear down cleanly at exit; the output is complete here.
process.exit(process.exitCode ?? 0);

// The subgroup-matrix kernels (src/engine/wgsl/subgroup-matrix.ts). Here (Mesa lavapipe) the device has no
// chromium-experimental-subgroup-matrix, so:
//  - the EMULATED kernels (same WGSL but the matrix types and builtins, plain code with the same semantics) run
//    on a raw Dawn device with shader-f16 and subgroups, on odd shapes, against float64 JavaScript;
//  - the REAL kernels are compiled on Dawn's null backend (which lists the feature: WGSL parsing, types and
//    uniformity are checked; nothing runs), in a child process because Dawn does not take two instances in one.
// Skips with the reason printed where no adapter exists.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../src/engine/random.js';
import { relativeL2 } from './support/webgpu-checks.js';
import type { ComputeKernel } from '../../src/engine/webgpu/kernel.js';
import {
  compileKernel,
  readFloats,
  requestRawDevice,
  runKernels,
  storageBuffer,
  uniformBuffer,
  type RawDevice,
} from './support/run-kernels.js';
import {
  DEFAULT_SUBGROUP_MATRIX_TILE,
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
  type SubgroupMatrixTile,
} from '../../src/engine/wgsl/subgroup-matrix.js';

// Mesa's llvmpipe spreads a dispatch over threads that wait for each other at every barrier: on a busy 2-core
// machine one call took from 13 ms to 30 s. One thread (read when the driver loads) takes 30-50 ms every time.
process.env.LP_NUM_THREADS ??= '1';
const raw = await requestRawDevice({ features: ['shader-f16', 'subgroups'] });
const unavailable = typeof raw === 'string' ? raw : null;
if (unavailable) console.warn(`subgroup-matrix kernel tests skipped: ${unavailable}`);

/** x rounded to the nearest f16 (ties to even), as WGSL's f16(x) does on the GPUs we use; subnormals included. */
function toF16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r += 1;
  return Math.sign(x) * r * ulp;
}

const rounded = (a: Float32Array) => Float64Array.from(a, toF16);

/** float64 conv3x3 SAME: out[p, n] = sum x[y+ky-1, x+kx-1, ci] w[ky, kx, ci, n] (+ bias, ReLU when given). */
function conv64(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  h: number,
  wd: number,
  cin: number,
  cout: number,
  bias?: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(h * wd * cout);
  for (let y = 0; y < h; y++)
    for (let xx = 0; xx < wd; xx++)
      for (let n = 0; n < cout; n++) {
        let s = bias ? bias[n]! : 0;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = y + ky - 1;
            const ix = xx + kx - 1;
            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
            for (let ci = 0; ci < cin; ci++) s += x[(iy * wd + ix) * cin + ci]! * w[((ky * 3 + kx) * cin + ci) * cout + n]!;
          }
        out[(y * wd + xx) * cout + n] = bias ? Math.max(s, 0) : s;
      }
  return out;
}

function gram64(f: ArrayLike<number>, p: number, c: number): Float64Array {
  const g = new Float64Array(c * c);
  for (let q = 0; q < p; q++) for (let i = 0; i < c; i++) for (let j = 0; j < c; j++) g[i * c + j]! += f[q * c + i]! * f[q * c + j]!;
  return g;
}

function gramBackward64(f: ArrayLike<number>, s: ArrayLike<number>, p: number, c: number): Float64Array {
  const out = new Float64Array(p * c);
  for (let q = 0; q < p; q++)
    for (let n = 0; n < c; n++) {
      let v = 0;
      for (let k = 0; k < c; k++) v += f[q * c + k]! * s[k * c + n]!;
      out[q * c + n] = v;
    }
  return out;
}

function random(n: number, seed: number, scale = 1): Float32Array {
  const r = seededRandom(seed);
  return Float32Array.from({ length: n }, () => (2 * r() - 1) * scale);
}

/** Runs kernels in order, each on new buffers made from its inputs (data, a byte count of zeros, or uniform u32s); reads back buffers[k][b]. */
async function run(
  device: RawDevice['device'],
  kernels: { kernel: ComputeKernel; inputs: (Float32Array | Uint32Array | number)[] }[],
  outIndex: [number, number],
  outCount: number,
): Promise<Float32Array> {
  const buffers = kernels.map((k) => k.inputs.map((d) => (d instanceof Uint32Array ? uniformBuffer(device, d) : storageBuffer(device, d))));
  const steps = [];
  for (const k of kernels)
    steps.push({ kernel: k.kernel, pipeline: await compileKernel(device, k.kernel), buffers: buffers[steps.length]! });
  await runKernels(device, steps);
  const out = await readFloats(device, buffers[outIndex[0]]![outIndex[1]]!, outCount);
  buffers.flat().forEach((b) => b.destroy());
  return out;
}

// The bound: operands are rounded to f16 (relative error at most 2^-11 = 4.9e-4 each, about 2^-11 / sqrt(3) RMS),
// products are exact in f32 and summed in f32 (~6e-8 each). With random signs the rounding errors of the terms are
// independent, so the result's relative L2 error is about sqrt(2) 2^-11 / sqrt(3) = 4e-4 against float64 of the
// unrounded operands: we require < 1e-3, and > 1e-5 (f32 operands would give ~1e-7: the rounding really happens).
// Against float64 of the f16-rounded operands only the f32 summation remains: < 1e-5.
const F16_BOUND = 1e-3;
const F16_FLOOR = 1e-5;
const F32_SUM_BOUND = 1e-5;

describe('subgroupMatrixSupport', () => {
  const features = (...names: string[]) => new Set(names);
  const all = features('chromium-experimental-subgroup-matrix', 'subgroups', 'shader-f16');
  const cfg = (componentType: string, resultComponentType: string, M: number, N: number, K: number) => ({
    componentType,
    resultComponentType,
    M,
    N,
    K,
  });

  it('takes the largest f16 x f16 -> f32 configuration, the first listed on a tie', () => {
    const info = {
      subgroupMaxSize: 32,
      subgroupMatrixConfigs: [
        cfg('f16', 'f16', 16, 16, 16),
        cfg('f16', 'f32', 16, 8, 16),
        cfg('f16', 'f32', 16, 16, 16),
        cfg('f16', 'f32', 16, 16, 16),
        cfg('f32', 'f32', 16, 16, 32),
      ],
    };
    const s = subgroupMatrixSupport({ features: all, info });
    expect(s.shape).toEqual({ M: 16, N: 16, K: 16 });
    expect(s.shape && s.shapes).toEqual([
      { M: 16, N: 8, K: 16 },
      { M: 16, N: 16, K: 16 },
      { M: 16, N: 16, K: 16 },
    ]);
    expect(s.shape && s.subgroupMaxSize).toBe(32);
    // A device reports its adapter's info as adapterInfo.
    expect(subgroupMatrixSupport({ features: all, adapterInfo: info }).shape).toEqual({ M: 16, N: 16, K: 16 });
  });

  it('says why not: the feature, subgroups or shader-f16 missing, or no f16 -> f32 configuration', () => {
    const info = { subgroupMaxSize: 32, subgroupMatrixConfigs: [cfg('f16', 'f32', 8, 8, 8)] };
    expect(subgroupMatrixSupport({ features: features('subgroups', 'shader-f16'), info }).reason).toMatch(
      /chromium-experimental-subgroup-matrix' feature is missing/,
    );
    expect(subgroupMatrixSupport({ features: features('chromium-experimental-subgroup-matrix', 'subgroups'), info }).reason).toMatch(
      /'shader-f16' feature/,
    );
    expect(subgroupMatrixSupport({ features: features('chromium-experimental-subgroup-matrix', 'shader-f16'), info }).reason).toMatch(
      /'subgroups' feature/,
    );
    const noF16 = subgroupMatrixSupport({
      features: all,
      info: { subgroupMaxSize: 32, subgroupMatrixConfigs: [cfg('f32', 'f32', 8, 8, 8), cfg('f16', 'f16', 8, 8, 8)] },
    });
    expect(noF16.shape).toBeNull();
    expect(noF16.reason).toMatch(/no f16 x f16 -> f32 .*listed: f32->f32 8x8x8, f16->f16 8x8x8/);
    expect(subgroupMatrixSupport({ features: all, info: { subgroupMaxSize: 32, subgroupMatrixConfigs: [] } }).reason).toMatch(
      /listed: none/,
    );
  });

  it.skipIf(unavailable !== null)("returns null with a reason on this machine's adapter (lavapipe has no subgroup matrices)", () => {
    const { adapter, device } = raw as RawDevice;
    const fromAdapter = subgroupMatrixSupport(adapter as unknown as Parameters<typeof subgroupMatrixSupport>[0]);
    const fromDevice = subgroupMatrixSupport(device as unknown as Parameters<typeof subgroupMatrixSupport>[0]);
    console.log(`subgroupMatrixSupport here: adapter: ${fromAdapter.reason ?? 'supported'}; device: ${fromDevice.reason ?? 'supported'}`);
    if (!adapter.features.has('chromium-experimental-subgroup-matrix')) {
      expect(fromAdapter.shape).toBeNull();
      expect(fromAdapter.reason).toMatch(/chromium-experimental-subgroup-matrix/);
    }
    // This device was not asked for the feature, whatever the adapter has.
    expect(fromDevice.shape).toBeNull();
  });
});

describe('tiles', () => {
  it('every offered tile fits 16 KiB or says how much it needs; names are distinct', () => {
    const o = (tile: SubgroupMatrixTile): SubgroupMatrixOptions => ({
      shape: { M: 16, N: 16, K: 16 },
      subgroupSize: 32,
      tile,
      maxWorkgroupBytes: 49152,
    });
    for (const t of SUBGROUP_MATRIX_TILES) expect(tileProblem(o(t)), tileName(t)).toBeNull();
    expect(tileProblem({ ...o(DEFAULT_SUBGROUP_MATRIX_TILE), maxWorkgroupBytes: 16384 })).toBeNull();
    expect(tileProblem({ ...o(SUBGROUP_MATRIX_TILES[2]!), maxWorkgroupBytes: 16384 })).toMatch(
      /bytes of workgroup memory \(device allows 16384\)/,
    );
    expect(tileProblem({ ...o({ ...DEFAULT_SUBGROUP_MATRIX_TILE, subgroupsM: 4, subgroupsN: 4 }) })).toMatch(/512 invocations/);
    expect(new Set(SUBGROUP_MATRIX_TILES.map(tileName)).size).toBe(SUBGROUP_MATRIX_TILES.length);
  });
});

describe('real subgroup-matrix kernels compile (Dawn null backend: WGSL validation only)', () => {
  it('every kernel for the default tile and two others, 16x16x16 and 8x8x8, 32-lane subgroups', () => {
    // A child process: Dawn does not take a second instance in this one. The bench's --check-wgsl compiles them.
    let out: string;
    try {
      out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/gpu/subgroup-matrix-kernels.ts', '--check-wgsl'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 120_000,
      });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`--check-wgsl failed: ${e.stdout ?? ''}${e.stderr ?? e.message}`);
    }
    const skipped = /^skipped: (.*)$/m.exec(out);
    if (skipped) {
      console.warn(`real-kernel WGSL check skipped: ${skipped[1]}`);
      return;
    }
    expect(out).toMatch(/^compiled (\d+) kernels, 0 failed$/m);
    expect(Number(/^compiled (\d+) kernels/m.exec(out)![1])).toBeGreaterThan(20);
  }, 180_000);
});

describe.skipIf(unavailable !== null)('emulated subgroup-matrix kernels on a raw Dawn device (lavapipe)', () => {
  // describe.skipIf still runs this body to collect its tests: nothing here may touch the device before a test runs.
  const ready = unavailable === null ? (raw as RawDevice) : undefined;
  const device = ready?.device as RawDevice['device'];
  const subgroupSize = ready ? (ready.adapter as unknown as { info: { subgroupMaxSize: number } }).info.subgroupMaxSize : 0;
  // 8x8x8 only: emulated 16x16x16 matrices (256 values per invocation in private arrays) take llvmpipe minutes
  // per case here; the 16x16x16 kernels differ only in constants and are compiled in the test above.
  const shapes: SubgroupMatrixShape[] = [{ M: 8, N: 8, K: 8 }];
  const options = (shape: SubgroupMatrixShape, tile: SubgroupMatrixTile): SubgroupMatrixOptions => ({
    shape,
    subgroupSize,
    tile,
    emulate: true,
    maxWorkgroupBytes: device.limits.maxComputeWorkgroupStorageSize,
  });

  // 9x13 and 5x7 are no multiples of any tile; [cin, cout] as the brief's mix of 3, 8, 64 in and 4, 64 out.
  const convCases: [number, number, number, number][] = [
    [9, 13, 3, 64],
    [9, 13, 8, 4],
    [5, 7, 64, 64],
    [9, 13, 64, 4],
  ];

  for (const shape of shapes) {
    const tile = DEFAULT_SUBGROUP_MATRIX_TILE;
    // Emulated 8x8x8 matrices on llvmpipe took 120-220 s per case on the 2-core machine beside the other test process.
    const label = `${shape.M}x${shape.N}x${shape.K} ${tileName(tile)}`;
    it(`conv3x3 forward (bias, ReLU) and masked backward, ${label}, against float64`, async () => {
      for (const [i, [h, w, cin, cout]] of convCases.entries()) {
        const x = random(h * w * cin, 10 + i);
        const weights = random(9 * cin * cout, 20 + i, 1 / Math.sqrt(9 * cin));
        const bias = random(cout, 30 + i, 0.1);
        const y = random(h * w * cin, 40 + i).map((v) => Math.max(v, 0));
        const params = Uint32Array.of(h, w, cin, cout);
        const o = options(shape, tile);
        const forward = await run(
          device,
          [{ kernel: subgroupMatrixConv3x3Forward({ h, w, cin, cout }, o), inputs: [x, weights, bias, h * w * cout * 4, params] }],
          [0, 3],
          h * w * cout,
        );
        const backward = await run(
          device,
          [{ kernel: subgroupMatrixConv3x3Backward({ h, w, cin, cout }, o), inputs: [x, y, weights, h * w * cout * 4, params] }],
          [0, 3],
          h * w * cout,
        );
        const masked = x.map((v, j) => (y[j]! > 0 ? v : 0));
        const name = `${h}x${w} ${cin}->${cout}`;
        const exactF = conv64(x, weights, h, w, cin, cout, bias);
        const exactB = conv64(masked, weights, h, w, cin, cout);
        expect(exactF.some((v) => v === 0) && exactF.some((v) => v > 0), `${name}: both sides of the ReLU`).toBe(true);
        expect(relativeL2(forward, exactF), `${name} forward vs float64`).toBeLessThan(F16_BOUND);
        expect(relativeL2(forward, exactF), `${name} forward: f16 rounding visible`).toBeGreaterThan(F16_FLOOR);
        expect(relativeL2(backward, exactB), `${name} backward vs float64`).toBeLessThan(F16_BOUND);
        expect(relativeL2(backward, exactB), `${name} backward: f16 rounding visible`).toBeGreaterThan(F16_FLOOR);
        // The bias is added in f32 after the f16 GEMM, so the f16 reference rounds only x and W.
        expect(
          relativeL2(forward, conv64(rounded(x), rounded(weights), h, w, cin, cout, bias)),
          `${name} forward vs f16 operands`,
        ).toBeLessThan(F32_SUM_BOUND);
        expect(
          relativeL2(backward, conv64(rounded(masked), rounded(weights), h, w, cin, cout)),
          `${name} backward vs f16 operands`,
        ).toBeLessThan(F32_SUM_BOUND);
      }
    }, 400_000);

    it(`Gram G = F^T F (split over positions, mirrored) and dF = F (dG + dG^T), ${label}, against float64`, async () => {
      const gramTile: SubgroupMatrixTile = { subgroupsM: 2, subgroupsN: 2, fragmentsM: 1, fragmentsN: 1, kSteps: 2 };
      // 20 channels: no multiple of a tile, and not of 4 (scalar loads); 64: vec4 loads and several tile pairs at 8x8.
      for (const [p, c] of [
        [117, 20],
        [300, 64],
      ] as [number, number][]) {
        const f = random(p * c, p + c);
        const dG = random(c * c, 7 * c, 1e-2);
        const o = options(shape, gramTile);
        // Short chunks, so that several partials are summed.
        const g = subgroupMatrixGram(p, c, o, 64, 32);
        expect(g.split.chunks).toBeGreaterThan(1);
        // Pass 2 reads pass 1's partials: one buffer for both.
        const partials = storageBuffer(device, g.partialBytes);
        const fBuffer = storageBuffer(device, f);
        const out = storageBuffer(device, c * c * 4);
        await runKernels(device, [
          {
            kernel: g.partial,
            pipeline: await compileKernel(device, g.partial),
            buffers: [fBuffer, partials, uniformBuffer(device, g.partialParams)],
          },
          {
            kernel: g.reduce,
            pipeline: await compileKernel(device, g.reduce),
            buffers: [partials, out, uniformBuffer(device, g.reduceParams)],
          },
        ]);
        const gram = await readFloats(device, out, c * c);
        const name = `P ${p}, C ${c}`;
        const exact = gram64(f, p, c);
        expect(relativeL2(gram, exact), `${name} Gram vs float64`).toBeLessThan(F16_BOUND);
        expect(relativeL2(gram, exact), `${name} Gram: f16 rounding visible`).toBeGreaterThan(F16_FLOOR);
        expect(relativeL2(gram, gram64(rounded(f), p, c)), `${name} Gram vs f16 operands`).toBeLessThan(F32_SUM_BOUND);
        for (let i = 0; i < c; i++) for (let j = 0; j < i; j++) expect(gram[i * c + j]).toBe(gram[j * c + i]);

        const dF = await run(
          device,
          [{ kernel: subgroupMatrixGramBackward(p, c, options(shape, tile)), inputs: [f, dG, p * c * 4, Uint32Array.of(p, c, 0, 0)] }],
          [0, 2],
          p * c,
        );
        const sym = new Float64Array(c * c).map((_, i) => dG[i]! + dG[(i % c) * c + Math.floor(i / c)]!);
        const symF32 = Float32Array.from(sym);
        const exactB = gramBackward64(f, sym, p, c);
        expect(relativeL2(dF, exactB), `${name} Gram backward vs float64`).toBeLessThan(F16_BOUND);
        expect(relativeL2(dF, exactB), `${name} Gram backward: f16 rounding visible`).toBeGreaterThan(F16_FLOOR);
        expect(relativeL2(dF, gramBackward64(rounded(f), rounded(symF32), p, c)), `${name} Gram backward vs f16 operands`).toBeLessThan(
          F32_SUM_BOUND,
        );
        [partials, fBuffer, out].forEach((b) => b.destroy());
      }
    }, 400_000);
  }
});

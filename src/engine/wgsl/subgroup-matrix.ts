// Tensor-core kernels for the engine's three GEMM-shaped operations, on WebGPU subgroup matrices (Dawn's
// `chromium-experimental-subgroup-matrix`, docs/dawn/features/subgroup_matrix.md; on Vulkan it is
// VK_KHR_cooperative_matrix / SPV_KHR_cooperative_matrix): f16 operands, f32 accumulation, f32 results.
//
//   conv3x3Forward:   out = relu(conv3x3(x, W) + b) as the implicit GEMM of conv3x3.ts:
//                     out[p, n] = sum_k A[p, k] B[k, n], p = y * W + x, k = (ky * 3 + kx) * Cin + ci,
//                     A[p, k] = x[y + ky - 1, x + kx - 1, ci] (0 outside: SAME), B = the [3, 3, Cin, Cout] kernel
//                     read flat as [9 Cin, Cout].
//   conv3x3Backward:  conv3x3(dy * (y > 0), Wback), the ReLU mask applied as dy is staged (gradients.ts's
//                     backwardKernel: W rotated 180 degrees with in/out swapped, [3, 3, Cout, Cin]).
//   gram:             G = F^T F, F [P positions, C channels] row-major (NHWC flattened); split-K over positions
//                     (upper-triangle tiles, partial sums, a plain reduce kernel that mirrors), as gram.ts does.
//   gramBackward:     dF = F (dG + dG^T), the symmetrisation folded into the staging of the right operand.
//
// Every kernel is a whole WGSL module (a ComputeKernel, src/engine/webgpu/kernel.ts). A workgroup computes a
// tileM x tileN block of the output in steps of tileK along the inner dimension: all its invocations stage the
// step's operands into workgroup memory, converting f32 to f16 there; then each subgroup multiplies its
// fragmentsM x fragmentsN result matrices (M x N each) by subgroupMatrixMultiplyAccumulate, kSteps times per step.
// Results leave through a small per-subgroup f32 scratch where an epilogue (bias, ReLU, bounds) is needed, or are
// stored directly where the output buffer is padded to whole tiles (the Gram partials).
//
// The matrix shape (M, N, K) comes from the adapter at run time (subgroupMatrixSupport). `emulate: true`
// replaces only the subgroup-matrix types and builtins by plain WGSL with the same semantics (every invocation
// of a subgroup holds the whole matrix in private arrays and computes the whole load, product and store itself;
// stores write the same values from every invocation), so a device with just 'shader-f16' and 'subgroups'
// (Mesa lavapipe) runs the same tiling, indexing, f16 rounding and epilogues, everything but the hardware op.
import { bindingDeclarations, type BindingKind, type ComputeKernel } from '../webgpu/kernel.js';

export const SUBGROUP_MATRIX_FEATURE = 'chromium-experimental-subgroup-matrix';

/** One matrix op's shape: left M x K (f16), right K x N (f16), result M x N (f32). */
export interface SubgroupMatrixShape {
  M: number;
  N: number;
  K: number;
}

/** GPUSubgroupMatrixConfig as Dawn reports it in adapter.info.subgroupMatrixConfigs. */
export interface SubgroupMatrixConfigLike {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

interface AdapterInfoLike {
  subgroupMaxSize?: number;
  subgroupMatrixConfigs?: readonly SubgroupMatrixConfigLike[];
}

/** A GPUAdapter (features, info) or a GPUDevice (features it was created with, adapterInfo). */
export interface AdapterOrDeviceLike {
  features: { has(name: string): boolean };
  info?: AdapterInfoLike;
  adapterInfo?: AdapterInfoLike;
}

export type SubgroupMatrixSupport =
  | {
      /** The shape the kernels should use: the largest f16 x f16 -> f32 one (M N K), the first listed on a tie. */
      shape: SubgroupMatrixShape;
      /** Every f16 x f16 -> f32 shape, in the order listed (Vulkan lists the preferred first). */
      shapes: SubgroupMatrixShape[];
      /** adapter.info.subgroupMaxSize: invocations per subgroup; a workgroup's x size must be a multiple of it. */
      subgroupMaxSize: number;
      reason?: undefined;
    }
  | { shape: null; reason: string };

/** The device features a real (not emulated) subgroup-matrix kernel needs. */
export const SUBGROUP_MATRIX_DEVICE_FEATURES = ['shader-f16', 'subgroups', SUBGROUP_MATRIX_FEATURE] as const;

/** The f16 x f16 -> f32 matrix shapes listed in an adapter's info, in order. */
export function f16MatrixShapes(info: AdapterInfoLike | undefined): SubgroupMatrixShape[] {
  return (info?.subgroupMatrixConfigs ?? [])
    .filter((c) => c.componentType === 'f16' && c.resultComponentType === 'f32')
    .map((c) => ({ M: c.M, N: c.N, K: c.K }));
}

/**
 * Whether the subgroup-matrix kernels can run on this adapter or device, and with which matrix shape.
 * On a device, `features` are those it was created with (request SUBGROUP_MATRIX_DEVICE_FEATURES; Dawn may need
 * the toggle allow_unsafe_apis: create(['enable-dawn-features=allow_unsafe_apis'])).
 * Returns { shape: null, reason } when the feature, 'subgroups' or 'shader-f16' is missing, or when no
 * f16 x f16 -> f32 configuration is listed (e.g. Mesa lavapipe: no chromium-experimental-subgroup-matrix).
 */
export function subgroupMatrixSupport(target: AdapterOrDeviceLike): SubgroupMatrixSupport {
  const info = target.info ?? target.adapterInfo;
  for (const feature of [SUBGROUP_MATRIX_FEATURE, 'subgroups', 'shader-f16']) {
    if (!target.features.has(feature)) return { shape: null, reason: `the '${feature}' feature is missing` };
  }
  const all = info?.subgroupMatrixConfigs ?? [];
  const shapes = f16MatrixShapes(info);
  if (shapes.length === 0) {
    const listed = all.map((c) => `${c.componentType}->${c.resultComponentType} ${c.M}x${c.N}x${c.K}`).join(', ') || 'none';
    return { shape: null, reason: `no f16 x f16 -> f32 subgroup matrix configuration (listed: ${listed})` };
  }
  const subgroupMaxSize = info?.subgroupMaxSize;
  if (!subgroupMaxSize) return { shape: null, reason: 'the adapter reports no subgroupMaxSize' };
  let shape = shapes[0]!;
  for (const s of shapes) if (s.M * s.N * s.K > shape.M * shape.N * shape.K) shape = s;
  return { shape, shapes, subgroupMaxSize };
}

// ---- Tiling -------------------------------------------------------------------------------------------------

/** How a workgroup is cut into subgroups and matrices. tileM = subgroupsM fragmentsM M, tileN = subgroupsN fragmentsN N. */
export interface SubgroupMatrixTile {
  /** Subgroups along the output rows and columns; the workgroup has subgroupsM subgroupsN subgroupSize invocations. */
  subgroupsM: number;
  subgroupsN: number;
  /** Result matrices each subgroup accumulates along rows and columns (held in registers through the K loop). */
  fragmentsM: number;
  fragmentsN: number;
  /** Matrix K's per staged step: tileK = kSteps K. */
  kSteps: number;
  /** Pad each workgroup-tile row by 8 f16 (16 bytes, keeping the 16-byte alignment of matrix loads) against bank conflicts. */
  pad?: boolean;
}

/** Offered for the GPU session to sweep (bench/gpu/subgroup-matrix-kernels.ts). With 16x16x16 matrices and 32-lane subgroups: */
export const SUBGROUP_MATRIX_TILES: readonly SubgroupMatrixTile[] = [
  { subgroupsM: 2, subgroupsN: 2, fragmentsM: 2, fragmentsN: 2, kSteps: 2, pad: true }, // 64 x 64 x 32, 128 invocations
  { subgroupsM: 2, subgroupsN: 2, fragmentsM: 2, fragmentsN: 2, kSteps: 2 }, // the same without padding
  { subgroupsM: 4, subgroupsN: 2, fragmentsM: 2, fragmentsN: 2, kSteps: 2, pad: true }, // 128 x 64 x 32, 256 invocations
  { subgroupsM: 2, subgroupsN: 2, fragmentsM: 4, fragmentsN: 2, kSteps: 2, pad: true }, // 128 x 64 x 32, 128 invocations, 8 matrices each
  { subgroupsM: 2, subgroupsN: 2, fragmentsM: 2, fragmentsN: 2, kSteps: 4, pad: true }, // 64 x 64 x 64: fewer barriers
  { subgroupsM: 2, subgroupsN: 1, fragmentsM: 2, fragmentsN: 1, kSteps: 2, pad: true }, // 64 x 16: small layers, narrow outputs
  { subgroupsM: 1, subgroupsN: 1, fragmentsM: 2, fragmentsN: 2, kSteps: 2, pad: true }, // 32 x 32, one subgroup
];
export const DEFAULT_SUBGROUP_MATRIX_TILE: SubgroupMatrixTile = SUBGROUP_MATRIX_TILES[0]!;
/** For the Gram kernels (square tiles, tileM = tileN where M = N). */
export const DEFAULT_GRAM_TILE: SubgroupMatrixTile = SUBGROUP_MATRIX_TILES[0]!;

export function tileName(t: SubgroupMatrixTile): string {
  return `s${t.subgroupsM}x${t.subgroupsN}f${t.fragmentsM}x${t.fragmentsN}k${t.kSteps}${t.pad ? 'p' : ''}`;
}

/** What every kernel generator takes besides the layer's shape. */
export interface SubgroupMatrixOptions {
  /** The matrix op's shape (subgroupMatrixSupport(...).shape; 8x8x8 or 16x16x16 for emulated tests). */
  shape: SubgroupMatrixShape;
  /** adapter.info.subgroupMaxSize (32 on NVIDIA, 8 on lavapipe). */
  subgroupSize: number;
  tile?: SubgroupMatrixTile;
  /** Plain-WGSL matrix ops with the same semantics (needs only 'shader-f16' and 'subgroups'). */
  emulate?: boolean;
  /** The device's maxComputeWorkgroupStorageSize (16384 unless a larger limit was requested). */
  maxWorkgroupBytes?: number;
}

/** The sizes a tile implies, in elements. */
export interface TileLayout {
  tileM: number;
  tileN: number;
  tileK: number;
  subgroups: number;
  invocations: number;
  /** Row strides of the staged tiles (f16 elements). */
  strideA: number;
  strideB: number;
  workgroupBytes: number;
}

export function tileLayout(o: SubgroupMatrixOptions, leftTransposed = false): TileLayout {
  const t = o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE;
  const { M, N, K } = o.shape;
  const tileM = t.subgroupsM * t.fragmentsM * M;
  const tileN = t.subgroupsN * t.fragmentsN * N;
  const tileK = t.kSteps * K;
  const pad = t.pad ? 8 : 0;
  const subgroups = t.subgroupsM * t.subgroupsN;
  // The left tile is [tileM][tileK] (row-major) or, for the Gram's F^T, [tileK][tileM] (loaded column-major).
  const strideA = (leftTransposed ? tileM : tileK) + pad;
  const strideB = tileN + pad;
  const aElems = leftTransposed ? tileK * strideA : tileM * strideA;
  const workgroupBytes = 2 * (aElems + tileK * strideB) + 4 * subgroups * M * N;
  return { tileM, tileN, tileK, subgroups, invocations: subgroups * o.subgroupSize, strideA, strideB, workgroupBytes };
}

/** Why these options cannot make a kernel (null when they can). */
export function tileProblem(o: SubgroupMatrixOptions, leftTransposed = false): string | null {
  const t = o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE;
  const values = [t.subgroupsM, t.subgroupsN, t.fragmentsM, t.fragmentsN, t.kSteps, o.shape.M, o.shape.N, o.shape.K, o.subgroupSize];
  if (!values.every((v) => Number.isInteger(v) && v > 0)) return 'sizes must be positive integers';
  if (o.shape.M % 8 || o.shape.N % 8 || o.shape.K % 8) return 'M, N and K must be multiples of 8 (16-byte aligned matrix rows)';
  const l = tileLayout(o, leftTransposed);
  if (l.invocations > 256) return `${l.invocations} invocations per workgroup (at most 256)`;
  const limit = o.maxWorkgroupBytes ?? 16384;
  if (l.workgroupBytes > limit) return `${l.workgroupBytes} bytes of workgroup memory (device allows ${limit})`;
  return null;
}

// ---- The matrix operations, real or emulated --------------------------------------------------------------

/**
 * WGSL text for subgroup-matrix types and calls. Emulated (plain WGSL, the same semantics): every invocation of
 * the subgroup holds whole matrices in private arrays and computes whole loads, products and stores itself
 * (stores write the same values from every invocation). Left matrices are kept as rows and right ones as
 * columns of vec4<f32> (k in fours; the values are f16, so f32 holds them exactly), results as M N f32.
 * Helpers are generated per array they touch.
 */
class MatrixOps {
  private readonly helpers = new Map<string, string>();

  constructor(
    private readonly shape: SubgroupMatrixShape,
    readonly emulate: boolean,
  ) {}

  get enables(): string {
    return this.emulate
      ? 'enable f16;\nenable subgroups;'
      : // The calls sit in subgroup-uniform control flow (branches on subgroup_id and uniforms only); Tint's
        // analysis cannot prove that for values derived from subgroup_id, hence the diagnostic is turned off.
        'diagnostic(off, chromium_experimental.subgroup_matrix_uniformity);\nenable f16;\nenable subgroups;\nenable chromium_experimental_subgroup_matrix;';
  }

  get result(): string {
    const { M, N } = this.shape;
    return this.emulate ? `array<f32, ${M * N}>` : `subgroup_matrix_result<f32, ${N}, ${M}>`;
  }

  zeroResult(): string {
    return `${this.result}()`;
  }

  /** Statement declaring `name` as a left (M x K) or right (K x N) matrix loaded from a workgroup or storage array of f16. */
  load(name: string, kind: 'left' | 'right', array: string, offset: string, colMajor: boolean, stride: string): string {
    const { M, N, K } = this.shape;
    if (!this.emulate) {
      const type = kind === 'left' ? `subgroup_matrix_left<f16, ${K}, ${M}>` : `subgroup_matrix_right<f16, ${N}, ${K}>`;
      return `let ${name} = subgroupMatrixLoad<${type}>(&${array}, ${offset}, ${colMajor}, ${stride});`;
    }
    // Left: row i's k = 4 q .. 4 q + 3 in vec4 i K/4 + q. Right: column j's k = 4 q .. in vec4 j K/4 + q.
    const outer = kind === 'left' ? M : N;
    const fn = `smLoad_${kind}_${array}`;
    const at = (o: string, k: string) =>
      kind === 'left'
        ? `${array}[select(offset + ${o} * stride + (${k}), offset + (${k}) * stride + ${o}, colMajor)]`
        : `${array}[select(offset + (${k}) * stride + ${o}, offset + ${o} * stride + (${k}), colMajor)]`;
    this.helpers.set(
      fn,
      `fn ${fn}(offset : u32, colMajor : bool, stride : u32) -> array<vec4<f32>, ${(outer * K) / 4}> {
  var m : array<vec4<f32>, ${(outer * K) / 4}>;
  for (var o = 0u; o < ${outer}u; o = o + 1u) {
    for (var q = 0u; q < ${K / 4}u; q = q + 1u) {
      let k = 4u * q;
      m[o * ${K / 4}u + q] = vec4<f32>(f32(${at('o', 'k')}), f32(${at('o', 'k + 1u')}), f32(${at('o', 'k + 2u')}), f32(${at('o', 'k + 3u')}));
    }
  }
  return m;
}`,
    );
    return `let ${name} = ${fn}(${offset}, ${colMajor}, ${stride});`;
  }

  /** left * right + acc, products of f16 operands summed in f32. */
  multiplyAccumulate(left: string, right: string, acc: string): string {
    if (!this.emulate) return `subgroupMatrixMultiplyAccumulate(${left}, ${right}, ${acc})`;
    const { M, N, K } = this.shape;
    this.helpers.set(
      'smMultiplyAccumulate',
      `fn smMultiplyAccumulate(l : array<vec4<f32>, ${(M * K) / 4}>, r : array<vec4<f32>, ${(N * K) / 4}>, acc : ${this.result}) -> ${this.result} {
  var a = l;
  var b = r;
  var o = acc;
  for (var i = 0u; i < ${M}u; i = i + 1u) {
    for (var j = 0u; j < ${N}u; j = j + 1u) {
      var s = o[i * ${N}u + j];
      for (var q = 0u; q < ${K / 4}u; q = q + 1u) { s = s + dot(a[i * ${K / 4}u + q], b[j * ${K / 4}u + q]); }
      o[i * ${N}u + j] = s;
    }
  }
  return o;
}`,
    );
    return `smMultiplyAccumulate(${left}, ${right}, ${acc})`;
  }

  /** Statement: a result matrix (M x N f32) into a workgroup or storage array of f32. */
  store(array: string, offset: string, value: string, colMajor: boolean, stride: string): string {
    if (!this.emulate) return `subgroupMatrixStore(&${array}, ${offset}, ${value}, ${colMajor}, ${stride});`;
    const { M, N } = this.shape;
    const name = `smStore_${array}`;
    this.helpers.set(
      name,
      `fn ${name}(offset : u32, value : ${this.result}, colMajor : bool, stride : u32) {
  var m = value;
  for (var r = 0u; r < ${M}u; r = r + 1u) {
    for (var c = 0u; c < ${N}u; c = c + 1u) {
      ${array}[select(offset + r * stride + c, offset + c * stride + r, colMajor)] = m[r * ${N}u + c];
    }
  }
}`,
    );
    return `${name}(${offset}, ${value}, ${colMajor}, ${stride});`;
  }

  helperSource(): string {
    return [...this.helpers.values()].join('\n\n');
  }
}

// ---- Shared pieces of the GEMM kernels --------------------------------------------------------------------

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const XYZW = ['x', 'y', 'z', 'w'];

/** The largest number of workgroups we put on one dispatch dimension (WebGPU guarantees 65535). */
const MAX_GROUPS_PER_DIM = 32768;

/** Row tiles over y and z (y * z >= rowTiles), column tiles over x. */
function gemmWorkgroups(rows: number, cols: number, l: TileLayout): [number, number, number] {
  const rowTiles = Math.max(1, Math.ceil(rows / l.tileM));
  const y = Math.min(rowTiles, MAX_GROUPS_PER_DIM);
  return [Math.max(1, Math.ceil(cols / l.tileN)), y, Math.ceil(rowTiles / y)];
}

const BUILTINS = `@builtin(local_invocation_index) t : u32,
  @builtin(workgroup_id) wg : vec3<u32>,
  @builtin(num_workgroups) nwg : vec3<u32>,
  @builtin(subgroup_id) sg : u32,
  @builtin(subgroup_invocation_id) lane : u32,
  @builtin(subgroup_size) lanes : u32`;

/**
 * Constants and workgroup arrays of a GEMM tile. The left tile is tileA [tileM][strideA] f16 (or [tileK][strideA]
 * when transposed), the right tileB [tileK][strideB] f16, and every subgroup has an M x N f32 scratch.
 */
function tileDeclarations(o: SubgroupMatrixOptions, l: TileLayout, leftTransposed: boolean): string {
  const t = o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE;
  const { M, N, K } = o.shape;
  return `const TILE_M = ${l.tileM}u;
const TILE_N = ${l.tileN}u;
const TILE_K = ${l.tileK}u;
const STRIDE_A = ${l.strideA}u;
const STRIDE_B = ${l.strideB}u;
const INVOCATIONS = ${l.invocations}u;
const SUBGROUPS = ${l.subgroups}u;
const SUBGROUPS_N = ${t.subgroupsN}u;
const MATRIX_M = ${M}u;
const MATRIX_N = ${N}u;
const MATRIX_K = ${K}u;
var<workgroup> tileA : array<f16, ${(leftTransposed ? l.tileK : l.tileM) * l.strideA}>;
var<workgroup> tileB : array<f16, ${l.tileK * l.strideB}>;
var<workgroup> scratch : array<f32, ${l.subgroups * M * N}>;`;
}

/** Accumulator declarations, one result matrix per fragment. */
function accumulators(o: SubgroupMatrixOptions, ops: MatrixOps): string {
  const t = o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE;
  return range(t.fragmentsM)
    .flatMap((i) => range(t.fragmentsN).map((j) => `var acc_${i}_${j} = ${ops.zeroResult()};`))
    .join('\n  ');
}

/**
 * The multiply of one staged step, for the subgroups with work (sg < SUBGROUPS; with a subgroup size below
 * subgroupMaxSize there are more subgroups than that, and the extra ones only help with staging).
 * Subgroup sg owns rows (sg / SUBGROUPS_N) fragmentsM M .. and columns (sg % SUBGROUPS_N) fragmentsN N .. of the tile.
 */
function multiplyStep(o: SubgroupMatrixOptions, ops: MatrixOps, leftTransposed: boolean): string {
  const t = o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE;
  const lines: string[] = [];
  for (let kq = 0; kq < t.kSteps; kq++) {
    for (let i = 0; i < t.fragmentsM; i++) {
      const row = `(sgRow * ${t.fragmentsM}u + ${i}u) * MATRIX_M`;
      const k = `${kq}u * MATRIX_K`;
      // [r, c] of the left matrix is tileA[(row + r) * STRIDE_A + k + c], or tileA[(k + c) * STRIDE_A + row + r] transposed.
      const offset = leftTransposed ? `${k} * STRIDE_A + ${row}` : `${row} * STRIDE_A + ${k}`;
      lines.push(ops.load(`left${kq}_${i}`, 'left', 'tileA', offset, leftTransposed, 'STRIDE_A'));
    }
    for (let j = 0; j < t.fragmentsN; j++) {
      const offset = `${kq}u * MATRIX_K * STRIDE_B + (sgCol * ${t.fragmentsN}u + ${j}u) * MATRIX_N`;
      lines.push(ops.load(`right${kq}_${j}`, 'right', 'tileB', offset, false, 'STRIDE_B'));
    }
    for (let i = 0; i < t.fragmentsM; i++) {
      for (let j = 0; j < t.fragmentsN; j++) {
        lines.push(`acc_${i}_${j} = ${ops.multiplyAccumulate(`left${kq}_${i}`, `right${kq}_${j}`, `acc_${i}_${j}`)};`);
      }
    }
  }
  return `if (sg < SUBGROUPS) {
      ${lines.join('\n      ')}
    }`;
}

/**
 * Each result matrix through the subgroup's scratch: stored, then read back by the subgroup's invocations, one
 * element each in turn, which write `value(v)` (n in scope) to target[p * columns + n] where p < rows and n < columns.
 * The barriers sit in workgroup-uniform control flow (a fixed count of fragments for every subgroup).
 */
function scratchEpilogue(
  o: SubgroupMatrixOptions,
  ops: MatrixOps,
  target: string,
  rows: string,
  columns: string,
  value: (v: string) => string,
): string {
  const t = o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE;
  const { M, N } = o.shape;
  const out: string[] = [];
  for (let i = 0; i < t.fragmentsM; i++) {
    for (let j = 0; j < t.fragmentsN; j++) {
      out.push(`if (sg < SUBGROUPS) {
    ${ops.store('scratch', `sg * ${M * N}u`, `acc_${i}_${j}`, false, `${N}u`)}
  }
  workgroupBarrier();
  if (sg < SUBGROUPS) {
    let rBase = row0 + (sgRow * ${t.fragmentsM}u + ${i}u) * MATRIX_M;
    let cBase = col0 + (sgCol * ${t.fragmentsN}u + ${j}u) * MATRIX_N;
    for (var e = lane; e < ${M * N}u; e = e + lanes) {
      let p = rBase + e / MATRIX_N;
      let n = cBase + e % MATRIX_N;
      if (p < ${rows} && n < ${columns}) {
        let v = scratch[sg * ${M * N}u + e];
        ${target}[p * ${columns} + n] = ${value('v')};
      }
    }
  }
  workgroupBarrier();`);
    }
  }
  return out.join('\n  ');
}

/**
 * Staging of the right operand [tileK][tileN] from a row-major [rowsK, cols] f32 matrix (vec4 reads when
 * `width` is 4): element (kk, n) read by `read(kk, n)` or 0 outside, converted to f16.
 */
function stageRight(l: TileLayout, width: number, read: (kk: string, n: string) => string, rowsK: string, cols: string): string {
  const groups = l.tileN / width;
  const total = l.tileK * groups;
  const rounds = Math.ceil(total / l.invocations);
  return range(rounds)
    .map((j) => {
      const stores =
        width === 4
          ? range(4)
              .map((c) => `tileB[kr * STRIDE_B + nq + ${c}u] = f16(v.${XYZW[c]});`)
              .join(' ')
          : 'tileB[kr * STRIDE_B + nq] = f16(v);';
      return `{
      let e = t + ${j * l.invocations}u;
      if (e < ${total}u) {
        let kr = e / ${groups}u;
        let nq = (e % ${groups}u) * ${width}u;
        let kk = k0 + kr;
        let n = col0 + nq;
        var v = ${width === 4 ? 'vec4<f32>' : 'f32'}(0.0);
        if (kk < ${rowsK} && n < ${cols}) { v = ${read('kk', 'n')}; }
        ${stores}
      }
    }`;
    })
    .join('\n    ');
}

// ---- 3x3 convolution -------------------------------------------------------------------------------------

/** A conv layer's shape: H x W pixels, Cin in, Cout out (the forward's; the backward maps Cout back to Cin). */
export interface ConvShape {
  h: number;
  w: number;
  cin: number;
  cout: number;
}

/**
 * The implicit-GEMM 3x3 SAME convolution. variant 'forward': bindings (src f32 [H W Cin] NHWC, weights f32
 * [9 Cin, Cout] row-major = the [3, 3, Cin, Cout] kernel read flat, bias f32 [Cout], result f32 [H W Cout],
 * params uniform {h, w, cin, cout : u32}), result = relu(conv + bias). variant 'backward': bindings (dy f32
 * [H W Cin], y f32 [H W Cin] (the layer's ReLU output, dy is used where y > 0), backWeights f32 [9 Cin, Cout],
 * result f32 [H W Cout], params {h, w, cin, cout}) where cin / cout here are the backward pass's own (the
 * forward layer's Cout / Cin). Throws when the tile cannot be used (tileProblem).
 */
function conv3x3Kernel(variant: 'forward' | 'backward', s: ConvShape, o: SubgroupMatrixOptions): ComputeKernel {
  const problem = tileProblem(o);
  if (problem) throw new Error(`subgroup-matrix conv3x3 ${tileName(o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE)}: ${problem}`);
  const l = tileLayout(o);
  const ops = new MatrixOps(o.shape, !!o.emulate);
  const backward = variant === 'backward';
  // vec4 reads of A need 4 consecutive k in one tap (Cin % 4 == 0); of B, Cout % 4 == 0.
  const wa = s.cin % 4 === 0 ? 4 : 1;
  const wb = s.cout % 4 === 0 ? 4 : 1;
  const aType = wa === 4 ? 'vec4<f32>' : 'f32';
  const bType = wb === 4 ? 'vec4<f32>' : 'f32';
  // A loads: invocation t takes k = aQ .. aQ + wa - 1 of the step (consecutive invocations: consecutive channels of
  // one pixel, coalesced NHWC reads) for rows aR + j * rowStep; each row's pixel is decoded once, before the loop.
  const groups = l.tileK / wa;
  // Where the invocations split evenly over the k groups, each keeps one k offset (aQ) for every step and decodes
  // its rows' pixels once, before the loop; otherwise (few invocations, e.g. one 8-lane subgroup) every staged
  // element decodes its own row and k.
  const hoisted = l.invocations % groups === 0;
  const rowStep = hoisted ? l.invocations / groups : 0;
  const rounds = hoisted ? Math.ceil(l.tileM / rowStep) : Math.ceil((l.tileM * groups) / l.invocations);
  const names = backward ? ['dy', 'y', 'backWeights', 'result', 'params'] : ['src', 'weights', 'bias', 'result', 'params'];
  const kinds: BindingKind[] = ['read', 'read', 'read', 'read_write', 'uniform'];
  const types = backward
    ? [`array<${aType}>`, `array<${aType}>`, `array<${bType}>`, 'array<f32>', 'Params']
    : [`array<${aType}>`, `array<${bType}>`, 'array<f32>', 'array<f32>', 'Params'];
  const readA = backward ? (i: string) => `select(${aType}(0.0), dy[${i}], y[${i}] > ${aType}(0.0))` : (i: string) => `src[${i}]`;
  const weights = backward ? 'backWeights' : 'weights';
  // k -> (tap, ci) -> the input offset (offY, offX) in -1..1 of the tap.
  const kDecode = (q: string) => `let kk = k0 + ${q};
    let tap = kk / CIN;
    let ci = kk - tap * CIN;
    let ky = i32(tap / 3u);
    let offY = ky - 1;
    let offX = i32(tap) - ky * 3 - 1;
    let kOk = kk < KD;`;
  const stores = (row: string, q: string) =>
    wa === 4
      ? range(4)
          .map((c) => `tileA[${row} * STRIDE_A + ${q} + ${c}u] = f16(v.${XYZW[c]});`)
          .join(' ')
      : `tileA[${row} * STRIDE_A + ${q}] = f16(v);`;
  const gather = (oy: string, ox: string, ok: string) => `let iy = ${oy} + offY;
      let ix = ${ox} + offX;
      var v = ${aType}(0.0);
      if (kOk && ${ok} && iy >= 0 && iy < H && ix >= 0 && ix < W) {
        v = ${readA(`(u32(iy * W + ix) * CIN + ci) / ${wa}u`)};
      }`;
  const rowSetup = hoisted
    ? `let aQ = (t % ${groups}u) * ${wa}u;
  let aR = t / ${groups}u;
  ` +
      range(rounds)
        .map(
          (j) => `let aRow${j} = aR + ${j * rowStep}u;
  let aP${j} = row0 + aRow${j};
  let aOy${j} = i32(aP${j} / params.w);
  let aOx${j} = i32(aP${j} % params.w);
  let aOk${j} = aRow${j} < TILE_M && aP${j} < HW;`,
        )
        .join('\n  ')
    : '';
  const stageA = hoisted
    ? `${kDecode('aQ')}
    ` +
      range(rounds)
        .map(
          (j) => `{
      ${gather(`aOy${j}`, `aOx${j}`, `aOk${j}`)}
      if (aRow${j} < TILE_M) { ${stores(`aRow${j}`, 'aQ')} }
    }`,
        )
        .join('\n    ')
    : range(rounds)
        .map(
          (j) => `{
      let e = t + ${j * l.invocations}u;
      let row = e / ${groups}u;
      let q = (e % ${groups}u) * ${wa}u;
      let pa = row0 + row;
      ${kDecode('q')}
      ${gather('i32(pa / params.w)', 'i32(pa % params.w)', `row < TILE_M && pa < HW`)}
      if (row < TILE_M) { ${stores('row', 'q')} }
    }`,
        )
        .join('\n    ');
  // Generated before the module is assembled: emulated ops collect their helper functions on the way.
  const step = multiplyStep(o, ops, false);
  const epilogue = scratchEpilogue(o, ops, 'result', 'HW', 'COUT', (v) => (backward ? v : `max(${v} + bias[n], 0.0)`));
  const code = `${ops.enables}
struct Params { h : u32, w : u32, cin : u32, cout : u32 }
${bindingDeclarations(names.map((name, i) => ({ kind: kinds[i]!, name, type: types[i]! })))}
${tileDeclarations(o, l, false)}

${ops.helperSource()}

@compute @workgroup_size(${l.invocations})
fn main(${BUILTINS}) {
  let H = i32(params.h);
  let W = i32(params.w);
  let HW = params.h * params.w;
  let CIN = params.cin;
  let COUT = params.cout;
  let KD = 9u * CIN;
  let row0 = (wg.z * nwg.y + wg.y) * TILE_M;
  let col0 = wg.x * TILE_N;
  let sgRow = sg / SUBGROUPS_N;
  let sgCol = sg % SUBGROUPS_N;
  ${rowSetup}
  ${accumulators(o, ops)}
  for (var k0 = 0u; k0 < KD; k0 = k0 + TILE_K) {
    ${stageA}
    ${stageRight(l, wb, (kk, n) => `${weights}[(${kk} * COUT + ${n}) / ${wb}u]`, 'KD', 'COUT')}
    workgroupBarrier();
    ${step}
    workgroupBarrier();
  }
  ${epilogue}
}
`;
  return {
    label: `sgmat conv3x3 ${variant} ${tileName(o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE)} ${o.shape.M}x${o.shape.N}x${o.shape.K}${o.emulate ? ' emulated' : ''}`,
    code,
    bindings: kinds,
    workgroups: gemmWorkgroups(s.h * s.w, s.cout, l),
    features: o.emulate ? ['shader-f16', 'subgroups'] : [...SUBGROUP_MATRIX_DEVICE_FEATURES],
  };
}

/**
 * relu(conv3x3(x, W) + b) on subgroup matrices. Bindings, in order: src f32 [H W Cin] (NHWC), weights f32
 * [9 Cin Cout] (the [3, 3, Cin, Cout] kernel, i.e. [K, N] row-major), bias f32 [Cout], result f32 [H W Cout],
 * params uniform {h, w, cin, cout} as four u32. Operands are rounded to f16 when staged; sums in f32.
 */
export function subgroupMatrixConv3x3Forward(s: ConvShape, o: SubgroupMatrixOptions): ComputeKernel {
  return conv3x3Kernel('forward', s, o);
}

/**
 * conv3x3(dy * (y > 0), Wback) on subgroup matrices: the input gradient through a conv + ReLU layer.
 * Bindings: dy f32 [H W Cin], y f32 [H W Cin] (the ReLU output dy belongs to), backWeights f32 [9 Cin Cout]
 * (gradients.ts backwardKernel of the forward kernel), result f32 [H W Cout], params {h, w, cin, cout : u32} —
 * cin and cout of this pass (the forward layer's Cout and Cin).
 */
export function subgroupMatrixConv3x3Backward(s: ConvShape, o: SubgroupMatrixOptions): ComputeKernel {
  return conv3x3Kernel('backward', s, o);
}

// ---- Gram matrix -------------------------------------------------------------------------------------------

/** How the Gram forward cuts the positions: `chunks` workgroups per output tile pair, `chunk` positions each. */
export interface GramSplit {
  tile: number;
  tilesPerSide: number;
  tilePairs: number;
  /** Positions per chunk (a multiple of tileK). */
  chunk: number;
  chunks: number;
  /** The partial buffer's side: tilesPerSide tile (so that whole matrices can be stored without bounds checks). */
  paddedChannels: number;
}

/** The Gram's split of P positions over C channels: about `targetWorkgroups` workgroups, chunks of at least `minChunk`. */
export function gramSplit(p: number, c: number, o: SubgroupMatrixOptions, targetWorkgroups = 512, minChunk = 256): GramSplit {
  const l = tileLayout(o, true);
  const tile = l.tileM;
  const tilesPerSide = Math.ceil(c / tile);
  const tilePairs = (tilesPerSide * (tilesPerSide + 1)) / 2;
  const wanted = Math.max(1, Math.ceil(targetWorkgroups / tilePairs));
  const roundUp = (v: number) => Math.ceil(v / l.tileK) * l.tileK;
  let chunk = roundUp(Math.max(minChunk, Math.ceil(p / wanted), 1));
  // A dispatch dimension holds at most 65535 workgroups.
  if (Math.ceil(p / chunk) > 65535) chunk = roundUp(Math.ceil(p / 65535));
  return { tile, tilesPerSide, tilePairs, chunk, chunks: Math.max(1, Math.ceil(p / chunk)), paddedChannels: tilesPerSide * tile };
}

export interface GramKernels {
  /** Pass 1: bindings F f32 [P C], partials f32 [chunks paddedChannels paddedChannels] (read_write), params uniform {p, c, tilesPerSide, chunk : u32}. */
  partial: ComputeKernel;
  /** Pass 2: bindings partials, G f32 [C C] (read_write), params uniform {c, paddedChannels, chunks, tile : u32}. */
  reduce: ComputeKernel;
  split: GramSplit;
  /** The uniform values of each pass, in binding order of their fields. */
  partialParams: Uint32Array;
  reduceParams: Uint32Array;
  /** Bytes of the partials buffer. */
  partialBytes: number;
}

/**
 * G = F^T F for F [P positions, C channels] (row-major), as two kernels: upper-triangle tiles of G per chunk of
 * positions on subgroup matrices (left = F^T staged [tileK][tile] and loaded column-major, right = F), then a plain
 * sum over chunks that mirrors the lower triangle. The tile must be square (subgroupsM fragmentsM M = subgroupsN
 * fragmentsN N). Operands rounded to f16 when staged, sums in f32, G f32 [C, C] full.
 */
export function subgroupMatrixGram(p: number, c: number, o: SubgroupMatrixOptions, targetWorkgroups = 512, minChunk = 256): GramKernels {
  const problem = tileProblem(o, true);
  const l = tileLayout(o, true);
  if (problem) throw new Error(`subgroup-matrix Gram ${tileName(o.tile ?? DEFAULT_GRAM_TILE)}: ${problem}`);
  if (l.tileM !== l.tileN) throw new Error(`subgroup-matrix Gram: the tile must be square (${l.tileM} x ${l.tileN})`);
  const split = gramSplit(p, c, o, targetWorkgroups, minChunk);
  const ops = new MatrixOps(o.shape, !!o.emulate);
  const t = o.tile ?? DEFAULT_GRAM_TILE;
  const width = c % 4 === 0 ? 4 : 1;
  const fType = width === 4 ? 'vec4<f32>' : 'f32';
  const groups = l.tileM / width;
  const total = l.tileK * groups;
  const rounds = Math.ceil(total / l.invocations);
  const stage = range(rounds)
    .map((j) => {
      const stores = (arr: string, v: string) =>
        width === 4
          ? range(4)
              .map((q) => `${arr}[kr * ${arr === 'tileA' ? 'STRIDE_A' : 'STRIDE_B'} + ch + ${q}u] = f16(${v}.${XYZW[q]});`)
              .join(' ')
          : `${arr}[kr * ${arr === 'tileA' ? 'STRIDE_A' : 'STRIDE_B'} + ch] = f16(${v});`;
      return `{
      let e = t + ${j * l.invocations}u;
      if (e < ${total}u) {
        let kr = e / ${groups}u;
        let ch = (e % ${groups}u) * ${width}u;
        let q = p0 + kr;
        var a = ${fType}(0.0);
        var b = ${fType}(0.0);
        if (q < pEnd) {
          if (rowBase + ch < C) { a = F[(q * C + rowBase + ch) / ${width}u]; }
          if (colBase + ch < C) { b = F[(q * C + colBase + ch) / ${width}u]; }
        }
        ${stores('tileA', 'a')}
        ${stores('tileB', 'b')}
      }
    }`;
    })
    .join('\n    ');
  const step = multiplyStep(o, ops, true);
  const stores = range(t.fragmentsM).flatMap((i) =>
    range(t.fragmentsN).map((j) => {
      const offset = `base + (rowBase + (sgRow * ${t.fragmentsM}u + ${i}u) * MATRIX_M) * CP + colBase + (sgCol * ${t.fragmentsN}u + ${j}u) * MATRIX_N`;
      return ops.store('partials', offset, `acc_${i}_${j}`, false, 'CP');
    }),
  );
  const kinds: BindingKind[] = ['read', 'read_write', 'uniform'];
  const partialCode = `${ops.enables}
struct Params { p : u32, c : u32, tilesPerSide : u32, chunk : u32 }
${bindingDeclarations([
  { kind: 'read', name: 'F', type: `array<${fType}>` },
  { kind: 'read_write', name: 'partials', type: 'array<f32>' },
  { kind: 'uniform', name: 'params', type: 'Params' },
])}
${tileDeclarations(o, l, true)}

${ops.helperSource()}

@compute @workgroup_size(${l.invocations})
fn main(${BUILTINS}) {
  let P = params.p;
  let C = params.c;
  let CP = params.tilesPerSide * TILE_M;
  // workgroup x -> the tile pair (ti <= tj) row by row over the upper triangle; y -> the chunk of positions.
  var rest = wg.x;
  var ti = 0u;
  loop {
    if (rest < params.tilesPerSide - ti) { break; }
    rest = rest - (params.tilesPerSide - ti);
    ti = ti + 1u;
  }
  let rowBase = ti * TILE_M;
  let colBase = (ti + rest) * TILE_M;
  let pStart = wg.y * params.chunk;
  let pEnd = min(P, pStart + params.chunk);
  let sgRow = sg / SUBGROUPS_N;
  let sgCol = sg % SUBGROUPS_N;
  ${accumulators(o, ops)}
  for (var k0 = 0u; k0 < params.chunk; k0 = k0 + TILE_K) {
    let p0 = pStart + k0;
    ${stage}
    workgroupBarrier();
    ${step}
    workgroupBarrier();
  }
  let base = wg.y * CP * CP;
  if (sg < SUBGROUPS) {
    ${stores.join('\n    ')}
  }
}
`;
  const reduceCode = `struct Params { c : u32, paddedChannels : u32, chunks : u32, tile : u32 }
${bindingDeclarations([
  { kind: 'read', name: 'partials', type: 'array<f32>' },
  { kind: 'read_write', name: 'G', type: 'array<f32>' },
  { kind: 'uniform', name: 'params', type: 'Params' },
])}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) id : vec3<u32>) {
  let C = params.c;
  if (id.x >= C * C) { return; }
  let i = id.x / C;
  let j = id.x % C;
  let CP = params.paddedChannels;
  // Only tiles on or above the diagonal were computed: below it, G[i, j] = G[j, i].
  var src = i * CP + j;
  if (i / params.tile > j / params.tile) { src = j * CP + i; }
  var sum = 0.0;
  for (var s = 0u; s < params.chunks; s = s + 1u) { sum = sum + partials[s * CP * CP + src]; }
  G[id.x] = sum;
}
`;
  const name = `${tileName(t)} ${o.shape.M}x${o.shape.N}x${o.shape.K}${o.emulate ? ' emulated' : ''}`;
  return {
    partial: {
      label: `sgmat gram partial ${name}`,
      code: partialCode,
      bindings: kinds,
      workgroups: [split.tilePairs, split.chunks, 1],
      features: o.emulate ? ['shader-f16', 'subgroups'] : [...SUBGROUP_MATRIX_DEVICE_FEATURES],
    },
    reduce: {
      label: `sgmat gram reduce ${name}`,
      code: reduceCode,
      bindings: ['read', 'read_write', 'uniform'],
      workgroups: [Math.ceil((c * c) / 256), 1, 1],
    },
    split,
    partialParams: Uint32Array.of(p, c, split.tilesPerSide, split.chunk),
    reduceParams: Uint32Array.of(c, split.paddedChannels, split.chunks, split.tile),
    partialBytes: 4 * split.chunks * split.paddedChannels * split.paddedChannels,
  };
}

/**
 * dF = F (dG + dG^T) on subgroup matrices: F [P, C] row-major, dG [C, C]. Bindings: F f32 [P C], dG f32 [C C],
 * dF f32 [P C] (read_write), params uniform {p, c, 0, 0 : u32}. F and the symmetrised dG are rounded to f16 when
 * staged, sums in f32.
 */
export function subgroupMatrixGramBackward(p: number, c: number, o: SubgroupMatrixOptions): ComputeKernel {
  const problem = tileProblem(o);
  if (problem) throw new Error(`subgroup-matrix Gram backward ${tileName(o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE)}: ${problem}`);
  const l = tileLayout(o);
  const ops = new MatrixOps(o.shape, !!o.emulate);
  const width = c % 4 === 0 ? 4 : 1;
  const fType = width === 4 ? 'vec4<f32>' : 'f32';
  // Left: F [tileM positions][tileK channels], consecutive invocations on consecutive channels.
  const groups = l.tileK / width;
  const total = l.tileM * groups;
  const rounds = Math.ceil(total / l.invocations);
  const stageA = range(rounds)
    .map((j) => {
      const stores =
        width === 4
          ? range(4)
              .map((q) => `tileA[r * STRIDE_A + kq + ${q}u] = f16(v.${XYZW[q]});`)
              .join(' ')
          : 'tileA[r * STRIDE_A + kq] = f16(v);';
      return `{
      let e = t + ${j * l.invocations}u;
      if (e < ${total}u) {
        let r = e / ${groups}u;
        let kq = (e % ${groups}u) * ${width}u;
        let q = row0 + r;
        var v = ${fType}(0.0);
        if (q < P && k0 + kq < C) { v = F[(q * C + k0 + kq) / ${width}u]; }
        ${stores}
      }
    }`;
    })
    .join('\n    ');
  const stageB = stageRight(l, 1, (kk, n) => `dG[${kk} * C + ${n}] + dG[${n} * C + ${kk}]`, 'C', 'C');
  const step = multiplyStep(o, ops, false);
  const epilogue = scratchEpilogue(o, ops, 'dF', 'P', 'C', (v) => v);
  const code = `${ops.enables}
struct Params { p : u32, c : u32, unused0 : u32, unused1 : u32 }
${bindingDeclarations([
  { kind: 'read', name: 'F', type: `array<${fType}>` },
  { kind: 'read', name: 'dG', type: 'array<f32>' },
  { kind: 'read_write', name: 'dF', type: 'array<f32>' },
  { kind: 'uniform', name: 'params', type: 'Params' },
])}
${tileDeclarations(o, l, false)}

${ops.helperSource()}

@compute @workgroup_size(${l.invocations})
fn main(${BUILTINS}) {
  let P = params.p;
  let C = params.c;
  let row0 = (wg.z * nwg.y + wg.y) * TILE_M;
  let col0 = wg.x * TILE_N;
  let sgRow = sg / SUBGROUPS_N;
  let sgCol = sg % SUBGROUPS_N;
  ${accumulators(o, ops)}
  for (var k0 = 0u; k0 < C; k0 = k0 + TILE_K) {
    ${stageA}
    ${stageB}
    workgroupBarrier();
    ${step}
    workgroupBarrier();
  }
  ${epilogue}
}
`;
  return {
    label: `sgmat gram backward ${tileName(o.tile ?? DEFAULT_SUBGROUP_MATRIX_TILE)} ${o.shape.M}x${o.shape.N}x${o.shape.K}${o.emulate ? ' emulated' : ''}`,
    code,
    bindings: ['read', 'read', 'read_write', 'uniform'],
    workgroups: gemmWorkgroups(p, c, l),
    features: o.emulate ? ['shader-f16', 'subgroups'] : [...SUBGROUP_MATRIX_DEVICE_FEATURES],
  };
}

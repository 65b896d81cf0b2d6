// The Gram matrix G = F^T F (F: [M, N], M = H*W positions, N channels) and its gradient dF = F (dG + dG^T)
// as our own WGSL kernels for tfjs's webgpu backend.
//
// Forward, split-K: G is tiny (64x64 .. 512x512) but the inner dimension M is huge (262144 at relu1_1, 512 px),
// so a plain tiled GEMM has only a handful of output tiles, i.e. a handful of workgroups each looping over all
// of M while the rest of the GPU idles. Here M is cut into S chunks: pass 1 runs one workgroup per
// (output tile, chunk) and writes a partial Gram [S, N, N]; pass 2 sums the S partials (WGSL has no float
// atomics). G is symmetric, so pass 1 computes only the tiles on or above the diagonal and pass 2 mirrors.
//
// Backward: dF = F B with B = dG + dG^T folded into the load of B's tile, as one tiled GEMM [M, N] x [N, N]
// with one workgroup per (row tile of M, column tile of N).
//
// Tile sizes are compile-time constants baked into the shader source and its shaderKey; shapes and the
// split arrive as uniforms, so one compiled shader serves every layer.
import * as tf from '@tensorflow/tfjs';

export const GRAM_FORWARD_KERNEL = 'StylebotGramSplitK';
export const GRAM_BACKWARD_KERNEL = 'StylebotGramBackward';

/** The split-K forward: a square `tile` x `tile` of G per workgroup, `micro` x `micro` of it per thread. */
export interface GramForwardConfig {
  /** Side of the output tile of G per workgroup. */
  tile: number;
  /** Side of the block of outputs each thread accumulates in registers; (tile / micro)^2 threads. */
  micro: number;
  /** Positions loaded into workgroup memory per step; the chunk length is a multiple of it. */
  kStep: number;
  /** How many workgroups pass 1 aims for (enough to fill the GPU); sets the number of chunks S. Not in the shader. */
  targetWorkgroups: number;
  /** The shortest chunk of positions a workgroup takes. Not in the shader. */
  minChunk: number;
  /** Workgroup tiles as vec4 and each thread's block as runs of 4 neighbouring rows/columns (micro % 4 == 0). */
  vec4?: boolean;
}

/** The backward GEMM: a `tileM` x `tileN` tile of dF per workgroup, `microM` x `microN` of it per thread. */
export interface GramBackwardConfig {
  tileM: number;
  tileN: number;
  microM: number;
  microN: number;
  /** Channels (the inner dimension, N) loaded into workgroup memory per step. */
  kStep: number;
  /** As GramForwardConfig.vec4 (microM % 4 == 0 and microN % 4 == 0). */
  vec4?: boolean;
}

export const GRAM_FORWARD_CONFIGS: readonly GramForwardConfig[] = [
  { tile: 32, micro: 4, kStep: 16, targetWorkgroups: 512, minChunk: 256 },
  { tile: 64, micro: 4, kStep: 16, targetWorkgroups: 512, minChunk: 256 },
  { tile: 64, micro: 8, kStep: 16, targetWorkgroups: 512, minChunk: 256 },
  { tile: 32, micro: 2, kStep: 32, targetWorkgroups: 1024, minChunk: 256 },
  // The same shaders as above, split finer: more workgroups, shorter chunks, more partials to sum.
  { tile: 32, micro: 4, kStep: 16, targetWorkgroups: 2048, minChunk: 128 },
  { tile: 64, micro: 8, kStep: 16, targetWorkgroups: 1024, minChunk: 128 },
  // vec4 workgroup tiles: a quarter of the workgroup-memory reads for the same arithmetic.
  { tile: 32, micro: 4, kStep: 16, targetWorkgroups: 512, minChunk: 256, vec4: true },
  { tile: 64, micro: 4, kStep: 16, targetWorkgroups: 512, minChunk: 256, vec4: true },
  { tile: 64, micro: 8, kStep: 16, targetWorkgroups: 1024, minChunk: 128, vec4: true },
];

export const GRAM_BACKWARD_CONFIGS: readonly GramBackwardConfig[] = [
  { tileM: 64, tileN: 64, microM: 4, microN: 4, kStep: 16 },
  { tileM: 32, tileN: 32, microM: 4, microN: 4, kStep: 16 },
  { tileM: 128, tileN: 64, microM: 8, microN: 4, kStep: 16 },
  { tileM: 64, tileN: 32, microM: 4, microN: 2, kStep: 32 },
  { tileM: 64, tileN: 64, microM: 4, microN: 4, kStep: 16, vec4: true },
  { tileM: 128, tileN: 64, microM: 8, microN: 4, kStep: 16, vec4: true },
  { tileM: 64, tileN: 64, microM: 8, microN: 8, kStep: 16, vec4: true },
];

// The fastest in all (the sum over relu1_1 .. relu5_1) on an H100 at 512 px (bench/gpu/README.md, 2026-11-22):
// forward 1.45 ms against tfjs's matMul 12.1 ms, backward 1.59 ms against 1.82 ms.
export const DEFAULT_GRAM_FORWARD_CONFIG: GramForwardConfig = GRAM_FORWARD_CONFIGS[7]!;
export const DEFAULT_GRAM_BACKWARD_CONFIG: GramBackwardConfig = GRAM_BACKWARD_CONFIGS[5]!;

export function forwardConfigName(c: GramForwardConfig): string {
  return `t${c.tile} r${c.micro} k${c.kStep}${c.vec4 ? ' vec4' : ''} wg${c.targetWorkgroups}`;
}

export function backwardConfigName(c: GramBackwardConfig): string {
  return `${c.tileM}x${c.tileN} r${c.microM}x${c.microN} k${c.kStep}${c.vec4 ? ' vec4' : ''}`;
}

/** The split of M into chunks for pass 1: S chunks of `chunk` positions (a multiple of kStep). */
export interface GramSplit {
  tilesPerSide: number;
  /** Output tiles on or above the diagonal: tilesPerSide (tilesPerSide + 1) / 2. */
  tilePairs: number;
  chunk: number;
  chunks: number;
}

export function gramSplit(m: number, n: number, config: GramForwardConfig): GramSplit {
  const tilesPerSide = Math.ceil(n / config.tile);
  const tilePairs = (tilesPerSide * (tilesPerSide + 1)) / 2;
  const wanted = Math.max(1, Math.ceil(config.targetWorkgroups / tilePairs));
  const roundUp = (v: number, to: number) => Math.ceil(v / to) * to;
  const chunk = roundUp(Math.max(config.minChunk, Math.ceil(m / wanted), 1), config.kStep);
  return { tilesPerSide, tilePairs, chunk, chunks: Math.max(1, Math.ceil(m / chunk)) };
}

function checkForwardConfig(c: GramForwardConfig): void {
  const threads = (c.tile / c.micro) ** 2;
  const loads = c.vec4 ? (c.kStep * c.tile) / 4 : c.kStep * c.tile;
  const ok =
    Number.isInteger(c.tile / c.micro) &&
    threads <= 256 &&
    loads % threads === 0 &&
    c.kStep > 0 &&
    c.minChunk > 0 &&
    c.targetWorkgroups > 0 &&
    c.targetWorkgroups < 65536 &&
    (!c.vec4 || c.micro % 4 === 0);
  if (!ok) throw new Error(`unusable Gram forward config ${JSON.stringify(c)}`);
}

function checkBackwardConfig(c: GramBackwardConfig): void {
  const threads = (c.tileM / c.microM) * (c.tileN / c.microN);
  const width = c.vec4 ? 4 : 1;
  const ok =
    Number.isInteger(c.tileM / c.microM) &&
    Number.isInteger(c.tileN / c.microN) &&
    threads <= 256 &&
    ((c.kStep * c.tileM) / width) % threads === 0 &&
    ((c.kStep * c.tileN) / width) % threads === 0 &&
    (!c.vec4 || (c.microM % 4 === 0 && c.microN % 4 === 0));
  if (!ok) throw new Error(`unusable Gram backward config ${JSON.stringify(c)}`);
}

// ---- WGSL sources. Inside them tfjs provides: the input buffers by variable name (F, dG, partials), `result`
// (the output buffer), `uniforms` (with fShape etc. and our own fields), and the builtins workgroupId, localId,
// localIndex, numWorkgroups as private variables. Control flow around workgroupBarrier() depends only on
// uniforms and constants (WGSL's uniformity rule); per-workgroup ranges are handled by bounds checks instead.

/** Unrolled straight-line code for the register block, so the accumulators stay in registers. */
function unrolled(rows: number, cols: number, line: (r: number, c: number) => string): string {
  const out: string[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out.push(line(r, c));
  return out.join('\n');
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * What both pass-1 shaders start with: m and n, this workgroup's output tile (ti, tj = ti + rest) decoded from
 * workgroupId.x over the upper-triangle tile pairs row by row, its chunk of positions [pStart, pEnd), and the thread.
 */
function forwardPrologue(T: number, side: number): string {
  return `
      let m = uniforms.fShape.x;
      let n = uniforms.fShape.y;
      var rest = i32(workgroupId.x);
      var ti = 0;
      loop {
        if (rest < uniforms.tilesPerSide - ti) { break; }
        rest = rest - (uniforms.tilesPerSide - ti);
        ti = ti + 1;
      }
      let rowBase = ti * ${T};
      let colBase = (ti + rest) * ${T};
      let chunkIndex = i32(workgroupId.y);
      let pStart = chunkIndex * uniforms.chunk;
      let pEnd = min(m, pStart + uniforms.chunk);
      let tx = i32(localId.x);
      let ty = i32(localId.y);
      let lid = ty * ${side} + tx;`;
}

/**
 * Pass 1. Workgroup (x = upper-triangle tile pair, y = chunk). Each step loads kStep positions x tile channels of
 * the row tile (ti) and of the column tile (tj) into workgroup memory, [kStep][tile] with channels contiguous (the
 * global read of a position's channels is contiguous too), then every thread adds the outer product of its micro
 * rows and columns. Thread (tx, ty) owns rows ty + r * threadsPerSide and columns tx + c * threadsPerSide, so the
 * threads of a warp read neighbouring words of workgroup memory.
 */
function forwardSource(c: GramForwardConfig): string {
  const { tile: T, micro: R, kStep: K } = c;
  const side = T / R;
  const threads = side * side;
  const loadsPerThread = (K * T) / threads;
  return `
    var<workgroup> rowTile : array<f32, ${K * T}>;
    var<workgroup> colTile : array<f32, ${K * T}>;

    fn main() {
      ${forwardPrologue(T, side)}
      ${unrolled(R, R, (r, q) => `var acc_${r}_${q} = 0.0;`)}
      // uniforms.chunk / kStep steps for every workgroup (uniform); the last chunk reads zeros past pEnd.
      for (var s = 0; s < uniforms.chunk / ${K}; s = s + 1) {
        let p0 = pStart + s * ${K};
        for (var q = 0; q < ${loadsPerThread}; q = q + 1) {
          let e = lid + q * ${threads};
          let p = p0 + e / ${T};
          let ch = e % ${T};
          var a = 0.0;
          var b = 0.0;
          if (p < pEnd) {
            if (rowBase + ch < n) { a = F[p * n + rowBase + ch]; }
            if (colBase + ch < n) { b = F[p * n + colBase + ch]; }
          }
          rowTile[e] = a;
          colTile[e] = b;
        }
        workgroupBarrier();
        for (var k = 0; k < ${K}; k = k + 1) {
          let o = k * ${T};
          ${range(R)
            .map((r) => `let a${r} = rowTile[o + ty + ${r * side}];`)
            .join('\n')}
          ${range(R)
            .map((q) => `let b${q} = colTile[o + tx + ${q * side}];`)
            .join('\n')}
          ${unrolled(R, R, (r, q) => `acc_${r}_${q} = fma(a${r}, b${q}, acc_${r}_${q});`)}
        }
        workgroupBarrier();
      }
      let base = chunkIndex * n * n;
      ${unrolled(
        R,
        R,
        (r, q) => `
      if (rowBase + ty + ${r * side} < n && colBase + tx + ${q * side} < n) {
        result[base + (rowBase + ty + ${r * side}) * n + colBase + tx + ${q * side}] = acc_${r}_${q};
      }`,
      )}
    }`;
}

/**
 * Pass 1 with vec4 workgroup tiles: [kStep][tile / 4] vec4s, channels contiguous. Thread (tx, ty) owns the runs of
 * 4 rows starting at 4 (ty + v * threadsPerSide) and of 4 columns at 4 (tx + w * threadsPerSide), v, w < micro / 4:
 * one vec4 read gives 4 rows (or columns), and 4 fma of vec4s update a 4 x 4 block.
 */
function forwardSourceVec4(c: GramForwardConfig): string {
  const { tile: T, micro: R, kStep: K } = c;
  const side = T / R;
  const threads = side * side;
  const V = R / 4;
  const T4 = T / 4;
  const loadsPerThread = (K * T4) / threads;
  const blocks = (line: (v: number, w: number, i: number) => string) =>
    range(V)
      .flatMap((v) => range(V).flatMap((w) => range(4).map((i) => line(v, w, i))))
      .join('\n');
  return `
    var<workgroup> rowTile : array<vec4<f32>, ${K * T4}>;
    var<workgroup> colTile : array<vec4<f32>, ${K * T4}>;

    fn loadFour(p : i32, ch : i32, n : i32) -> vec4<f32> {
      var v = vec4<f32>(0.0);
      for (var i = 0; i < 4; i = i + 1) {
        if (ch + i < n) { v[i] = F[p * n + ch + i]; }
      }
      return v;
    }

    fn main() {
      ${forwardPrologue(T, side)}
      ${blocks((v, w, i) => `var acc_${v}_${w}_${i} = vec4<f32>(0.0);`)}
      for (var s = 0; s < uniforms.chunk / ${K}; s = s + 1) {
        let p0 = pStart + s * ${K};
        for (var q = 0; q < ${loadsPerThread}; q = q + 1) {
          let e = lid + q * ${threads};
          let p = p0 + e / ${T4};
          let ch = (e % ${T4}) * 4;
          var a = vec4<f32>(0.0);
          var b = vec4<f32>(0.0);
          if (p < pEnd) {
            a = loadFour(p, rowBase + ch, n);
            b = loadFour(p, colBase + ch, n);
          }
          rowTile[e] = a;
          colTile[e] = b;
        }
        workgroupBarrier();
        for (var k = 0; k < ${K}; k = k + 1) {
          let o = k * ${T4};
          ${range(V)
            .map((v) => `let a${v} = rowTile[o + ty + ${v * side}];`)
            .join('\n')}
          ${range(V)
            .map((w) => `let b${w} = colTile[o + tx + ${w * side}];`)
            .join('\n')}
          ${blocks((v, w, i) => `acc_${v}_${w}_${i} = fma(vec4<f32>(a${v}[${i}]), b${w}, acc_${v}_${w}_${i});`)}
        }
        workgroupBarrier();
      }
      let base = chunkIndex * n * n;
      ${blocks(
        (v, w, i) => `
      {
        let row = rowBase + 4 * (ty + ${v * side}) + ${i};
        let col = colBase + 4 * (tx + ${w * side});
        if (row < n) {
          for (var j = 0; j < 4; j = j + 1) {
            if (col + j < n) { result[base + row * n + col + j] = acc_${v}_${w}_${i}[j]; }
          }
        }
      }`,
      )}
    }`;
}

/** Pass 2: G[i, j] = sum over chunks of partials[s, i, j], taken from [s, j, i] below the diagonal tiles. */
function reduceSource(tile: number): string {
  return `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let n = uniforms.outShape.y;
        let i = index / n;
        let j = index - i * n;
        var src = index;
        if (i / ${tile} > j / ${tile}) { src = j * n + i; }
        let plane = n * n;
        var sum = 0.0;
        for (var s = 0; s < uniforms.chunks; s = s + 1) { sum = sum + partials[s * plane + src]; }
        setOutputAtIndex(index, sum);
      }
    }`;
}

/**
 * dF = F (dG + dG^T). Workgroup (x = column tile of N, y + z * numWorkgroups.y = row tile of M: a 2-D row index,
 * because 2048 px has 65536 row tiles of 64 and a dispatch dimension stops at 65535). Each step loads a
 * [tileM][kStep] tile of F (stored k-major with a padded stride, so neither the loads nor the reads conflict) and
 * a [kStep][tileN] tile of the symmetrised dG.
 */
function backwardSource(c: GramBackwardConfig): string {
  const { tileM: TM, tileN: TN, microM: RM, microN: RN, kStep: K } = c;
  const sideX = TN / RN;
  const sideY = TM / RM;
  const threads = sideX * sideY;
  const strideF = TM + 1;
  return `
    var<workgroup> fTile : array<f32, ${K * strideF}>;
    var<workgroup> sTile : array<f32, ${K * TN}>;

    fn main() {
      let m = uniforms.fShape.x;
      let n = uniforms.fShape.y;
      let rowBase = i32(workgroupId.z * numWorkgroups.y + workgroupId.y) * ${TM};
      let colBase = i32(workgroupId.x) * ${TN};
      let tx = i32(localId.x);
      let ty = i32(localId.y);
      let lid = ty * ${sideX} + tx;
      ${unrolled(RM, RN, (r, q) => `var acc_${r}_${q} = 0.0;`)}
      for (var k0 = 0; k0 < n; k0 = k0 + ${K}) {
        for (var q = 0; q < ${(K * TM) / threads}; q = q + 1) {
          let e = lid + q * ${threads};
          let row = e / ${K};
          let kk = e % ${K};
          let p = rowBase + row;
          var v = 0.0;
          if (p < m && k0 + kk < n) { v = F[p * n + k0 + kk]; }
          fTile[kk * ${strideF} + row] = v;
        }
        for (var q = 0; q < ${(K * TN) / threads}; q = q + 1) {
          let e = lid + q * ${threads};
          let kk = e / ${TN};
          let col = e % ${TN};
          let k = k0 + kk;
          let j = colBase + col;
          var v = 0.0;
          if (k < n && j < n) { v = dG[k * n + j] + dG[j * n + k]; }
          sTile[e] = v;
        }
        workgroupBarrier();
        for (var k = 0; k < ${K}; k = k + 1) {
          ${range(RM)
            .map((r) => `let a${r} = fTile[k * ${strideF} + ty + ${r * sideY}];`)
            .join('\n')}
          ${range(RN)
            .map((q) => `let b${q} = sTile[k * ${TN} + tx + ${q * sideX}];`)
            .join('\n')}
          ${unrolled(RM, RN, (r, q) => `acc_${r}_${q} = fma(a${r}, b${q}, acc_${r}_${q});`)}
        }
        workgroupBarrier();
      }
      ${unrolled(
        RM,
        RN,
        (r, q) => `
      if (rowBase + ty + ${r * sideY} < m && colBase + tx + ${q * sideX} < n) {
        result[(rowBase + ty + ${r * sideY}) * n + colBase + tx + ${q * sideX}] = acc_${r}_${q};
      }`,
      )}
    }`;
}

/**
 * dF = F (dG + dG^T) with vec4 workgroup tiles: fTile [kStep][tileM / 4 (+1 padding)] vec4s of 4 neighbouring rows
 * of F at one channel, sTile [kStep][tileN / 4] vec4s of 4 neighbouring columns. Thread (tx, ty) owns the runs of
 * 4 rows at 4 (ty + v * sideY) and of 4 columns at 4 (tx + w * sideX).
 */
function backwardSourceVec4(c: GramBackwardConfig): string {
  const { tileM: TM, tileN: TN, microM: RM, microN: RN, kStep: K } = c;
  const sideX = TN / RN;
  const sideY = TM / RM;
  const threads = sideX * sideY;
  const VM = RM / 4;
  const VN = RN / 4;
  const TM4 = TM / 4;
  const TN4 = TN / 4;
  // Padding one vec4 per k row: threads storing neighbouring k then hit different banks.
  const strideF = TM4 + 1;
  const blocks = (line: (v: number, w: number, i: number) => string) =>
    range(VM)
      .flatMap((v) => range(VN).flatMap((w) => range(4).map((i) => line(v, w, i))))
      .join('\n');
  return `
    var<workgroup> fTile : array<vec4<f32>, ${K * strideF}>;
    var<workgroup> sTile : array<vec4<f32>, ${K * TN4}>;

    fn main() {
      let m = uniforms.fShape.x;
      let n = uniforms.fShape.y;
      let rowBase = i32(workgroupId.z * numWorkgroups.y + workgroupId.y) * ${TM};
      let colBase = i32(workgroupId.x) * ${TN};
      let tx = i32(localId.x);
      let ty = i32(localId.y);
      let lid = ty * ${sideX} + tx;
      ${blocks((v, w, i) => `var acc_${v}_${w}_${i} = vec4<f32>(0.0);`)}
      for (var k0 = 0; k0 < n; k0 = k0 + ${K}) {
        for (var q = 0; q < ${(K * TM4) / threads}; q = q + 1) {
          let e = lid + q * ${threads};
          let kk = e % ${K};
          let r4 = e / ${K};
          let k = k0 + kk;
          var v = vec4<f32>(0.0);
          for (var i = 0; i < 4; i = i + 1) {
            let p = rowBase + 4 * r4 + i;
            if (p < m && k < n) { v[i] = F[p * n + k]; }
          }
          fTile[kk * ${strideF} + r4] = v;
        }
        for (var q = 0; q < ${(K * TN4) / threads}; q = q + 1) {
          let e = lid + q * ${threads};
          let kk = e / ${TN4};
          let c4 = e % ${TN4};
          let k = k0 + kk;
          var v = vec4<f32>(0.0);
          for (var i = 0; i < 4; i = i + 1) {
            let j = colBase + 4 * c4 + i;
            if (k < n && j < n) { v[i] = dG[k * n + j] + dG[j * n + k]; }
          }
          sTile[e] = v;
        }
        workgroupBarrier();
        for (var k = 0; k < ${K}; k = k + 1) {
          ${range(VM)
            .map((v) => `let a${v} = fTile[k * ${strideF} + ty + ${v * sideY}];`)
            .join('\n')}
          ${range(VN)
            .map((w) => `let b${w} = sTile[k * ${TN4} + tx + ${w * sideX}];`)
            .join('\n')}
          ${blocks((v, w, i) => `acc_${v}_${w}_${i} = fma(vec4<f32>(a${v}[${i}]), b${w}, acc_${v}_${w}_${i});`)}
        }
        workgroupBarrier();
      }
      ${blocks(
        (v, w, i) => `
      {
        let row = rowBase + 4 * (ty + ${v * sideY}) + ${i};
        let col = colBase + 4 * (tx + ${w * sideX});
        if (row < m) {
          for (var j = 0; j < 4; j = j + 1) {
            if (col + j < n) { result[row * n + col + j] = acc_${v}_${w}_${i}[j]; }
          }
        }
      }`,
      )}
    }`;
}

// ---- Registration with tfjs's webgpu backend.

interface WebgpuBackendLike {
  runWebGPUProgram: (
    program: object,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
  ) => tf.TensorInfo;
  disposeData: (dataId: object) => boolean;
}

/** Pass 1's WGSL body for a configuration (also used by the recorded iteration, webgpu/tfjs-bodies.ts). */
export function gramPartialSource(config: GramForwardConfig): string {
  checkForwardConfig(config);
  return config.vec4 ? forwardSourceVec4(config) : forwardSource(config);
}

/** The backward's WGSL body for a configuration (also used by the recorded iteration). */
export function gramBackwardSource(config: GramBackwardConfig): string {
  checkBackwardConfig(config);
  return config.vec4 ? backwardSourceVec4(config) : backwardSource(config);
}

/** Rows of 2-D dispatch that stay under WebGPU's 65535 workgroups per dimension. */
const MAX_DISPATCH_ROWS = 32768;

let registered = false;

/** Registers both kernels on the webgpu backend. Idempotent. */
export async function registerGramKernels(): Promise<void> {
  if (registered) return;
  tf.registerKernel({
    kernelName: GRAM_FORWARD_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { f } = inputs as { f: tf.TensorInfo };
      const config = attrs as unknown as GramForwardConfig;
      checkForwardConfig(config);
      const [m, n] = f.shape as [number, number];
      const split = gramSplit(m, n, config);
      const side = config.tile / config.micro;
      const gpu = backend as unknown as WebgpuBackendLike;
      const partialProgram = {
        variableNames: ['F'],
        outputShape: [split.chunks, n, n],
        shaderKey: `stylebot_gram_partial_${config.tile}_${config.micro}_${config.kStep}_${config.vec4 ? 'vec4' : 'f32'}`,
        dispatchLayout: { x: [2], y: [1], z: [0] },
        dispatch: [split.tilePairs, split.chunks, 1],
        workgroupSize: [side, side, 1],
        uniforms: 'tilesPerSide : i32, chunk : i32,',
        getUserCode: () => (config.vec4 ? forwardSourceVec4(config) : forwardSource(config)),
      };
      const partials = gpu.runWebGPUProgram(partialProgram, [f], 'float32', [
        { type: 'int32', data: [split.tilesPerSide] },
        { type: 'int32', data: [split.chunk] },
      ]);
      const workgroupSize: [number, number, number] = [64, 1, 1];
      const reduceProgram = {
        variableNames: ['partials'],
        outputShape: [n, n],
        shaderKey: `stylebot_gram_reduce_${config.tile}`,
        dispatchLayout: { x: [0, 1] },
        dispatch: [Math.ceil((n * n) / workgroupSize[0]), 1, 1],
        workgroupSize,
        size: true,
        uniforms: 'chunks : i32,',
        getUserCode: () => reduceSource(config.tile),
      };
      const gram = gpu.runWebGPUProgram(reduceProgram, [partials], 'float32', [{ type: 'int32', data: [split.chunks] }]);
      gpu.disposeData(partials.dataId);
      return gram;
    },
  });
  tf.registerKernel({
    kernelName: GRAM_BACKWARD_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { f, dG } = inputs as { f: tf.TensorInfo; dG: tf.TensorInfo };
      const config = attrs as unknown as GramBackwardConfig;
      checkBackwardConfig(config);
      const [m, n] = f.shape as [number, number];
      const rowTiles = Math.ceil(m / config.tileM);
      const rowsY = Math.min(rowTiles, MAX_DISPATCH_ROWS);
      const program = {
        variableNames: ['F', 'dG'],
        outputShape: [m, n],
        shaderKey: `stylebot_gram_backward_${config.tileM}_${config.tileN}_${config.microM}_${config.microN}_${config.kStep}_${config.vec4 ? 'vec4' : 'f32'}`,
        dispatchLayout: { x: [1], y: [0] },
        dispatch: [Math.ceil(n / config.tileN), rowsY, Math.ceil(rowTiles / rowsY)],
        workgroupSize: [config.tileN / config.microN, config.tileM / config.microM, 1],
        getUserCode: () => (config.vec4 ? backwardSourceVec4(config) : backwardSource(config)),
      };
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(program, [f, dG], 'float32');
    },
  });
  registered = true;
}

function checkShapes(f: tf.Tensor2D, dG?: tf.Tensor2D): void {
  if (f.rank !== 2) throw new Error(`Gram features must be [positions, channels], got [${f.shape}]`);
  const n = f.shape[1];
  if (dG && (dG.rank !== 2 || dG.shape[0] !== n || dG.shape[1] !== n)) {
    throw new Error(`Gram gradient must be [${n}, ${n}], got [${dG.shape}]`);
  }
}

/** G = F^T F on webgpu (after registerGramKernels()): split-K pass 1 + reduce pass 2. */
export function gramWgsl(f: tf.Tensor2D, config: GramForwardConfig = DEFAULT_GRAM_FORWARD_CONFIG): tf.Tensor2D {
  checkShapes(f);
  return tf.engine().runKernel(GRAM_FORWARD_KERNEL, { f }, { ...config } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/** dF = F (dG + dG^T) on webgpu (after registerGramKernels()), in one kernel. */
export function gramBackwardWgsl(f: tf.Tensor2D, dG: tf.Tensor2D, config: GramBackwardConfig = DEFAULT_GRAM_BACKWARD_CONFIG): tf.Tensor2D {
  checkShapes(f, dG);
  return tf.engine().runKernel(GRAM_BACKWARD_KERNEL, { f, dG }, { ...config } as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

// Pieces shared by the recorded iteration's own kernels: parameter structs packed from JavaScript numbers, the
// 256-thread workgroup with a linear index over a 2-D grid (pass-list.ts grid()), and workgroup reductions.
import type { BindingKind, ComputeKernel } from './kernel.js';
import { grid } from './pass-list.js';

/** Threads per workgroup of every elementwise and reduction kernel here. */
export const THREADS = 256;

/** One field of a kernel's parameter struct: a 32-bit unsigned integer or float. */
export type Param = readonly [name: string, type: 'u32' | 'f32'];

/** The WGSL struct of `fields`, named Params. */
export function paramsStruct(fields: readonly Param[]): string {
  return `struct Params { ${fields.map(([n, t]) => `${n} : ${t},`).join(' ')} };`;
}

/** The bytes of a Params struct with `values` in field order. */
export function packParams(fields: readonly Param[], values: Record<string, number>): ArrayBuffer {
  const bytes = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(bytes);
  fields.forEach(([name, type], i) => {
    const v = values[name];
    if (v === undefined || !Number.isFinite(v)) throw new Error(`parameter ${name} missing or not finite (${v})`);
    if (type === 'u32') view.setUint32(i * 4, v, true);
    else view.setFloat32(i * 4, v, true);
  });
  return bytes;
}

export interface StorageBinding {
  name: string;
  kind: Exclude<BindingKind, 'uniform'>;
  /** WGSL type, e.g. `array<f32>` or `State`. */
  type: string;
}

/**
 * A whole module: the storage bindings in order, then `params` as a uniform, the workgroup-memory reduction helpers,
 * and an entry point `main` of THREADS x 1 x 1 threads whose body sees `t` (thread in workgroup), `wg` (linear
 * workgroup index) and `i` (linear thread index = wg * THREADS + t).
 */
export function moduleOf(
  label: string,
  storage: readonly StorageBinding[],
  params: readonly Param[],
  body: string,
  workgroups: readonly [number, number, number],
  extra = '',
): ComputeKernel {
  const decls = storage.map((b, k) => `@group(0) @binding(${k}) var<storage, ${b.kind}> ${b.name} : ${b.type};`);
  const code = `
${STATE_STRUCT}
${paramsStruct(params)}
${decls.join('\n')}
@group(0) @binding(${storage.length}) var<uniform> params : Params;
var<workgroup> reduceA : array<f32, ${THREADS}>;
var<workgroup> reduceB : array<f32, ${THREADS}>;

// Sum over the workgroup of one value per thread (all threads must call it).
fn workgroupSum(v : f32, t : u32) -> f32 {
  reduceA[t] = v;
  workgroupBarrier();
  for (var s = ${THREADS / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { reduceA[t] = reduceA[t] + reduceA[t + s]; }
    workgroupBarrier();
  }
  let r = reduceA[0];
  workgroupBarrier();
  return r;
}

// Maximum over the workgroup (all threads must call it).
fn workgroupMax(v : f32, t : u32) -> f32 {
  reduceB[t] = v;
  workgroupBarrier();
  for (var s = ${THREADS / 2}u; s > 0u; s = s >> 1u) {
    if (t < s) { reduceB[t] = max(reduceB[t], reduceB[t + s]); }
    workgroupBarrier();
  }
  let r = reduceB[0];
  workgroupBarrier();
  return r;
}
${extra}
@compute @workgroup_size(${THREADS})
fn main(@builtin(local_invocation_index) tIndex : u32, @builtin(workgroup_id) wid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>) {
  let t = tIndex;
  let wg = wid.y * nwg.x + wid.x;
  let i = wg * ${THREADS}u + t;
  ${body}
}`;
  return { label, code, bindings: [...storage.map((b) => b.kind), 'uniform'], workgroups };
}

/** Workgroups for one thread per element over `count` elements. */
export function elementGrid(count: number): [number, number, number] {
  return grid(Math.ceil(count / THREADS));
}

/** Partial sums written per workgroup by elementGrid(count). */
export function partialCount(count: number): number {
  return Math.ceil(count / THREADS);
}

/**
 * The L-BFGS state the recorded iteration keeps on the GPU (recorded-lbfgs.ts), declared in every module so that
 * any kernel may read it. Counters are u32; the rest f32.
 */
export const STATE_STRUCT = `
struct State {
  iteration : u32, count : u32, oldest : u32, slot : u32,
  hasPair : u32, accepted : u32, moving : u32, unused : u32,
  gamma : f32, objectiveScale : f32, stepLength : f32, finiteSum : f32,
};`;

/** Floats in the State struct's buffer. */
export const STATE_FLOATS = 12;

// WGSL kernels for L-BFGS's curvature history and search direction (lbfgs-history.ts) on webgpu:
//  - the two small substitutions as one dispatch each, instead of ~5 scalar tensor ops per stored pair. One
//    workgroup walks the pairs in order, oldest slot first (the history is a ring: `oldest` is a uniform); at each
//    pair its 64 threads share the dot product with the values already solved (kept in workgroup memory) and
//    thread 0 solves the next one;
//  - writing a new pair into its slot: a copy of a matrix with one row (or one row and one column) replaced. The
//    slot is a uniform, so every iteration runs the same pipelines (tfjs's concat bakes its input shapes into the
//    shader, which made a growing history compile new shaders every iteration);
//  - a x + sum_i w_i M_i over the k rows of a [k, n] matrix, one thread per column: tfjs's matMul of a [1, k] by a
//    [k, n] fills only one row of its 32 x 32 output tiles (3x slower than this on lavapipe, at 49152 columns);
//  - M v for a [k, n] matrix, split over n: tfjs's matMul of a [k, n] by an [n, 1] gives each of a few workgroups
//    a whole row of up to millions of values to walk alone. Here a workgroup of 256 threads sums one 4096-value
//    chunk of one row, and a second dispatch adds each row's chunks.
import * as tf from '@tensorflow/tfjs';

const FIRST_LOOP_KERNEL = 'StylebotLbfgsFirstLoop';
const SECOND_LOOP_KERNEL = 'StylebotLbfgsSecondLoop';
const COMBINE_KERNEL = 'StylebotLbfgsCombineRows';
const REPLACE_ROW_KERNEL = 'StylebotReplaceRow';
const REPLACE_ROW_COLUMN_KERNEL = 'StylebotReplaceRowAndColumn';
const ROW_DOTS_KERNEL = 'StylebotRowDots';
/** Threads of the substitution kernels' one workgroup. */
const THREADS = 64;
/** Threads per workgroup of M v, and the values of a row each workgroup sums (DOT_THREADS x 16). */
const DOT_THREADS = 256;
const DOT_CHUNK = 4096;
/** The solved values live in workgroup memory (4 KB here; WebGPU guarantees 16 KB): the longest history served. */
export const MAX_WGSL_HISTORY = 1024;

let registered = false;

/** True on webgpu once the kernels are registered (initBackend does it). */
export function lbfgsSolveActive(): boolean {
  return registered && tf.getBackend() === 'webgpu';
}

interface WebgpuBackendLike {
  runWebGPUProgram: (
    program: object,
    inputs: tf.TensorInfo[],
    dtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
  ) => tf.TensorInfo;
}

/**
 * `sum` is the WGSL expression of the term of pair j in the dot product for pair i, and `solve` the value of pair
 * i given the finished dot product `dot`; both in slots (SY is k x k, row-major, over slots). The loops run over
 * pairs in age order: pair number a lives in slot (oldest + a) % k.
 */
function substitutionSource(order: 'newest-first' | 'oldest-first', sum: string, solve: string): string {
  const [start, more, next, from, to] =
    order === 'newest-first' ? ['k - 1', 'a >= 0', 'a - 1', 'a + 1', 'k'] : ['0', 'a < k', 'a + 1', '0', 'a'];
  return `
    var<workgroup> solved : array<f32, ${MAX_WGSL_HISTORY}>;
    var<workgroup> partial : array<f32, ${THREADS}>;
    fn main(index : i32) {
      let k = uniforms.rhoShape;
      let t = i32(localId.x);
      for (var a = ${start}; ${more}; a = ${next}) {
        let i = (uniforms.oldest + a) % k;
        var acc = 0.0;
        for (var b = ${from} + t; b < ${to}; b = b + ${THREADS}) {
          let j = (uniforms.oldest + b) % k;
          acc = acc + ${sum};
        }
        partial[t] = acc;
        workgroupBarrier();
        for (var width = ${THREADS / 2}; width > 0; width = width / 2) {
          if (t < width) {
            partial[t] = partial[t] + partial[t + width];
          }
          workgroupBarrier();
        }
        if (t == 0) {
          let dot = partial[0];
          let value = ${solve};
          solved[i] = value;
          result[i] = value;
        }
        workgroupBarrier();
      }
    }`;
}

function program(shaderKey: string, variableNames: string[], k: number, source: string): object {
  return {
    variableNames,
    outputShape: [k],
    shaderKey,
    uniforms: 'oldest : i32,',
    // A flat layout: tfjs-backend-webgpu then calls main(index); the index is not used (one workgroup does all).
    dispatchLayout: { x: [0] },
    dispatch: [1, 1, 1],
    workgroupSize: [THREADS, 1, 1],
    getUserCode: () => source,
  };
}

// al_i = rho_i (sq_i - sum_{j>i} SY[i][j] al_j)
const FIRST_LOOP_SOURCE = substitutionSource('newest-first', 'sy[i * k + j] * solved[j]', 'rho[i] * (sq[i] - dot)');
// c_i = al_i - rho_i (yr_i + sum_{j<i} SY[j][i] c_j)
const SECOND_LOOP_SOURCE = substitutionSource('oldest-first', 'sy[j * k + i] * solved[j]', 'alpha[i] - rho[i] * (yr[i] + dot)');

// out_j = a x_j + sum_i w_i M[i][j]
const COMBINE_SOURCE = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let k = uniforms.mShape.x;
        let n = uniforms.mShape.y;
        var acc = a[0] * x[index];
        for (var i = 0; i < k; i = i + 1) {
          acc = acc + w[i] * m[i * n + index];
        }
        result[index] = acc;
      }
    }`;

// out = M with row `slot` replaced by v.
const REPLACE_ROW_SOURCE = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let columns = uniforms.mShape.y;
        let row = index / columns;
        if (row == uniforms.slot) {
          result[index] = v[index - row * columns];
        } else {
          result[index] = m[index];
        }
      }
    }`;

// out = M (k x k) with row `slot` replaced by r and column `slot` by c (r[slot] and c[slot] are the same number).
const REPLACE_ROW_COLUMN_SOURCE = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let k = uniforms.mShape.y;
        let i = index / k;
        let j = index - i * k;
        if (i == uniforms.slot) {
          result[index] = r[j];
        } else if (j == uniforms.slot) {
          result[index] = c[i];
        } else {
          result[index] = m[index];
        }
      }
    }`;

// partial[row][chunk] = sum of m[row][j] v[j] over the chunk's values of j.
const ROW_DOTS_PARTIAL_SOURCE = `
    var<workgroup> partial : array<f32, ${DOT_THREADS}>;
    fn main() {
      let row = i32(workgroupId.x);
      let chunk = i32(workgroupId.y);
      let n = uniforms.vShape;
      let t = i32(localId.x);
      var acc = 0.0;
      for (var e = 0; e < ${DOT_CHUNK}; e = e + ${DOT_THREADS}) {
        let j = chunk * ${DOT_CHUNK} + e + t;
        if (j < n) {
          acc = acc + m[row * n + j] * v[j];
        }
      }
      partial[t] = acc;
      workgroupBarrier();
      for (var width = ${DOT_THREADS / 2}; width > 0; width = width / 2) {
        if (t < width) {
          partial[t] = partial[t] + partial[t + width];
        }
        workgroupBarrier();
      }
      if (t == 0) {
        result[row * uniforms.chunks + chunk] = partial[0];
      }
    }`;

// out[row] = the sum of the row's partials.
const ROW_DOTS_SUM_SOURCE = `
    fn main(index : i32) {
      if (index < uniforms.size) {
        let chunks = uniforms.partialShape.y;
        var acc = 0.0;
        for (var c = 0; c < chunks; c = c + 1) {
          acc = acc + partial[index * chunks + c];
        }
        result[index] = acc;
      }
    }`;

/**
 * A flat program, one thread per output value (tfjs calls main(index) and reshapes a dispatch past WebGPU's limit);
 * `uniforms` declares our own uniforms, e.g. 'slot : i32,'.
 */
function flatProgram(
  shaderKey: string,
  variableNames: string[],
  outputShape: number[],
  source: string,
  threads: number,
  uniforms?: string,
): object {
  return {
    variableNames,
    outputShape,
    shaderKey,
    ...(uniforms ? { uniforms } : {}),
    dispatchLayout: { x: outputShape.map((_, i) => i) },
    dispatch: [Math.ceil(outputShape.reduce((a, b) => a * b, 1) / threads), 1, 1],
    workgroupSize: [threads, 1, 1],
    size: true,
    getUserCode: () => source,
  };
}

/** The value of one i32 uniform, as runWebGPUProgram takes it. */
const intUniform = (value: number) => [{ type: 'int32', data: [value] }];

/** Registers the kernels on the webgpu backend (idempotent; call once the backend is initialised). */
export function registerLbfgsSolveKernels(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: FIRST_LOOP_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { sq, rho, sy } = inputs as Record<string, tf.TensorInfo>;
      const p = program('stylebot_lbfgs_first', ['sq', 'rho', 'sy'], rho!.shape[0]!, FIRST_LOOP_SOURCE);
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(
        p,
        [sq!, rho!, sy!],
        'float32',
        intUniform(attrs!.oldest as number),
      );
    },
  });
  tf.registerKernel({
    kernelName: SECOND_LOOP_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { yr, rho, sy, alpha } = inputs as Record<string, tf.TensorInfo>;
      const p = program('stylebot_lbfgs_second', ['yr', 'rho', 'sy', 'alpha'], rho!.shape[0]!, SECOND_LOOP_SOURCE);
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(
        p,
        [yr!, rho!, sy!, alpha!],
        'float32',
        intUniform(attrs!.oldest as number),
      );
    },
  });
  tf.registerKernel({
    kernelName: COMBINE_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, a, m, w } = inputs as Record<string, tf.TensorInfo>;
      const p = flatProgram('stylebot_lbfgs_combine', ['x', 'a', 'm', 'w'], [...x!.shape], COMBINE_SOURCE, 128);
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(p, [x!, a!, m!, w!], 'float32');
    },
  });
  tf.registerKernel({
    kernelName: REPLACE_ROW_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { m, v } = inputs as Record<string, tf.TensorInfo>;
      const p = flatProgram('stylebot_replace_row', ['m', 'v'], [...m!.shape], REPLACE_ROW_SOURCE, 256, 'slot : i32,');
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(p, [m!, v!], 'float32', intUniform(attrs!.slot as number));
    },
  });
  tf.registerKernel({
    kernelName: REPLACE_ROW_COLUMN_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { m, r, c } = inputs as Record<string, tf.TensorInfo>;
      const p = flatProgram('stylebot_replace_row_column', ['m', 'r', 'c'], [...m!.shape], REPLACE_ROW_COLUMN_SOURCE, 256, 'slot : i32,');
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(p, [m!, r!, c!], 'float32', intUniform(attrs!.slot as number));
    },
  });
  tf.registerKernel({
    kernelName: ROW_DOTS_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { m, v } = inputs as Record<string, tf.TensorInfo>;
      const webgpu = backend as unknown as WebgpuBackendLike & { disposeData: (id: object) => void };
      const [k, n] = m!.shape as [number, number];
      const chunks = Math.ceil(n / DOT_CHUNK);
      const partialProgram = {
        variableNames: ['m', 'v'],
        outputShape: [k, chunks],
        shaderKey: 'stylebot_row_dots_partial',
        uniforms: 'chunks : i32,',
        // Not a flat layout: main() reads workgroupId itself.
        dispatchLayout: { x: [0], y: [1] },
        dispatch: [k, chunks, 1],
        workgroupSize: [DOT_THREADS, 1, 1],
        getUserCode: () => ROW_DOTS_PARTIAL_SOURCE,
      };
      const partial = webgpu.runWebGPUProgram(partialProgram, [m!, v!], 'float32', intUniform(chunks));
      const sumProgram = flatProgram('stylebot_row_dots_sum', ['partial'], [k], ROW_DOTS_SUM_SOURCE, 64);
      const out = webgpu.runWebGPUProgram(sumProgram, [partial], 'float32');
      webgpu.disposeData(partial.dataId);
      return out;
    },
  });
  registered = true;
}

/** a x + w^T M for x [n], a scalar, M [k, n], w [k]. */
export function combineRowsWgsl(x: tf.Tensor1D, a: tf.Scalar, m: tf.Tensor2D, w: tf.Tensor1D): tf.Tensor1D {
  return tf.engine().runKernel(COMBINE_KERNEL, { x, a, m, w }) as tf.Tensor1D;
}

export function solveFirstLoopWgsl(sq: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D, oldest: number): tf.Tensor1D {
  return tf.engine().runKernel(FIRST_LOOP_KERNEL, { sq, rho, sy }, { oldest }) as tf.Tensor1D;
}

export function solveSecondLoopWgsl(yr: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D, alpha: tf.Tensor1D, oldest: number): tf.Tensor1D {
  return tf.engine().runKernel(SECOND_LOOP_KERNEL, { yr, rho, sy, alpha }, { oldest }) as tf.Tensor1D;
}

/** M v for M [k, n] and v [n]: [k]. */
export function rowDotsWgsl(m: tf.Tensor2D, v: tf.Tensor1D): tf.Tensor1D {
  return tf.engine().runKernel(ROW_DOTS_KERNEL, { m, v }) as tf.Tensor1D;
}

/** M [r, c] with row `slot` replaced by v [c]: a new tensor. */
export function replaceRowWgsl(m: tf.Tensor2D, slot: number, v: tf.Tensor1D): tf.Tensor2D {
  return tf.engine().runKernel(REPLACE_ROW_KERNEL, { m, v }, { slot }) as tf.Tensor2D;
}

/** M [k, k] with row `slot` replaced by r [k] and column `slot` by c [k]: a new tensor. */
export function replaceRowAndColumnWgsl(m: tf.Tensor2D, slot: number, r: tf.Tensor1D, c: tf.Tensor1D): tf.Tensor2D {
  return tf.engine().runKernel(REPLACE_ROW_COLUMN_KERNEL, { m, r, c }, { slot }) as tf.Tensor2D;
}

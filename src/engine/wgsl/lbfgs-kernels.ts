// WGSL kernels for L-BFGS's search direction (lbfgs-history.ts) on webgpu:
//  - the two small substitutions as one dispatch each, instead of ~5 scalar tensor ops per stored pair. One
//    workgroup walks the pairs in order; at each pair its 64 threads share the dot product with the values already
//    solved (kept in workgroup memory) and thread 0 solves the next one;
//  - a x + sum_i w_i M_i over the k rows of a [k, n] matrix, one thread per column: tfjs's matMul of a [1, k] by a
//    [k, n] fills only one row of its 32 x 32 output tiles (3x slower than this on lavapipe, at 49152 columns).
import * as tf from '@tensorflow/tfjs';

const FIRST_LOOP_KERNEL = 'StylebotLbfgsFirstLoop';
const SECOND_LOOP_KERNEL = 'StylebotLbfgsSecondLoop';
const COMBINE_KERNEL = 'StylebotLbfgsCombineRows';
const THREADS = 64;
/** The solved values live in workgroup memory (4 KB here; WebGPU guarantees 16 KB): the longest history served. */
export const MAX_WGSL_HISTORY = 1024;

let registered = false;

/** True on webgpu once the kernels are registered (initBackend does it). */
export function lbfgsSolveActive(): boolean {
  return registered && tf.getBackend() === 'webgpu';
}

interface WebgpuBackendLike {
  runWebGPUProgram: (program: object, inputs: tf.TensorInfo[], dtype: tf.DataType) => tf.TensorInfo;
}

/**
 * `sum` is the WGSL expression of the term of pair j in the dot product for pair i (SY is k x k, row-major);
 * `solve` is the value of pair i given the finished dot product `dot`.
 */
function substitutionSource(order: 'newest-first' | 'oldest-first', sum: string, solve: string): string {
  const [start, more, next, from, to] =
    order === 'newest-first' ? ['k - 1', 'i >= 0', 'i - 1', 'i + 1', 'k'] : ['0', 'i < k', 'i + 1', '0', 'i'];
  return `
    var<workgroup> solved : array<f32, ${MAX_WGSL_HISTORY}>;
    var<workgroup> partial : array<f32, ${THREADS}>;
    fn main(index : i32) {
      let k = uniforms.rhoShape;
      let t = i32(localId.x);
      for (var i = ${start}; ${more}; i = ${next}) {
        var acc = 0.0;
        for (var j = ${from} + t; j < ${to}; j = j + ${THREADS}) {
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

/** Registers the kernels on the webgpu backend (idempotent; call once the backend is initialised). */
export function registerLbfgsSolveKernels(): void {
  if (registered) return;
  tf.registerKernel({
    kernelName: FIRST_LOOP_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { sq, rho, sy } = inputs as Record<string, tf.TensorInfo>;
      const p = program('stylebot_lbfgs_first', ['sq', 'rho', 'sy'], rho!.shape[0]!, FIRST_LOOP_SOURCE);
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(p, [sq!, rho!, sy!], 'float32');
    },
  });
  tf.registerKernel({
    kernelName: SECOND_LOOP_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { yr, rho, sy, alpha } = inputs as Record<string, tf.TensorInfo>;
      const p = program('stylebot_lbfgs_second', ['yr', 'rho', 'sy', 'alpha'], rho!.shape[0]!, SECOND_LOOP_SOURCE);
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(p, [yr!, rho!, sy!, alpha!], 'float32');
    },
  });
  tf.registerKernel({
    kernelName: COMBINE_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { x, a, m, w } = inputs as Record<string, tf.TensorInfo>;
      const outputShape = [...x!.shape];
      const workgroupSize: [number, number, number] = [128, 1, 1];
      const p = {
        variableNames: ['x', 'a', 'm', 'w'],
        outputShape,
        shaderKey: 'stylebot_lbfgs_combine',
        dispatchLayout: { x: [0] },
        dispatch: [Math.ceil(outputShape[0]! / workgroupSize[0]), 1, 1],
        workgroupSize,
        size: true,
        getUserCode: () => COMBINE_SOURCE,
      };
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(p, [x!, a!, m!, w!], 'float32');
    },
  });
  registered = true;
}

/** a x + w^T M for x [n], a scalar, M [k, n], w [k]. */
export function combineRowsWgsl(x: tf.Tensor1D, a: tf.Scalar, m: tf.Tensor2D, w: tf.Tensor1D): tf.Tensor1D {
  return tf.engine().runKernel(COMBINE_KERNEL, { x, a, m, w }) as tf.Tensor1D;
}

export function solveFirstLoopWgsl(sq: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D): tf.Tensor1D {
  return tf.engine().runKernel(FIRST_LOOP_KERNEL, { sq, rho, sy }) as tf.Tensor1D;
}

export function solveSecondLoopWgsl(yr: tf.Tensor1D, rho: tf.Tensor1D, sy: tf.Tensor2D, alpha: tf.Tensor1D): tf.Tensor1D {
  return tf.engine().runKernel(SECOND_LOOP_KERNEL, { yr, rho, sy, alpha }) as tf.Tensor1D;
}

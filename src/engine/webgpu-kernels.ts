// Our own WGSL kernels for the webgpu backend, behind STYLEBOT_WGSL=1 (off by default until measured on the GPU):
//  - the ReLU backward mask fused into one pass, dz = dy * (y > 0) (stock tfjs: step(y), then a multiply, with an
//    extra image-sized tensor in between, at every conv layer); defined here;
//  - the Gram matrix (split-K) and its gradient: wgsl/gram.ts;
//  - the 3x3 convolution as an implicit GEMM, forward with bias and ReLU, input gradient with the ReLU mask
//    applied as dy is read (so the mask kernel above is then unused by the engine): wgsl/conv3x3.ts;
// The plan for the rest is in bench/gpu/README.md. (L-BFGS's own kernels, wgsl/lbfgs-kernels.ts, are always on.)
import * as tf from '@tensorflow/tfjs';
import { registerConv3x3Kernels } from './wgsl/conv3x3.js';
import { registerGramKernels } from './wgsl/gram.js';

export const RELU_MASK_KERNEL = 'StylebotReluMask';

let registered = false;

/** True when the fused kernels should be used: asked for with STYLEBOT_WGSL=1 and registered on webgpu. */
export function wgslKernelsActive(): boolean {
  return registered && tf.getBackend() === 'webgpu';
}

export function wgslRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.STYLEBOT_WGSL === '1';
}

interface WebgpuModule {
  webgpu_util: {
    flatDispatchLayout: (shape: number[]) => { x: number[] };
    computeDispatch: (layout: { x: number[] }, shape: number[], workgroupSize: [number, number, number]) => [number, number, number];
  };
}

interface WebgpuBackendLike {
  runWebGPUProgram: (program: object, inputs: tf.TensorInfo[], dtype: tf.DataType) => tf.TensorInfo;
}

/** Registers the kernels on the webgpu backend (call after the backend is initialised). */
export async function registerWgslKernels(): Promise<void> {
  if (registered) return;
  await registerGramKernels();
  await registerConv3x3Kernels();
  const { webgpu_util } = (await import('@tensorflow/tfjs-backend-webgpu')) as unknown as WebgpuModule;
  tf.registerKernel({
    kernelName: RELU_MASK_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend }) => {
      const { dy, y } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo };
      const outputShape = [...dy.shape];
      const workgroupSize: [number, number, number] = [128, 1, 1];
      const dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
      const program = {
        variableNames: ['dy', 'y'],
        outputShape,
        shaderKey: 'stylebot_relu_mask',
        dispatchLayout,
        dispatch: webgpu_util.computeDispatch(dispatchLayout, outputShape, workgroupSize),
        workgroupSize,
        size: true,
        // tfjs-backend-webgpu's own header: `index` is the flat output index; getXByOutputIndex reads input X.
        getUserCode: () => `
          ${MAIN_HEADER} {
            if (index < uniforms.size) {
              let g = getDyByOutputIndex(index);
              let v = getYByOutputIndex(index);
              setOutputAtIndex(index, select(0.0, g, v > 0.0));
            }
          }`,
      };
      return (backend as unknown as WebgpuBackendLike).runWebGPUProgram(program, [dy, y], 'float32');
    },
  });
  registered = true;
}

/** The header tfjs-backend-webgpu expects of a flat-index program (its getMainHeaderString('index')). */
const MAIN_HEADER = 'fn main(index : i32)';

/** dz = dy * (y > 0): one fused WGSL pass on webgpu when active, else the stock two ops. */
export function reluMask(dy: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor4D {
  if (wgslKernelsActive()) return tf.engine().runKernel(RELU_MASK_KERNEL, { dy, y }) as tf.Tensor4D;
  return tf.mul(dy, tf.step(y)) as tf.Tensor4D;
}

// Our own WGSL kernels for the webgpu backend, behind STYLEBOT_WGSL=1 (off by default until measured on the GPU):
//  - the 3x3 convolution as an implicit GEMM, forward with bias and ReLU, input gradient with the ReLU mask
//    applied as dy is read: wgsl/conv3x3.ts;
//  - the Gram matrix (split-K) and its gradient: wgsl/gram.ts.
// The plan for the rest is in bench/gpu/README.md. (L-BFGS's own kernels, wgsl/lbfgs-kernels.ts, are always on.)
import * as tf from '@tensorflow/tfjs';
import { registerConv3x3Kernels } from './wgsl/conv3x3.js';
import { registerGramKernels } from './wgsl/gram.js';

let registered = false;

/** True when the fused kernels should be used: asked for with STYLEBOT_WGSL=1 and registered on webgpu. */
export function wgslKernelsActive(): boolean {
  return registered && tf.getBackend() === 'webgpu';
}

export function wgslRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.STYLEBOT_WGSL === '1';
}

/** Registers the kernels on the webgpu backend (call after the backend is initialised). */
export async function registerWgslKernels(): Promise<void> {
  if (registered) return;
  await registerGramKernels();
  await registerConv3x3Kernels();
  registered = true;
}

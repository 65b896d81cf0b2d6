// Our own WGSL kernels for the webgpu backend, on by default (STYLEBOT_WGSL=0 turns them off, for comparison). On an
// H100 they make the conv passes 2.6 to 3.2x faster than tfjs's and let 1024 px and more run at all (tfjs's transpose and
// conv programs exceed WebGPU's 65535 workgroups per dimension there); bench/gpu/README.md has the numbers:
//  - the 3x3 convolution as an implicit GEMM, forward with bias and ReLU, input gradient with the ReLU mask
//    applied as dy is read: wgsl/conv3x3.ts;
//  - the Gram matrix (split-K) and its gradient: wgsl/gram.ts.
// The plan for the rest is in bench/gpu/README.md. (L-BFGS's own kernels, wgsl/lbfgs-kernels.ts, are always on.)
import * as tf from '@tensorflow/tfjs';
import { registerConv3x3Kernels } from './wgsl/conv3x3.js';
import { registerGramKernels } from './wgsl/gram.js';

let registered = false;
let enabled = false;

/** True when the engine should use our kernels: registered, switched on, and webgpu is the active backend. */
export function wgslKernelsActive(): boolean {
  return enabled && registered && tf.getBackend() === 'webgpu';
}

/**
 * True when stylize() should run L-BFGS as the recorded iteration (webgpu/recorded-iteration.ts): our kernels are
 * active and STYLEBOT_RECORDED is not '0' (which keeps the tfjs op-by-op path, for comparison).
 */
export function recordedIterationActive(env: NodeJS.ProcessEnv = process.env): boolean {
  return wgslKernelsActive() && env.STYLEBOT_RECORDED !== '0';
}

export function wgslRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.STYLEBOT_WGSL !== '0';
}

/** Registers the kernels on the webgpu backend if needed (call after it is initialised) and switches them on or off. */
export async function setWgslKernels(on: boolean): Promise<void> {
  if (!registered) {
    await registerGramKernels();
    await registerConv3x3Kernels();
    registered = true;
  }
  enabled = on;
}

// A 3x3, stride 1, SAME, NHWC (batch 1) float32 convolution as our own tfjs webgpu kernel: an implicit GEMM.
//
//   out[p, n] = sum_k A[p, k] * B[k, n]
//     p = oy * W + ox            (rows: output positions, M = H * W)
//     n                          (columns: output channels, N = Cout)
//     k = (ky * 3 + kx) * Cin + ci (inner: K = 9 * Cin)
//     A[p, k] = x[oy + ky - 1, ox + kx - 1, ci]  (0 outside the image: SAME padding)
//     B[k, n] = W[ky, kx, ci, n] — the [3, 3, Cin, Cout] kernel read flat is already this [K, N] matrix.
//
// Each workgroup computes a tileM x tileN block of `out`, stepping through K tileK at a time: the A tile (input
// patches, gathered on the fly, never materialised as im2col) and the B tile (weights) are staged in workgroup
// memory, then each thread accumulates a threadM x threadN register block with vec4 FMAs.
//
// Two variants, so that the engine needs one dispatch per layer each way:
//  - forward: relu(conv(x, W) + b), bias and ReLU applied in the epilogue;
//  - masked backward: conv(dy * (y > 0), Wback), the ReLU mask applied while reading the A operand (no bias, no
//    ReLU). Wback is gradients.ts's backwardKernel(W): W rotated 180 degrees with in/out swapped, [3, 3, Cout, Cin].
//
// The tile sizes and whether vec4 loads/stores apply (Cin % 4, Cout % 4) are baked into the shader and its shaderKey;
// H, W, Cin and Cout are uniforms, so one pipeline serves every layer with the same vec4 paths (K = 9 * Cin is a loop
// bound read per workgroup; the per-step division by Cin is one per thread per tileK, negligible beside the FMAs).
import * as tf from '@tensorflow/tfjs';

export const CONV3X3_FORWARD_KERNEL = 'StylebotConv3x3BiasRelu';
export const CONV3X3_BACKWARD_KERNEL = 'StylebotConv3x3MaskedBackward';

/** The tiling of one workgroup. All are compile-time constants of the shader. */
export interface Conv3x3Config {
  /** Output positions (GEMM rows) per workgroup. */
  tileM: number;
  /** Output channels (GEMM columns) per workgroup. */
  tileN: number;
  /** Slice of the inner dimension (9 * Cin) staged in workgroup memory per step. */
  tileK: number;
  /** Rows each thread accumulates (a multiple of 4). */
  threadM: number;
  /** Columns each thread accumulates (a multiple of 4). */
  threadN: number;
  /** Load the next K step from global memory into registers while multiplying the current one. */
  prefetch?: boolean;
}

/** The configurations offered for the GPU session to sweep (bench/gpu/conv-kernels.ts). All fit 16 KiB of workgroup memory. */
export const CONV3X3_CONFIGS: readonly Conv3x3Config[] = [
  { tileM: 32, tileN: 32, tileK: 32, threadM: 4, threadN: 4 }, // 64 threads: tfjs's own Conv2DMMProgram tiling
  { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4 }, // 256 threads
  { tileM: 128, tileN: 64, tileK: 16, threadM: 8, threadN: 4 }, // 256 threads, 32 outputs each
  { tileM: 64, tileN: 128, tileK: 16, threadM: 4, threadN: 8 }, // 256 threads, for the 128..512-channel layers
  { tileM: 128, tileN: 128, tileK: 8, threadM: 8, threadN: 8 }, // 256 threads, 64 outputs each
  { tileM: 256, tileN: 4, tileK: 8, threadM: 4, threadN: 4 }, // 64 threads: narrow outputs (the 3-channel image gradient)
  // The same with the next K step's global loads overlapping the multiply.
  { tileM: 64, tileN: 64, tileK: 16, threadM: 4, threadN: 4, prefetch: true },
  { tileM: 128, tileN: 64, tileK: 16, threadM: 8, threadN: 4, prefetch: true },
  { tileM: 64, tileN: 128, tileK: 16, threadM: 4, threadN: 8, prefetch: true },
  { tileM: 128, tileN: 128, tileK: 8, threadM: 8, threadN: 8, prefetch: true },
  { tileM: 256, tileN: 4, tileK: 8, threadM: 4, threadN: 4, prefetch: true },
  // 128 threads with 64 outputs each: the most FMAs per workgroup-memory read (16 per vec4 read).
  { tileM: 128, tileN: 64, tileK: 16, threadM: 8, threadN: 8, prefetch: true },
];

// Chosen from the sweep on an H100 at 512 px (bench/gpu/README.md, 2026-11-22): of the 17 layer passes it serves,
// the default was the fastest or within 8% of it in 14; the others were conv5_1's two (SMALL below wins) and
// conv1_1's forward (0.3 ms). The whole iteration's convs took 23.4 ms with it, 21.9 ms with the best config for
// each pass, 63.4 ms with tfjs's own.
export const DEFAULT_CONV3X3_CONFIG: Conv3x3Config = CONV3X3_CONFIGS[7]!;

/** For layers with at most 4 output channels (the image gradient through conv1_1 has 3): no wasted columns. */
export const NARROW_CONV3X3_CONFIG: Conv3x3Config = CONV3X3_CONFIGS[10]!;

/** For small layers (conv4, conv5 at 512 px): the default's 128 x 64 tiles would leave much of the GPU idle. */
export const SMALL_CONV3X3_CONFIG: Conv3x3Config = CONV3X3_CONFIGS[6]!;
/** Below this many workgroups of the default, SMALL_CONV3X3_CONFIG is used (an H100 has 132 multiprocessors). */
const MIN_DEFAULT_WORKGROUPS = 256;

/**
 * The configuration for a layer with `cout` output channels at `positions` pixels: the narrow one up to 4
 * channels, the small one where the default would run few workgroups, else the default; or the one named by
 * STYLEBOT_CONV3X3_CONFIG (e.g. m64n128k16t4x8p; for sweeping whole-engine runs on the GPU).
 */
export function chooseConv3x3Config(cout: number, positions = Infinity, env: NodeJS.ProcessEnv = process.env): Conv3x3Config {
  if (cout <= 4) return NARROW_CONV3X3_CONFIG;
  const name = env.STYLEBOT_CONV3X3_CONFIG;
  if (name) {
    const named = CONV3X3_CONFIGS.find((c) => configName(c) === name);
    if (!named) throw new Error(`STYLEBOT_CONV3X3_CONFIG=${name} is not one of ${CONV3X3_CONFIGS.map(configName).join(', ')}`);
    return named;
  }
  const workgroups = Math.ceil(positions / DEFAULT_CONV3X3_CONFIG.tileM) * Math.ceil(cout / DEFAULT_CONV3X3_CONFIG.tileN);
  return workgroups < MIN_DEFAULT_WORKGROUPS ? SMALL_CONV3X3_CONFIG : DEFAULT_CONV3X3_CONFIG;
}

export function configName(c: Conv3x3Config): string {
  return `m${c.tileM}n${c.tileN}k${c.tileK}t${c.threadM}x${c.threadN}${c.prefetch ? 'p' : ''}`;
}

/** Bytes of workgroup memory a configuration needs (the A tile has one vec4 of padding per k row). */
export function workgroupBytes(c: Conv3x3Config): number {
  return 4 * (c.tileK * (c.tileM + 4) + c.tileK * c.tileN);
}

/** Why a configuration cannot be used (null when it can): the loaders assume these divisibilities. */
export function configProblem(c: Conv3x3Config, maxWorkgroupBytes = 16384): string | null {
  const threads = (c.tileM / c.threadM) * (c.tileN / c.threadN);
  if (![c.tileM, c.tileN, c.tileK, c.threadM, c.threadN].every((v) => Number.isInteger(v) && v > 0))
    return 'sizes must be positive integers';
  if (c.threadM % 4 || c.threadN % 4) return 'threadM and threadN must be multiples of 4 (vec4 accumulators)';
  if (c.tileM % c.threadM || c.tileN % c.threadN) return 'tileM/tileN must be multiples of threadM/threadN';
  if (c.tileK % 4) return 'tileK must be a multiple of 4';
  if (threads > 256) return `${threads} threads per workgroup (at most 256)`;
  if (threads % c.tileK) return 'A tile loads: threads must be a multiple of tileK';
  if (threads % c.tileN) return 'B tile loads: threads must be a multiple of tileN';
  if (workgroupBytes(c) > maxWorkgroupBytes) return `${workgroupBytes(c)} bytes of workgroup memory (device allows ${maxWorkgroupBytes})`;
  return null;
}

export type Variant = 'forward' | 'backward';

export interface ShaderShape {
  variant: Variant;
  config: Conv3x3Config;
  cin: number;
  cout: number;
}

/** vec4 global loads of A need 4 consecutive k within one tap: Cin % 4 == 0. vec4 B loads and stores need Cout % 4 == 0. */
const vecA = (s: ShaderShape) => s.cin % 4 === 0;
const vecN = (s: ShaderShape) => s.cout % 4 === 0;

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const XYZW = ['x', 'y', 'z', 'w'];

/** The WGSL body (tfjs-backend-webgpu prepends bindings, uniforms and the entry point that calls main()). */
export function conv3x3Source(s: ShaderShape): string {
  const { tileM, tileN, tileK, threadM, threadN } = s.config;
  const threads = (tileM / threadM) * (tileN / threadN);
  const va = vecA(s);
  const vn = vecN(s);
  const backward = s.variant === 'backward';
  // A loads: thread t loads k = aK .. aK + aWidth - 1 (aWidth = 4 with vec4 loads) of rows aM + j * aRowStep.
  // Consecutive threads take consecutive k, i.e. consecutive channels of one pixel: coalesced reads of NHWC.
  const aWidth = va ? 4 : 1;
  const aKGroups = tileK / aWidth;
  const aRowStep = threads / aKGroups;
  const aLoads = Math.ceil(tileM / aRowStep);
  // Where the last round of loads overruns the tile (few threads per tile row), the extra threads skip it.
  const aGuard = (j: number) => ((j + 1) * aRowStep > tileM ? `if (aM + ${j * aRowStep} < TILE_M) ` : '');
  // B loads: thread t loads columns bN .. bN + bWidth - 1 of k rows bK + j * bKStep (consecutive threads: consecutive n).
  const bWidth = vn ? 4 : 1;
  const bNGroups = tileN / bWidth;
  const bKStep = threads / bNGroups;
  const bLoads = Math.ceil(tileK / bKStep);
  const bGuard = (j: number) => ((j + 1) * bKStep > tileK ? `if (bK + ${j * bKStep} < TILE_K) ` : '');
  const aType = va ? 'vec4<f32>' : 'f32';
  const accVecs = threadN / 4;

  const readA = backward ? `return select(${aType}(0.0), src[i], mask[i] > ${aType}(0.0));` : 'return src[i];';

  // Global -> registers (pa*, pb*) for the K step starting at kf; registers -> workgroup memory (stage*). Split so that
  // with prefetch the next step's global loads are in flight while this step's tile is multiplied.
  const fetchA = (kf: string) => `{
        // k -> (tap, ci) -> the input offset (dy, dx) in -1..1 of this tap.
        let kk = ${kf} + aK;
        let tap = kk / CIN;
        let ci = kk - tap * CIN;
        let ky = tap / 3;
        let dy = ky - 1;
        let dx = tap - ky * 3 - 1;
        let kOk = kk < K;
        ${range(aLoads)
          .map(
            (j) => `{
          let iy = aOy${j} + dy;
          let ix = aOx${j} + dx;
          pa${j} = ${aType}(0.0);
          if (kOk && aRow${j} < HW && iy >= 0 && iy < H && ix >= 0 && ix < W) {
            pa${j} = readA(((iy * W + ix) * CIN + ci)${va ? ' / 4' : ''});
          }
        }`,
          )
          .join('\n        ')}
      }`;
  const stageA = range(aLoads).map((j) => {
    const m = `aM + ${j * aRowStep}`;
    const store = va
      ? range(4)
          .map((c) => `tileA[(aK + ${c}) * A_STRIDE + (${m}) / 4][(${m}) % 4] = pa${j}.${XYZW[c]};`)
          .join(' ')
      : `tileA[aK * A_STRIDE + (${m}) / 4][(${m}) % 4] = pa${j};`;
    return `${aGuard(j)}{ ${store} }`;
  });
  const fetchB = (kf: string) =>
    range(bLoads)
      .map((j) => {
        const index = vn ? `(kk * COUT + bCol) / 4` : `kk * COUT + bCol`;
        return `{
        let kk = ${kf} + bK + ${j * bKStep};
        pb${j} = ${vn ? 'vec4<f32>' : 'f32'}(0.0);
        if (kk < K && bCol < COUT) { pb${j} = weights[${index}]; }
      }`;
      })
      .join('\n      ');
  const stageB = range(bLoads).map((j) => {
    const kb = `bK + ${j * bKStep}`;
    return `${bGuard(j)}{ ${vn ? `tileB[(${kb}) * B_STRIDE + bN / 4] = pb${j};` : `tileB[(${kb}) * B_STRIDE + bN / 4][bN % 4] = pb${j};`} }`;
  });
  const registersDecl = [
    ...range(aLoads).map((j) => `var pa${j} : ${aType};`),
    ...range(bLoads).map((j) => `var pb${j} : ${vn ? 'vec4<f32>' : 'f32'};`),
  ];

  const accDecl = range(threadM).flatMap((r) => range(accVecs).map((c) => `var acc${r}_${c} = vec4<f32>(0.0);`));
  const inner = [
    ...range(threadM / 4).map((i) => `let a${i} = tileA[k * A_STRIDE + ty * ${threadM / 4} + ${i}];`),
    ...range(accVecs).map((c) => `let b${c} = tileB[k * B_STRIDE + tx * ${accVecs} + ${c}];`),
    ...range(threadM).flatMap((r) =>
      range(accVecs).map((c) => `acc${r}_${c} = fma(vec4<f32>(a${Math.floor(r / 4)}.${XYZW[r % 4]}), b${c}, acc${r}_${c});`),
    ),
  ];

  const epilogue = range(threadM).map((r) => {
    const writes = range(accVecs).map((c) => {
      const n0 = `col0 + tx * ${threadN} + ${c * 4}`;
      if (vn) {
        const value = backward ? `acc${r}_${c}` : `max(acc${r}_${c} + bias[n / 4], vec4<f32>(0.0))`;
        return `{ let n = ${n0}; if (n < COUT) { result[(p * COUT + n) / 4] = ${value}; } }`;
      }
      return range(4)
        .map((e) => {
          const value = backward ? `acc${r}_${c}.${XYZW[e]}` : `max(acc${r}_${c}.${XYZW[e]} + bias[n], 0.0)`;
          return `{ let n = ${n0} + ${e}; if (n < COUT) { result[p * COUT + n] = ${value}; } }`;
        })
        .join('\n          ');
    });
    return `{
        let p = row0 + ty * ${threadM} + ${r};
        if (p < HW) {
          ${writes.join('\n          ')}
        }
      }`;
  });

  return `
    const TILE_M = ${tileM};
    const TILE_N = ${tileN};
    const TILE_K = ${tileK};
    // The A tile is stored transposed, [tileK][tileM] in vec4s, so that a thread reads its threadM rows as vec4s;
    // each k row is padded by one vec4 so that the transposing stores spread over the memory banks.
    const A_STRIDE = ${tileM / 4 + 1};
    const B_STRIDE = ${tileN / 4};
    var<workgroup> tileA : array<vec4<f32>, ${tileK * (tileM / 4 + 1)}>;
    var<workgroup> tileB : array<vec4<f32>, ${tileK * (tileN / 4)}>;

    fn readA(i : i32) -> ${aType} {
      ${readA}
    }

    fn main() {
      let H = uniforms.outShape.y;
      let W = uniforms.outShape.z;
      let HW = H * W;
      let CIN = uniforms.srcShape.w;
      let COUT = uniforms.outShape.w;
      let K = 9 * CIN;
      let t = i32(localIndex);
      let tx = i32(localId.x);
      let ty = i32(localId.y);
      // Row tiles run over y and z (each dimension is limited to 65535 workgroups), column tiles over x.
      let row0 = i32(workgroupId.z * numWorkgroups.y + workgroupId.y) * TILE_M;
      let col0 = i32(workgroupId.x) * TILE_N;

      // This thread's A loads: fixed rows (output positions) and a fixed k offset within every K step.
      let aK = (t % ${aKGroups}) * ${aWidth};
      let aM = t / ${aKGroups};
      ${range(aLoads)
        .map((j) => `let aRow${j} = row0 + aM + ${j * aRowStep}; let aOy${j} = aRow${j} / W; let aOx${j} = aRow${j} - aOy${j} * W;`)
        .join('\n      ')}
      // This thread's B loads: a fixed column, k rows bK + j * ${bKStep}.
      let bN = (t % ${bNGroups}) * ${bWidth};
      let bK = t / ${bNGroups};
      let bCol = col0 + bN;

      ${accDecl.join('\n      ')}

      ${registersDecl.join('\n      ')}
      ${s.config.prefetch ? fetchA('0') : ''}
      ${s.config.prefetch ? fetchB('0') : ''}
      for (var k0 = 0; k0 < K; k0 = k0 + TILE_K) {
        ${s.config.prefetch ? '' : fetchA('k0')}
        ${s.config.prefetch ? '' : fetchB('k0')}
        ${stageA.join('\n        ')}
        ${stageB.join('\n        ')}
        workgroupBarrier();
        // With prefetch: the next step's loads (zeros past K) are issued before this step's multiply.
        ${s.config.prefetch ? fetchA('k0 + TILE_K') : ''}
        ${s.config.prefetch ? fetchB('k0 + TILE_K') : ''}
        for (var k = 0; k < TILE_K; k = k + 1) {
          ${inner.join('\n          ')}
        }
        workgroupBarrier();
      }

      ${epilogue.join('\n      ')}
    }
  `;
}

interface WebgpuBackendLike {
  device: { limits: { maxComputeWorkgroupStorageSize: number } };
  runWebGPUProgram: (program: object, inputs: tf.TensorInfo[], dtype: tf.DataType) => tf.TensorInfo;
}

/** The largest number of workgroups we put on one dispatch dimension (WebGPU's guaranteed limit is 65535). */
const MAX_GROUPS_PER_DIM = 32768;

function runConv3x3(
  backend: WebgpuBackendLike,
  variant: Variant,
  inputs: tf.TensorInfo[],
  cout: number,
  config: Conv3x3Config,
): tf.TensorInfo {
  const src = inputs[0]!;
  const [, h, w, cin] = src.shape as [number, number, number, number];
  const problem = configProblem(config, backend.device.limits.maxComputeWorkgroupStorageSize);
  if (problem) throw new Error(`conv3x3 config ${configName(config)} cannot run: ${problem}`);
  const shape: ShaderShape = { variant, config, cin, cout };
  const rowTiles = Math.ceil((h * w) / config.tileM);
  const dispatchY = Math.min(rowTiles, MAX_GROUPS_PER_DIM);
  const program = {
    variableNames: variant === 'forward' ? ['src', 'weights', 'bias'] : ['src', 'mask', 'weights'],
    // The element widths each buffer is bound with (vec4 where the shader reads vec4s).
    variableComponents:
      variant === 'forward'
        ? [vecA(shape) ? 4 : 1, vecN(shape) ? 4 : 1, vecN(shape) ? 4 : 1]
        : [vecA(shape) ? 4 : 1, vecA(shape) ? 4 : 1, vecN(shape) ? 4 : 1],
    outputComponent: vecN(shape) ? 4 : 1,
    outputShape: [1, h, w, cout],
    // tfjs appends ranks, dtypes and variable names; everything baked into the source must be here.
    shaderKey: `stylebot_conv3x3_${variant}_${configName(config)}_${vecA(shape) ? 'va' : 'sa'}${vecN(shape) ? 'vn' : 'sn'}`,
    // Not a flat layout, so that tfjs calls main() without an index; the dispatch below is our own.
    dispatchLayout: { x: [3], y: [1, 2], z: [0] },
    dispatch: [Math.ceil(cout / config.tileN), dispatchY, Math.ceil(rowTiles / dispatchY)] as [number, number, number],
    workgroupSize: [config.tileN / config.threadN, config.tileM / config.threadM, 1] as [number, number, number],
    getUserCode: () => conv3x3Source(shape),
  };
  return backend.runWebGPUProgram(program, inputs, 'float32');
}

const configFromAttrs = (attrs: tf.NamedAttrMap | undefined): Conv3x3Config => {
  const a = (attrs ?? {}) as unknown as Partial<Conv3x3Config>;
  return { ...DEFAULT_CONV3X3_CONFIG, ...a };
};

let registered = false;

/** Registers both kernels on the webgpu backend (idempotent; the backend need not be initialised yet). */
export async function registerConv3x3Kernels(): Promise<void> {
  if (registered) return;
  tf.registerKernel({
    kernelName: CONV3X3_FORWARD_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, kernel, bias } = inputs as { x: tf.TensorInfo; kernel: tf.TensorInfo; bias: tf.TensorInfo };
      return runConv3x3(backend as unknown as WebgpuBackendLike, 'forward', [x, kernel, bias], kernel.shape[3]!, configFromAttrs(attrs));
    },
  });
  tf.registerKernel({
    kernelName: CONV3X3_BACKWARD_KERNEL,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, y, backKernel } = inputs as { dy: tf.TensorInfo; y: tf.TensorInfo; backKernel: tf.TensorInfo };
      return runConv3x3(
        backend as unknown as WebgpuBackendLike,
        'backward',
        [dy, y, backKernel],
        backKernel.shape[3]!,
        configFromAttrs(attrs),
      );
    },
  });
  registered = true;
}

function checkShapes(what: string, image: tf.Tensor4D, kernel: tf.Tensor4D): void {
  const [batch, , , channels] = image.shape;
  const [kh, kw, kin] = kernel.shape;
  if (batch !== 1) throw new Error(`${what}: batch must be 1 (got ${batch})`);
  if (kh !== 3 || kw !== 3) throw new Error(`${what}: the kernel must be 3x3 (got ${kh}x${kw})`);
  if (kin !== channels) throw new Error(`${what}: the kernel takes ${kin} channels, the image has ${channels}`);
  if (image.dtype !== 'float32' || kernel.dtype !== 'float32') throw new Error(`${what}: float32 only`);
  if (tf.getBackend() !== 'webgpu') throw new Error(`${what}: runs on the webgpu backend only (active: ${tf.getBackend()})`);
}

/** relu(conv2d(x, kernel, stride 1, SAME) + bias) in one dispatch. x [1, H, W, Cin], kernel [3, 3, Cin, Cout], bias [Cout]. */
export function conv3x3BiasRelu(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D,
  config: Conv3x3Config = chooseConv3x3Config(kernel.shape[3], x.shape[1] * x.shape[2]),
): tf.Tensor4D {
  checkShapes('conv3x3BiasRelu', x, kernel);
  if (bias.shape[0] !== kernel.shape[3]) throw new Error(`conv3x3BiasRelu: ${bias.shape[0]} biases for ${kernel.shape[3]} output channels`);
  return tf.engine().runKernel(CONV3X3_FORWARD_KERNEL, { x, kernel, bias }, { ...config }) as tf.Tensor4D;
}

/**
 * conv2d(dy * (y > 0), backKernel, stride 1, SAME) in one dispatch: the image gradient through a conv + ReLU layer.
 * dy and y [1, H, W, Cout] (y the layer's output), backKernel [3, 3, Cout, Cin] (gradients.ts backwardKernel).
 */
export function conv3x3MaskedBackward(
  dy: tf.Tensor4D,
  y: tf.Tensor4D,
  backKernel: tf.Tensor4D,
  config: Conv3x3Config = chooseConv3x3Config(backKernel.shape[3], dy.shape[1] * dy.shape[2]),
): tf.Tensor4D {
  checkShapes('conv3x3MaskedBackward', dy, backKernel);
  if (!tf.util.arraysEqual(dy.shape, y.shape)) throw new Error(`conv3x3MaskedBackward: dy ${dy.shape} and y ${y.shape} differ`);
  return tf.engine().runKernel(CONV3X3_BACKWARD_KERNEL, { dy, y, backKernel }, { ...config }) as tf.Tensor4D;
}

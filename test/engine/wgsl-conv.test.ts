// Our WGSL 3x3 convolution (src/engine/wgsl/conv3x3.ts), forward (bias + ReLU) and masked input gradient, against
// tfjs's own ops on the same webgpu backend and against wasm, for every offered tile configuration, on odd image
// sizes (not multiples of any tile) and channel counts 3, 8, 20 in and 4, 12, 64 out. Runs wherever Dawn finds an
// adapter (lavapipe here); skips with the reason printed where there is none (CI).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import { seededRandom } from '../../src/engine/random.js';
import { relativeL2, webgpuUnavailableReason } from './support/webgpu-checks.js';
import {
  CONV3X3_CONFIGS,
  DEFAULT_CONV3X3_CONFIG,
  NARROW_CONV3X3_CONFIG,
  chooseConv3x3Config,
  SMALL_CONV3X3_CONFIG,
  configName,
  configProblem,
  conv3x3BiasRelu,
  conv3x3MaskedBackward,
  registerConv3x3Kernels,
  type Conv3x3Config,
} from '../../src/engine/wgsl/conv3x3.js';

const unavailable = await webgpuUnavailableReason();
// A new channel-count pattern compiles up to 20 pipelines (10 configs x 2 variants): ~2 s each on lavapipe.
const COMPILE_HEAVY_MS = 600_000;
if (unavailable) console.warn(`wgsl conv tests skipped: ${unavailable}`);

/** One layer's data as plain arrays, so that both backends get the same numbers. */
interface Case {
  h: number;
  w: number;
  cin: number;
  cout: number;
  x: Float32Array;
  kernel: Float32Array;
  bias: Float32Array;
  dy: Float32Array;
  /** A layer output: ReLU'd, so about half is zero and masks dy. */
  y: Float32Array;
}

function makeCase(h: number, w: number, cin: number, cout: number, seed: number): Case {
  const r = seededRandom(seed);
  const rand = (n: number, scale: number) => Float32Array.from({ length: n }, () => (2 * r() - 1) * scale);
  return {
    h,
    w,
    cin,
    cout,
    x: rand(h * w * cin, 1),
    kernel: rand(9 * cin * cout, 1 / Math.sqrt(9 * cin)),
    bias: rand(cout, 0.1),
    dy: rand(h * w * cout, 1),
    y: rand(h * w * cout, 1).map((v) => Math.max(v, 0)),
  };
}

interface Tensors {
  x: tf.Tensor4D;
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
  dy: tf.Tensor4D;
  y: tf.Tensor4D;
  back: tf.Tensor4D;
}

function tensors(c: Case): Tensors {
  const kernel = tf.tensor4d(c.kernel, [3, 3, c.cin, c.cout]);
  return {
    x: tf.tensor4d(c.x, [1, c.h, c.w, c.cin]),
    kernel,
    bias: tf.tensor1d(c.bias),
    dy: tf.tensor4d(c.dy, [1, c.h, c.w, c.cout]),
    y: tf.tensor4d(c.y, [1, c.h, c.w, c.cout]),
    // gradients.ts backwardKernel: rotated 180 degrees, in/out swapped.
    back: tf.tidy(() => tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2])),
  };
}

/** The stock ops the kernels replace. */
async function stock(t: Tensors): Promise<{ forward: Float32Array; backward: Float32Array }> {
  const f = tf.fused.conv2d({ x: t.x, filter: t.kernel, strides: 1, pad: 'same', bias: t.bias, activation: 'relu' });
  const b = tf.tidy(() => tf.conv2d(tf.mul(t.dy, tf.step(t.y)) as tf.Tensor4D, t.back, 1, 'same'));
  const out = { forward: (await f.data()) as Float32Array, backward: (await b.data()) as Float32Array };
  tf.dispose([f, b]);
  return out;
}

async function ours(t: Tensors, config: Conv3x3Config): Promise<{ forward: Float32Array; backward: Float32Array }> {
  const f = conv3x3BiasRelu(t.x, t.kernel, t.bias, config);
  const b = conv3x3MaskedBackward(t.dy, t.y, t.back, config);
  expect(f.shape).toEqual([1, t.x.shape[1], t.x.shape[2], t.kernel.shape[3]]);
  expect(b.shape).toEqual([1, t.x.shape[1], t.x.shape[2], t.kernel.shape[2]]);
  const out = { forward: (await f.data()) as Float32Array, backward: (await b.data()) as Float32Array };
  tf.dispose([f, b]);
  return out;
}

// 9x13 is no multiple of any tile; 5x7 is smaller than every tile; 40x37 spans several row tiles of every config.
const SHAPES: [number, number, number, number][] = [
  ...[3, 8, 20].flatMap((cin) => [4, 12, 64].map((cout): [number, number, number, number] => [9, 13, cin, cout])),
  [5, 7, 8, 12],
  [40, 37, 64, 3], // conv1_1's image gradient: 64 channels of dy back to 3
];

describe('conv3x3 configurations', () => {
  it('offers only configurations the loaders can handle, and names them apart', () => {
    for (const c of CONV3X3_CONFIGS) expect(configProblem(c), configName(c)).toBeNull();
    expect(new Set(CONV3X3_CONFIGS.map(configName)).size).toBe(CONV3X3_CONFIGS.length);
    expect(CONV3X3_CONFIGS).toContain(DEFAULT_CONV3X3_CONFIG);
  });

  it('picks the narrow tiling for 3..4 output channels, else the default or the one STYLEBOT_CONV3X3_CONFIG names', () => {
    expect(chooseConv3x3Config(3, 512 * 512, {})).toBe(NARROW_CONV3X3_CONFIG);
    expect(chooseConv3x3Config(64, 512 * 512, {})).toBe(DEFAULT_CONV3X3_CONFIG);
    expect(chooseConv3x3Config(512, 64 * 64, {})).toBe(DEFAULT_CONV3X3_CONFIG); // 32 x 8 workgroups
    expect(chooseConv3x3Config(256, 64 * 64, {})).toBe(SMALL_CONV3X3_CONFIG); // 32 x 4
    expect(chooseConv3x3Config(512, 32 * 32, {})).toBe(SMALL_CONV3X3_CONFIG);
    expect(configName(chooseConv3x3Config(512, 32 * 32, { STYLEBOT_CONV3X3_CONFIG: 'm64n128k16t4x8p' }))).toBe('m64n128k16t4x8p');
    expect(() => chooseConv3x3Config(64, 512 * 512, { STYLEBOT_CONV3X3_CONFIG: 'm1n1' })).toThrow(/not one of m32n32k32t4x4/);
  });

  it('refuses configurations that break the tiling assumptions, saying why', () => {
    expect(configProblem({ tileM: 64, tileN: 64, tileK: 16, threadM: 3, threadN: 4 })).toMatch(/multiples of 4/);
    expect(configProblem({ tileM: 256, tileN: 64, tileK: 16, threadM: 4, threadN: 4 })).toMatch(/1024 threads/);
    expect(configProblem({ tileM: 128, tileN: 128, tileK: 32, threadM: 8, threadN: 8 })).toMatch(/workgroup memory/);
  });
});

describe.skipIf(unavailable !== null)('WGSL conv3x3 on webgpu', () => {
  const cases = SHAPES.map(([h, w, cin, cout], i) => makeCase(h, w, cin, cout, 100 + i));
  const wasm: { forward: Float32Array; backward: Float32Array }[] = [];

  beforeAll(async () => {
    await initBackend('wasm');
    for (const c of cases) {
      const t = tensors(c);
      wasm.push(await stock(t));
      tf.dispose(Object.values(t));
    }
    await initBackend('webgpu');
    await registerConv3x3Kernels();
    await registerConv3x3Kernels(); // idempotent
  });

  for (const [i, [h, w, cin, cout]] of SHAPES.entries()) {
    it(
      `forward and masked backward match stock webgpu and wasm at ${h}x${w}, ${cin} -> ${cout} channels, every config`,
      async () => {
        expect(tf.getBackend()).toBe('webgpu');
        const t = tensors(cases[i]!);
        const reference = await stock(t);
        // The data really exercise both epilogues: some outputs ReLU'd to zero, some positive; dy masked in places.
        expect(reference.forward.some((v) => v === 0) && reference.forward.some((v) => v > 0)).toBe(true);
        expect(relativeL2(reference.forward, wasm[i]!.forward)).toBeLessThan(1e-5);
        expect(relativeL2(reference.backward, wasm[i]!.backward)).toBeLessThan(1e-5);
        for (const config of CONV3X3_CONFIGS) {
          const got = await ours(t, config);
          const name = configName(config);
          expect(relativeL2(got.forward, reference.forward), `${name} forward vs webgpu`).toBeLessThan(1e-5);
          expect(relativeL2(got.backward, reference.backward), `${name} backward vs webgpu`).toBeLessThan(1e-5);
          expect(relativeL2(got.forward, wasm[i]!.forward), `${name} forward vs wasm`).toBeLessThan(1e-5);
          expect(relativeL2(got.backward, wasm[i]!.backward), `${name} backward vs wasm`).toBeLessThan(1e-5);
        }
        tf.dispose(Object.values(t));
      },
      COMPILE_HEAVY_MS,
    );
  }

  it('the backward kernel really applies the mask: with y all zero the gradient is zero, with y all positive it is conv(dy)', async () => {
    const c = makeCase(6, 7, 4, 8, 7);
    const t = tensors(c);
    const zeros = tf.zerosLike(t.y);
    const ones = tf.onesLike(t.y);
    const masked = conv3x3MaskedBackward(t.dy, zeros, t.back);
    const open = conv3x3MaskedBackward(t.dy, ones, t.back);
    const plain = tf.conv2d(t.dy, t.back, 1, 'same');
    expect(Array.from(await masked.data()).every((v) => v === 0)).toBe(true);
    expect(relativeL2(await open.data(), await plain.data())).toBeLessThan(1e-6);
    tf.dispose([masked, open, plain, zeros, ones, ...Object.values(t)]);
  });

  it(
    'inside tf.customGrad (as gradients.ts would wire it) gives the image gradient of stock autodiff through two layers',
    async () => {
      const [a, b] = [makeCase(10, 11, 3, 8, 21), makeCase(10, 11, 8, 12, 22)];
      const [ta, tb] = [tensors(a), tensors(b)];
      const layer = (t: Tensors) =>
        tf.customGrad<tf.Tensor4D>((...args) => {
          const [x, save] = args as [tf.Tensor4D, tf.GradSaveFunc];
          const y = conv3x3BiasRelu(x, t.kernel, t.bias);
          save([y]);
          return { value: y, gradFunc: (dy, saved) => conv3x3MaskedBackward(dy as tf.Tensor4D, saved[0] as tf.Tensor4D, t.back) };
        });
      const [oursA, oursB] = [layer(ta), layer(tb)];
      const stockLayer = (x: tf.Tensor4D, t: Tensors) => tf.relu(tf.add(tf.conv2d(x, t.kernel, 1, 'same'), t.bias)) as tf.Tensor4D;
      const loss = (net: (x: tf.Tensor4D) => tf.Tensor4D) => (x: tf.Tensor) =>
        tf.sum(tf.square(tf.sub(net(x as tf.Tensor4D), 0.3))) as tf.Scalar;
      const got = tf.valueAndGrad(loss((x) => oursB(oursA(x))))(ta.x);
      const want = tf.valueAndGrad(loss((x) => stockLayer(stockLayer(x, ta), tb)))(ta.x);
      expect(relativeL2(await got.value.data(), await want.value.data())).toBeLessThan(1e-5);
      expect(relativeL2(await got.grad.data(), await want.grad.data())).toBeLessThan(1e-5);
      expect((await got.grad.data()).some((v) => v !== 0)).toBe(true);
      tf.dispose([got.value, got.grad, want.value, want.grad, ...Object.values(ta), ...Object.values(tb)]);
    },
    COMPILE_HEAVY_MS,
  );

  it('spreads more than 32768 row tiles over two dispatch dimensions (1100x1100 with 32-row tiles)', async () => {
    const c = makeCase(1100, 1100, 3, 4, 9);
    const t = tensors(c);
    const small = CONV3X3_CONFIGS.find((k) => k.tileM === 32)!;
    const f = conv3x3BiasRelu(t.x, t.kernel, t.bias, small);
    const ref = tf.fused.conv2d({ x: t.x, filter: t.kernel, strides: 1, pad: 'same', bias: t.bias, activation: 'relu' });
    expect(relativeL2(await f.data(), await ref.data())).toBeLessThan(1e-5);
    tf.dispose([f, ref, ...Object.values(t)]);
  });

  it('says clearly what is wrong with bad shapes and configurations', () => {
    const t = tensors(makeCase(4, 4, 3, 4, 3));
    expect(() => conv3x3BiasRelu(t.dy, t.kernel, t.bias)).toThrow(/kernel takes 3 channels, the image has 4/);
    expect(() => conv3x3BiasRelu(t.x, t.kernel, tf.zeros([5]) as tf.Tensor1D)).toThrow(/5 biases for 4 output channels/);
    expect(() => conv3x3BiasRelu(tf.concat([t.x, t.x]) as tf.Tensor4D, t.kernel, t.bias)).toThrow(/batch must be 1/);
    expect(() => conv3x3MaskedBackward(t.dy, t.x, t.back)).toThrow(/differ/);
    expect(() => conv3x3BiasRelu(t.x, t.kernel, t.bias, { tileM: 64, tileN: 64, tileK: 16, threadM: 2, threadN: 4 })).toThrow(
      /cannot run: threadM/,
    );
    tf.dispose(Object.values(t));
  });
});

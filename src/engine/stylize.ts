// stylize(): the method of Gatys, Ecker and Bethge (2015). The picture is a tf.Variable of pixels
// (RGB 0..255, or one grey channel in luminance mode) optimised so that its VGG-19 features keep the
// content image's relu4_2 responses and take on the style images' Gram matrices.
import * as tf from '@tensorflow/tfjs';
import { activeOnnxProvider, initBackend } from './backend.js';
import { prepareInputs, type PreparedInputs } from './inputs.js';
import { computeTargets, disposeTargets, imageTensor, lossParts, weightedTotal, type GatysTargets } from './losses.js';
import { activeMemoryBudget, checkRunFits, checkStockWebgpuSize, lbfgsHistorySize } from './memory.js';
import { createAdam, createLbfgs, type Minimizer, type Objective } from './optimizers.js';
import { seededRandom } from './random.js';
import { UserError } from '../errors.js';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from './validate.js';
import { createVgg } from './vgg.js';
import { OnnxStylizeObjective } from './onnx/stylize-objective.js';
import { loadVggWeights, resolveModelDir } from './weights.js';
import { wgslKernelsActive } from './webgpu-kernels.js';
import { encodePng, resizeImage, type RgbImage } from '../images/index.js';
import type { LossParts, StylizeHooks, StylizeOptions, StylizeRequest, StylizeResult } from './types.js';

export { DEFAULT_OPTIONS };

/** L-BFGS curvature pairs kept (torch's default). */
const LBFGS_HISTORY = 100;

/** Iterations the backend may run ahead of the JavaScript loop before it waits for the GPU. */
const SYNC_EVERY = 8;

/** Names each run's tf.Variable uniquely (variable names are global to the tfjs engine). */
let runCount = 0;

function abortError(): Error {
  const err = new Error('The style transfer was cancelled.');
  err.name = 'AbortError';
  return err;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
}

async function readParts(parts: tf.Tensor1D, options: StylizeOptions): Promise<LossParts> {
  const [content, style, tv] = Array.from(await parts.data());
  return {
    content: content!,
    style: style!,
    tv: tv!,
    total: options.contentWeight * content! + options.styleWeight * style! + options.tvWeight * tv!,
  };
}

function initialImage(inputs: PreparedInputs, options: StylizeOptions): tf.Tensor4D {
  const channels = inputs.grey ? 1 : 3;
  if (inputs.content && options.init === 'content') {
    return tf.tidy(() => {
      const rgb = imageTensor(inputs.content!);
      return inputs.grey ? (tf.slice(rgb, [0, 0, 0, 0], [1, inputs.height, inputs.width, 1]) as tf.Tensor4D) : rgb;
    });
  }
  // Seeded Gaussian noise around mid-grey (Box-Muller), so a seed always gives the same start.
  const random = seededRandom(options.seed);
  const n = inputs.width * inputs.height * channels;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    values[i] = 127.5 + 32 * r * Math.cos(theta);
    if (i + 1 < n) values[i + 1] = 127.5 + 32 * r * Math.sin(theta);
  }
  return tf.tensor4d(values, [1, inputs.height, inputs.width, channels]);
}

/** The current pixels as an 8-bit RGB picture (clipped to 0..255; grey replicated). */
async function toPicture(x: tf.Tensor4D, inputs: PreparedInputs): Promise<RgbImage> {
  const pixels = tf.tidy(() => {
    const clipped = tf.round(tf.clipByValue(x, 0, 255));
    return x.shape[3] === 1 ? tf.tile(clipped, [1, 1, 1, 3]) : clipped;
  });
  const data = Uint8Array.from(await pixels.data());
  pixels.dispose();
  return inputs.finish({ width: inputs.width, height: inputs.height, data });
}

function createMinimizer(x: tf.Variable, f: Objective, options: StylizeOptions, historySize: number): Minimizer {
  return options.optimizer === 'lbfgs'
    ? createLbfgs(x, f, { historySize, learningRate: 1 })
    : createAdam(x, f, { learningRate: options.learningRate });
}

/**
 * Paints the content image in the style of the style images (or synthesises the style's texture
 * when there is no content image). Rejects with UserError for bad options (code bad_option), ImageError for bad
 * images, UserError('not_finite') when the loss or gradient stops being finite, and an Error named 'AbortError'
 * when hooks.signal aborts.
 */
export async function stylize(request: StylizeRequest, hooks: StylizeHooks = {}): Promise<StylizeResult> {
  const { onProgress, signal } = hooks;
  const options = resolveOptions(request?.options);
  checkRequest(request);
  throwIfAborted(signal);

  const backend = await initBackend();
  const onnxProvider = activeOnnxProvider();
  // On onnxruntime the objective runs on ONNX Runtime (onnx/stylize-objective.ts): no tfjs VGG is made.
  const vgg = onnxProvider ? null : createVgg(await loadVggWeights(resolveModelDir()), 'custom');
  const inputs = await prepareInputs(request, options);
  throwIfAborted(signal);
  const channels = inputs.grey ? 1 : 3;
  const budget = activeMemoryBudget();
  const historySize = lbfgsHistorySize(LBFGS_HISTORY, options.iterations, inputs.width * inputs.height * channels, budget);
  checkRunFits({ width: inputs.width, height: inputs.height, channels, optimizer: options.optimizer, historySize }, backend, budget);
  if (backend === 'webgpu' && !wgslKernelsActive()) checkStockWebgpuSize(inputs.width, inputs.height);

  let targets: GatysTargets | null = null;
  let x: tf.Variable | null = null;
  let minimizer: Minimizer | null = null;
  let lastParts: tf.Tensor1D | null = null;
  let initialParts: tf.Tensor1D | null = null;
  let objectiveScale: tf.Scalar | null = null;
  let gradientSum: tf.Scalar | null = null;
  let evaluations = 0;
  /** Stops the run when the loss or the sampled gradient is NaN or infinite: never an unchanged picture as a success. */
  const checkFinite = async (iteration: number, parts: LossParts | null): Promise<void> => {
    const losses = parts ?? (await readParts(lastParts!, options));
    const gradient = gradientSum ? (await (gradientSum as tf.Scalar).data())[0]! : 0;
    if (![losses.content, losses.style, losses.tv, losses.total, gradient].every(Number.isFinite)) throw notFinite(iteration);
  };
  let onnx: OnnxStylizeObjective | null = null;
  try {
    if (onnxProvider) onnx = await OnnxStylizeObjective.create(inputs, options, onnxProvider);
    else targets = computeTargets(vgg!, inputs, options);
    const t = targets!;
    const start = initialImage(inputs, options);
    x = tf.variable(start, true, `stylize_image_${++runCount}`);
    start.dispose();

    const keepParts = (parts: tf.Tensor1D) => {
      lastParts?.dispose();
      lastParts = tf.keep(parts.clone());
    };
    const valueAndGrad = onnx
      ? (_image: tf.Tensor) => {
          const { parts, value, grad } = onnx!.take();
          keepParts(parts);
          return { value, grad };
        }
      : tf.valueAndGrad((image: tf.Tensor) => {
          const parts = lossParts(vgg!, t, image as tf.Tensor4D);
          keepParts(parts);
          return weightedTotal(parts, options);
        });
    // L-BFGS (torch-style) falls back to a plain gradient step of length 1 whenever a curvature pair is
    // rejected (y.s <= 1e-10, which happens on the second iteration when the tiny first step lands in
    // float32 rounding noise). With raw gradients of ~1e7 per pixel that step throws the image to
    // infinity. So the optimizer sees the loss divided by the first gradient's largest entry: that
    // fallback step then moves a pixel by at most one level, and nothing else changes (the minimiser
    // is the same and the quasi-Newton steps are scale-free). Reported losses are unscaled. The scale
    // stays a tensor: reading it back synchronously is not possible on webgpu in Node (no OffscreenCanvas).
    const objective: Objective = (image) => {
      const { value, grad } = tf.tidy(() => valueAndGrad(image));
      if (!initialParts) initialParts = tf.keep(lastParts!.clone());
      // Every SYNC_EVERY-th gradient is summed for the finiteness check (one reduction, read at the next sync).
      if (evaluations++ % SYNC_EVERY === 0) {
        gradientSum?.dispose();
        gradientSum = tf.keep(tf.sum(grad) as tf.Scalar);
      }
      if (options.optimizer !== 'lbfgs') return { loss: value, grad };
      if (!objectiveScale) {
        objectiveScale = tf.keep(
          tf.tidy(() => {
            const maxGrad = tf.max(tf.abs(grad));
            const usable = tf.logicalAnd(tf.isFinite(maxGrad), tf.greater(maxGrad, 0));
            return tf.where(usable, tf.div(1, maxGrad), tf.scalar(1)) as tf.Scalar;
          }),
        );
      }
      const scale = objectiveScale;
      const scaled = tf.tidy(() => ({ loss: tf.mul(value, scale) as tf.Scalar, grad: tf.mul(grad, scale) }));
      value.dispose();
      grad.dispose();
      return scaled;
    };
    minimizer = createMinimizer(x, objective, options, historySize);

    const began = performance.now();
    let lastProgressAt = -Infinity; // the first event goes out at once, as the job service shows it at once
    for (let done = 1; done <= options.iterations; done++) {
      throwIfAborted(signal);
      if (onnx) await onnx.prepare(x);
      // Nothing is read back here, so a GPU backend can take the next iterations while it runs this one.
      minimizer.advance();
      const progressDue =
        onProgress &&
        done % options.progressEvery === 0 &&
        done < options.iterations &&
        performance.now() - lastProgressAt >= (hooks.minProgressIntervalMs ?? 0);
      // Wait for the backend now and then so the queue of work stays short; yield to the event loop always,
      // so an abort (or a chat heartbeat in the same thread) gets through.
      if (!progressDue && done % SYNC_EVERY === 0) await checkFinite(done, null);
      else await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      // The last iteration's event is sent below, with the final losses.
      if (progressDue) {
        lastProgressAt = performance.now();
        const elapsedMs = lastProgressAt - began;
        const losses = await readParts(lastParts!, options);
        await checkFinite(done, losses);
        const preview = options.previewSize > 0 ? await previewOf(await toPicture(x as tf.Tensor4D, inputs), options.previewSize) : undefined;
        onProgress({
          iteration: done,
          total: options.iterations,
          losses,
          elapsedMs,
          etaMs: (elapsedMs / done) * (options.iterations - done),
          ...(preview ? { preview } : {}),
        });
      }
    }
    const elapsedMs = performance.now() - began;

    // Final losses are those of the picture actually returned (clipped to 0..255).
    const picture = await toPicture(x as tf.Tensor4D, inputs);
    const finalParts = onnx ? await onnxPartsAt(onnx, x) : tf.tidy(() => lossParts(vgg!, t, tf.clipByValue(x!, 0, 255) as tf.Tensor4D));
    const final = await readParts(finalParts, options);
    finalParts.dispose();
    await checkFinite(options.iterations, null);
    await checkFinite(options.iterations, final);
    const initial = await readParts(initialParts!, options);
    const png = await encodePng(picture);
    if (onProgress) {
      const preview = options.previewSize > 0 ? await previewOf(picture, options.previewSize) : undefined;
      onProgress({ iteration: options.iterations, total: options.iterations, losses: final, elapsedMs, etaMs: 0, ...(preview ? { preview } : {}) });
    }
    return {
      png,
      width: picture.width,
      height: picture.height,
      iterations: options.iterations,
      backend,
      msPerIteration: elapsedMs / options.iterations,
      seed: options.seed,
      styles: inputs.styles.map((s) => s.name),
      options,
      losses: { initial, final },
    };
  } finally {
    minimizer?.dispose();
    x?.dispose();
    (lastParts as tf.Tensor | null)?.dispose();
    (initialParts as tf.Tensor | null)?.dispose();
    (objectiveScale as tf.Tensor | null)?.dispose();
    (gradientSum as tf.Tensor | null)?.dispose();
    if (targets) disposeTargets(targets);
    await onnx?.dispose();
  }
}

/** The loss parts of the clipped picture on ONNX Runtime. */
async function onnxPartsAt(onnx: OnnxStylizeObjective, x: tf.Tensor): Promise<tf.Tensor1D> {
  const clipped = tf.clipByValue(x, 0, 255);
  try {
    return await onnx.partsAt(clipped);
  } finally {
    clipped.dispose();
  }
}

function notFinite(iteration: number): UserError {
  return new UserError(
    'not_finite',
    `Stopped at iteration ${iteration}: the loss or its gradient is no longer a finite number in float32. ` +
      'Lower style-weight, content-weight or tv-weight (or learning-rate with adam) and try again.',
  );
}

/** A PNG no larger than previewSize on its longest side. */
async function previewOf(picture: RgbImage, previewSize: number): Promise<Uint8Array> {
  const side = Math.min(previewSize, Math.max(picture.width, picture.height));
  return encodePng(await resizeImage(picture, side));
}

/// <reference types="@webgpu/types" />
// stylize(): the method of Gatys, Ecker and Bethge (2015). The picture is a tf.Variable of pixels
// (RGB 0..255, or one grey channel in luminance mode) optimised so that its VGG-19 features keep the
// content image's relu4_2 responses and take on the style images' Gram matrices; coarse to fine over the scales
// of multiscale.ts, each scale starting from the previous one's picture upsampled.
import * as tf from '@tensorflow/tfjs';
import { activeWebgpuDevice } from './webgpu/device.js';
import { activeOnnxProvider, initBackend } from './backend.js';
import type { OnnxProvider } from './onnx/session.js';
import { closestStyle, PICK_SIDE } from './closest-style.js';
import { toLuminance } from './colour.js';
import { prepareInputs, type PreparedInputs } from './inputs.js';
import { computeTargets, disposeTargets, imageTensor, lossParts, weightedTotal, type GatysTargets } from './losses.js';
import { activeMemoryBudget, checkRunFits, checkStockWebgpuSize, lbfgsHistorySize } from './memory.js';
import { planScales, scaleWork, upsamplePicture, type ScalePlanEntry } from './multiscale.js';
import { createAdam, createLbfgs, type Bounds, type Minimizer, type Objective } from './optimizers.js';
import { OnnxStylizeObjective } from './onnx/stylize-objective.js';
import { seededRandom } from './random.js';
import { styleWeightAtScale } from './style-weight.js';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from './validate.js';
import { createVgg, type Vgg } from './vgg.js';
import { loadVggWeights, resolveModelDir } from './weights.js';
import { recordedIterationActive, wgslKernelsActive } from './webgpu-kernels.js';
import { RecordedIteration } from './webgpu/recorded-iteration.js';
import { objectiveTargetsOf } from './webgpu/recorded-objective.js';
import { decodeImage, encodePng, encodePreview, resizeExact, type PreviewFormat, type RgbImage } from '../images/index.js';
import { UserError } from '../errors.js';
import type { LossParts, StylizeHooks, StylizeOptions, StylizeRequest, StylizeResult } from './types.js';

export { DEFAULT_OPTIONS };

/** L-BFGS curvature pairs kept (torch's default). */
const LBFGS_HISTORY = 100;

/** Iterations the backend may run ahead of the JavaScript loop before it waits for the GPU. */
const SYNC_EVERY = 8;

/** Pixels stay within this box at every iteration (optimizers.ts), so the picture returned needs no clipping. */
const PIXEL_BOX: Bounds = { lower: 0, upper: 255 };

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

async function readParts(parts: tf.Tensor1D, weights: Pick<StylizeOptions, 'contentWeight' | 'styleWeight' | 'tvWeight'>): Promise<LossParts> {
  const [content, style, tv] = Array.from(await parts.data());
  return {
    content: content!,
    style: style!,
    tv: tv!,
    total: weights.contentWeight * content! + weights.styleWeight * style! + weights.tvWeight * tv!,
  };
}

/** The first scale's starting picture: the request's init picture, the content photo, or seeded noise. */
async function initialImage(request: StylizeRequest, inputs: PreparedInputs, options: StylizeOptions): Promise<tf.Tensor4D> {
  const channels = inputs.grey ? 1 : 3;
  const asChannels = (rgb: tf.Tensor4D) =>
    inputs.grey ? (tf.slice(rgb, [0, 0, 0, 0], [1, inputs.height, inputs.width, 1]) as tf.Tensor4D) : rgb;
  if (options.init === 'picture') {
    const decoded = await resizeExact(await decodeImage(request.init!), inputs.width, inputs.height);
    const start = inputs.grey ? toLuminance(decoded) : decoded;
    return tf.tidy(() => asChannels(imageTensor(start)));
  }
  if (inputs.content && options.init === 'content') return tf.tidy(() => asChannels(imageTensor(inputs.content!)));
  // Seeded Gaussian noise around mid-grey (Box-Muller), so a seed always gives the same start.
  const random = seededRandom(options.seed);
  const n = inputs.width * inputs.height * channels;
  const values = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    const theta = 2 * Math.PI * random();
    values[i] = Math.min(255, Math.max(0, 127.5 + 32 * r * Math.cos(theta)));
    if (i + 1 < n) values[i + 1] = Math.min(255, Math.max(0, 127.5 + 32 * r * Math.sin(theta)));
  }
  return tf.tensor4d(values, [1, inputs.height, inputs.width, channels]);
}

/** The current pixels rounded to 8 bits, as the picture will be delivered (x is already within 0..255). */
function roundedPixels(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.round(tf.clipByValue(x, 0, 255)) as tf.Tensor4D);
}

/** The current pixels as an 8-bit RGB picture (grey replicated). */
async function toPicture(x: tf.Tensor4D, inputs: PreparedInputs): Promise<RgbImage> {
  const pixels = tf.tidy(() => {
    const rounded = roundedPixels(x);
    return x.shape[3] === 1 ? tf.tile(rounded, [1, 1, 1, 3]) : rounded;
  });
  const data = Uint8Array.from(await pixels.data());
  pixels.dispose();
  return inputs.finish({ width: inputs.width, height: inputs.height, data });
}

function createMinimizer(x: tf.Variable, f: Objective, options: StylizeOptions, historySize: number): Minimizer {
  return options.optimizer === 'lbfgs'
    ? createLbfgs(x, f, { historySize, learningRate: 1, bounds: PIXEL_BOX })
    : createAdam(x, f, { learningRate: options.learningRate, bounds: PIXEL_BOX });
}

/**
 * The scale's L-BFGS as one recorded command buffer per iteration (webgpu/recorded-iteration.ts), starting from x
 * (which stays the picture's tf.Variable, brought up to date by syncPicture). Null when a buffer would exceed the
 * GPU's binding limit: the tfjs path then runs the scale.
 */
async function createRecordedScale(vgg: Vgg, targets: GatysTargets, x: tf.Variable, options: StylizeOptions, historySize: number): Promise<RecordedIteration | null> {
  const [, height, width, channels] = x.shape as [number, number, number, 1 | 3];
  const start = Float32Array.from((await x.data()) as Float32Array, (v) => Math.min(PIXEL_BOX.upper, Math.max(PIXEL_BOX.lower, v)));
  const plain = await objectiveTargetsOf(targets);
  const device = activeWebgpuDevice(tf.backend());
  try {
    return await RecordedIteration.create(device, vgg, { height, width, channels, contentWeight: options.contentWeight, styleWeight: options.styleWeight, tvWeight: options.tvWeight },
      plain, { historySize, learningRate: 1, gradientTolerance: 1e-7, bounds: PIXEL_BOX }, start);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
}

/** A Minimizer over a recorded iteration: advance() queues one; step() also reads the loss at its start. */
function recordedMinimizer(recorded: RecordedIteration): Minimizer {
  return {
    advance: () => recorded.advance(),
    async step() {
      recorded.advance();
      return (await recorded.losses()).total;
    },
    dispose: () => recorded.destroy(),
  };
}

/** Where a run stands across its scales, for progress events and the time estimate. */
interface RunProgress {
  began: number;
  done: number;
  /** Work (iterations x pixels, multiscale.ts scaleWork) of the iterations done, and of the whole run. */
  workDone: number;
  workTotal: number;
  lastProgressAt: number;
}

/** One scale's result: its picture, kept for the next scale (the caller disposes it), and its losses. */
interface ScaleOutcome {
  x: tf.Tensor4D;
  /** At the scale's starting picture. */
  initial: LossParts;
  /** Of the last iterate rounded to 8 bits, i.e. of the picture as it will be delivered. */
  final: LossParts;
}

/**
 * Paints one scale: `iterations` optimizer steps from `start` (disposed here) against targets from `inputs`.
 * The loss the optimizer sees is scaled (see below); the parts it reports are not.
 */
async function paintScale(
  objectiveOn: { vgg: Vgg } | { onnx: OnnxProvider },
  inputs: PreparedInputs,
  start: tf.Tensor4D,
  options: StylizeOptions,
  scale: { index: number; count: number; plan: ScalePlanEntry; historySize: number },
  run: RunProgress,
  hooks: StylizeHooks,
): Promise<ScaleOutcome> {
  const { onProgress, signal } = hooks;
  let targets: GatysTargets | null = null;
  let x: tf.Variable | null = null;
  let minimizer: Minimizer | null = null;
  let lastParts: tf.Tensor1D | null = null;
  let initialParts: tf.Tensor1D | null = null;
  let objectiveScale: tf.Scalar | null = null;
  let gradientSum: tf.Scalar | null = null;
  let onnx: OnnxStylizeObjective | null = null;
  let initialLosses: LossParts | null = null;
  let recorded: RecordedIteration | null = null;
  /** The losses at the start of the last iteration. */
  const lossesNow = async (): Promise<LossParts> => (recorded ? await recorded.losses() : await readParts(lastParts!, options));
  /** Stops the run when the loss or the sampled gradient is NaN or infinite: never an unchanged picture as a success. */
  const checkFinite = async (iteration: number, parts: LossParts | null): Promise<void> => {
    const losses = parts ?? (await lossesNow());
    const gradient = recorded ? await recorded.finiteSum() : gradientSum ? (await (gradientSum as tf.Scalar).data())[0]! : 0;
    if (![losses.content, losses.style, losses.tv, losses.total, gradient].every(Number.isFinite)) throw notFinite(iteration);
  };
  /** On the recorded path the picture lives in the iteration's own buffer: copied into x when it is looked at. */
  const syncPicture = async (): Promise<void> => {
    if (!recorded) return;
    const values = await recorded.picture();
    tf.tidy(() => x!.assign(tf.tensor4d(values, x!.shape as [number, number, number, number])));
  };
  try {
    // On onnxruntime the objective runs on ONNX Runtime (onnx/stylize-objective.ts); the optimizer stays on tfjs.
    const vgg = 'vgg' in objectiveOn ? objectiveOn.vgg : null;
    if (vgg) targets = computeTargets(vgg, inputs, options);
    else onnx = await OnnxStylizeObjective.create(inputs, options, (objectiveOn as { onnx: OnnxProvider }).onnx);
    const t = targets;
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
          const parts = lossParts(vgg!, t!, image as tf.Tensor4D);
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
      // Every loss and gradient is added into one running sum, read at the syncs: a NaN or an infinity anywhere stays
      // in it (the box constraint would otherwise hide a NaN step as a black or white picture).
      const previous = gradientSum;
      gradientSum = tf.keep(tf.tidy(() => (previous ? tf.add(previous, tf.add(tf.sum(grad), value)) : tf.add(tf.sum(grad), value)) as tf.Scalar));
      previous?.dispose();
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
      const scaleBy = objectiveScale;
      const scaled = tf.tidy(() => ({ loss: tf.mul(value, scaleBy) as tf.Scalar, grad: tf.mul(grad, scaleBy) }));
      value.dispose();
      grad.dispose();
      return scaled;
    };
    recorded = vgg && t && options.optimizer === 'lbfgs' && recordedIterationActive() ? await createRecordedScale(vgg, t, x, options, scale.historySize) : null;
    minimizer = recorded ? recordedMinimizer(recorded) : createMinimizer(x, objective, options, scale.historySize);

    const pixels = scale.plan.size * scale.plan.size;
    const last = scale.index === scale.count;
    for (let i = 1; i <= scale.plan.iterations; i++) {
      throwIfAborted(signal);
      if (onnx) await onnx.prepare(x);
      // Nothing is read back here, so a GPU backend can take the next iterations while it runs this one.
      minimizer.advance();
      run.done += 1;
      run.workDone += pixels;
      const done = run.done;
      const progressDue =
        onProgress &&
        done % options.progressEvery === 0 &&
        !(last && i === scale.plan.iterations) &&
        performance.now() - run.lastProgressAt >= (hooks.minProgressIntervalMs ?? 0);
      // Wait for the backend now and then so the queue of work stays short; yield to the event loop always,
      // so an abort (or a chat heartbeat in the same thread) gets through.
      if (!progressDue && done % SYNC_EVERY === 0) await checkFinite(done, null);
      else await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      if (recorded && i === 1) initialLosses = await recorded.losses();
      // The last iteration's event is sent by stylize(), with the final losses.
      if (progressDue) {
        run.lastProgressAt = performance.now();
        const elapsedMs = run.lastProgressAt - run.began;
        const losses = await lossesNow();
        await checkFinite(done, losses);
        if (options.previewSize > 0) await syncPicture();
        const preview = options.previewSize > 0 ? await previewOf(await toPicture(x as tf.Tensor4D, inputs), options.previewSize, hooks.previewFormat) : undefined;
        onProgress({
          iteration: done,
          total: options.iterations,
          losses,
          elapsedMs,
          etaMs: (elapsedMs / run.workDone) * (run.workTotal - run.workDone),
          workDone: run.workDone / run.workTotal,
          scale: { index: scale.index, count: scale.count, size: scale.plan.size },
          ...(preview ? { preview } : {}),
        });
      }
    }
    await syncPicture();
    const initial = initialLosses ?? (await readParts(initialParts!, options));
    const finalParts = onnx ? await onnxPartsAt(onnx, x as tf.Tensor4D) : tf.tidy(() => lossParts(vgg!, t!, roundedPixels(x as tf.Tensor4D)));
    const final = await readParts(finalParts, options);
    finalParts.dispose();
    await checkFinite(run.done, null);
    await checkFinite(run.done, final);
    const picture = tf.keep(x.clone() as tf.Tensor4D);
    return { x: picture, initial, final };
  } finally {
    minimizer?.dispose();
    recorded?.destroy();
    x?.dispose();
    (lastParts as tf.Tensor | null)?.dispose();
    (initialParts as tf.Tensor | null)?.dispose();
    (objectiveScale as tf.Tensor | null)?.dispose();
    (gradientSum as tf.Tensor | null)?.dispose();
    if (targets) disposeTargets(targets);
    await onnx?.dispose();
  }
}

/** The loss parts of the picture as delivered (rounded to 8 bits) on ONNX Runtime. */
async function onnxPartsAt(onnx: OnnxStylizeObjective, x: tf.Tensor4D): Promise<tf.Tensor1D> {
  const rounded = roundedPixels(x);
  try {
    return await onnx.partsAt(rounded);
  } finally {
    rounded.dispose();
  }
}

function notFinite(iteration: number): UserError {
  return new UserError(
    'not_finite',
    `Stopped at iteration ${iteration}: the loss or its gradient is no longer a finite number in float32. ` +
      'Lower style-weight, content-weight or tv-weight (or learning-rate with adam) and try again.',
  );
}

/**
 * Paints the content image in the style of the style images (or synthesises the style's texture
 * when there is no content image), coarse to fine over options.scales. Rejects with UserError for bad options (code
 * bad_option), ImageError for bad images, UserError('not_finite') when the loss or gradient stops being finite, and
 * an Error named 'AbortError' when hooks.signal aborts.
 */
export async function stylize(given: StylizeRequest, hooks: StylizeHooks = {}): Promise<StylizeResult> {
  const { onProgress, signal } = hooks;
  const options = resolveOptions(given?.options);
  checkRequest(given);
  let request = given;
  if (options.init === 'picture' && (!(request.init instanceof Uint8Array) || request.init.byteLength === 0)) {
    throw new UserError('bad_request', 'init "picture" needs the picture to start from, and it is missing or empty.');
  }
  throwIfAborted(signal);

  const backend = await initBackend();
  const onnxProvider = activeOnnxProvider();
  // On onnxruntime no tfjs VGG is needed, except to compare the works' styles for pick closest (on tfjs's CPU backend).
  const needsTfjsVgg = !onnxProvider || (options.pick === 'closest' && request.styles.length > 1);
  const vgg = needsTfjsVgg ? createVgg(await loadVggWeights(resolveModelDir()), 'custom') : null;
  if (options.pick === 'closest' && request.styles.length > 1) {
    if (!request.content) throw new UserError('bad_request', 'Choosing the closest work needs a photo to compare with; without one, use pick random.');
    const { index } = await closestStyle(vgg!, request.content, request.styles.map((s) => s.image), Math.min(PICK_SIDE, options.size));
    request = { ...request, styles: [{ ...request.styles[index]!, weight: 1 }] };
    throwIfAborted(signal);
  }
  const plan = planScales(options.size, options.iterations, options.scales, hooks.minScaleSide);
  const finalInputs = await prepareInputs(request, options);
  throwIfAborted(signal);
  // The largest scale is the last: if it fits, every scale does (each holds its own history only while it runs).
  const channels = finalInputs.grey ? 1 : 3;
  const budget = activeMemoryBudget();
  const historyOf = (entry: ScalePlanEntry, inputs: PreparedInputs) =>
    lbfgsHistorySize(LBFGS_HISTORY, entry.iterations, inputs.width * inputs.height * channels, budget);
  const last = plan[plan.length - 1]!;
  checkRunFits(
    { width: finalInputs.width, height: finalInputs.height, channels, optimizer: options.optimizer, historySize: historyOf(last, finalInputs) },
    backend,
    budget,
  );
  if (backend === 'webgpu' && !wgslKernelsActive()) checkStockWebgpuSize(finalInputs.width, finalInputs.height);

  const work = scaleWork(plan);
  const run: RunProgress = { began: performance.now(), done: 0, workDone: 0, workTotal: work.reduce((a, b) => a + b, 0), lastProgressAt: -Infinity };
  let picture: tf.Tensor4D | null = null;
  let losses: { initial: LossParts; final: LossParts } | null = null;
  try {
    for (const [i, entry] of plan.entries()) {
      throwIfAborted(signal);
      const inputs = i === plan.length - 1 ? finalInputs : await prepareInputs(request, { ...options, size: entry.size });
      const start: tf.Tensor4D = picture ? upsamplePicture(picture, inputs.height, inputs.width) : await initialImage(request, inputs, options);
      picture?.dispose();
      picture = null;
      // The balance of content and style moves with the size (style-weight.ts): each scale keeps the final one's.
      const scaleOptions = { ...options, styleWeight: styleWeightAtScale(options.styleWeight, options.size, entry.size) };
      const scale = { index: i + 1, count: plan.length, plan: entry, historySize: historyOf(entry, inputs) };
      const outcome = await paintScale(onnxProvider ? { onnx: onnxProvider } : { vgg: vgg! }, inputs, start, scaleOptions, scale, run, hooks);
      picture = outcome.x;
      losses = { initial: outcome.initial, final: outcome.final };
    }
    const elapsedMs = performance.now() - run.began;
    // The final losses (paintScale) are those of the picture actually returned: the last iterate, rounded to 8 bits.
    const final = losses!.final;
    const delivered = await toPicture(picture!, finalInputs);
    const png = await encodePng(delivered);
    if (onProgress) {
      const preview = options.previewSize > 0 ? await previewOf(delivered, options.previewSize, hooks.previewFormat) : undefined;
      onProgress({
        iteration: options.iterations,
        total: options.iterations,
        losses: final,
        elapsedMs,
        etaMs: 0,
        workDone: 1,
        scale: { index: plan.length, count: plan.length, size: last.size },
        ...(preview ? { preview } : {}),
      });
    }
    return {
      png,
      width: delivered.width,
      height: delivered.height,
      iterations: options.iterations,
      backend,
      msPerIteration: elapsedMs / options.iterations,
      seed: options.seed,
      styles: finalInputs.styles.map((s) => s.name),
      options,
      scales: plan.map((s) => ({ size: s.size, iterations: s.iterations })),
      losses: losses!,
    };
  } finally {
    picture?.dispose();
  }
}

/** A JPEG (or PNG) no larger than previewSize on its longest side. */
function previewOf(picture: RgbImage, previewSize: number, format: PreviewFormat = 'jpeg'): Promise<Uint8Array> {
  return encodePreview(picture, previewSize, format);
}

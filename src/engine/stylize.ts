/// <reference types="@webgpu/types" />
// stylize(): the method of Gatys, Ecker and Bethge (2015). The picture is a tf.Variable of pixels
// (RGB 0..255, or one grey channel in luminance mode) optimised so that its VGG-19 features keep the
// content image's relu4_2 responses and take on the style images' Gram matrices; coarse to fine over the scales
// of multiscale.ts, each scale starting from the previous one's picture upsampled.
import * as tf from '@tensorflow/tfjs';
import { activeOnnxProvider, initBackend } from './backend.js';
import { sessionSettingsFromEnv } from './onnx/session.js';
import { closestStyle, PICK_SIDE } from './closest-style.js';
import { toLuminance } from './colour.js';
import { prepareInputs, type PreparedInputs } from './inputs.js';
import { imageTensor } from './losses.js';
import { createScaleRun, roundedPixels, type ObjectiveBackend } from './scale-run.js';
import { activeMemoryBudget, checkRunFits, checkStockWebgpuSize, lbfgsHistorySize } from './memory.js';
import { planScales, scaleWork, upsamplePicture, upsampleWithDetail, type ScalePlanEntry } from './multiscale.js';
import { seededRandom } from './random.js';
import { styleWeightAtScale } from './style-weight.js';
import { checkRequest, DEFAULT_OPTIONS, resolveOptions } from './validate.js';
import { BudgetRun, FINAL_SCALE_FLOOR } from './budget.js';
import { costForBackend } from './estimate.js';
import { createVgg } from './vgg.js';
import { loadVggWeights, resolveModelDir } from './weights.js';
import { recordedIterationActive, wgslKernelsActive } from './webgpu-kernels.js';
import { decodeImage, encodePng, encodePreview, resizeExact, type PreviewFormat, type RgbImage } from '../images/index.js';
import { UserError } from '../errors.js';
import type { LossParts, StylizeHooks, StylizeOptions, StylizeRequest, StylizeResult } from './types.js';

export { DEFAULT_OPTIONS };

/** L-BFGS curvature pairs kept (torch's default). */
const LBFGS_HISTORY = 100;

/** Iterations the backend may run ahead of the JavaScript loop before it waits for the GPU. */
const SYNC_EVERY = 8;

function abortError(): Error {
  const err = new Error('The style transfer was cancelled.');
  err.name = 'AbortError';
  return err;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw abortError();
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

/** Where a run stands across its scales, for progress events and the time estimate. */
interface RunProgress {
  began: number;
  done: number;
  /** Work (iterations x pixels, multiscale.ts scaleWork) of the iterations done, and of the whole run. */
  workDone: number;
  workTotal: number;
  lastProgressAt: number;
  /** The time budget's planner when the run paints to one (budget.ts), and the clock it reads (ms). */
  budget: BudgetRun | null;
  now: () => number;
  /** Iterations run at each scale. */
  perScale: number[];
  /** Per scale: its picture's width and height, and ms an iteration took once warm (the first left out). */
  scaleCosts: { width: number; height: number; msPerIteration?: number }[];
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
 * Paints one scale: `iterations` optimizer steps from `start` (disposed here) against targets from `inputs`, on
 * whichever backend `objectiveOn` names (scale-run.ts).
 */
async function paintScale(
  objectiveOn: ObjectiveBackend,
  inputs: PreparedInputs,
  start: tf.Tensor4D,
  options: StylizeOptions,
  scale: { index: number; count: number; plan: ScalePlanEntry; historySize: number },
  run: RunProgress,
  hooks: StylizeHooks,
): Promise<ScaleOutcome> {
  const { onProgress, signal } = hooks;
  const scaleRun = await createScaleRun(objectiveOn, {
    inputs,
    start,
    options,
    historySize: scale.historySize,
    lastTargets: scale.index === scale.count,
  });
  /** Stops the run when the loss or the sampled gradient is NaN or infinite: never an unchanged picture as a success. */
  const checkFinite = async (iteration: number, parts: LossParts | null): Promise<void> => {
    const losses = parts ?? (await scaleRun.losses());
    const gradient = await scaleRun.finiteSum();
    if (![losses.content, losses.style, losses.tv, losses.total, gradient].every(Number.isFinite)) throw notFinite(iteration);
  };
  try {
    const pixels = scale.plan.size * scale.plan.size;
    const last = scale.index === scale.count;
    // With a budget the planner says, after each iteration, whether the scale takes another; else the plan's count.
    const more = (doneInScale: number) =>
      run.budget ? run.budget.continueScale(scale.index - 1, doneInScale, run.now() - run.began) : doneInScale < scale.plan.iterations;
    let mark = run.now();
    /** When the first iteration (which carries the scale's warm-up) ended: the steady cost is measured from there. */
    let steadyFrom = 0;
    // A scale set up runs at least once (stylize() decides beforehand whether a coarse scale is skipped).
    for (let i = 1, going = true; going; i++) {
      throwIfAborted(signal);
      // Nothing is read back here, so a GPU backend can take the next iterations while it runs this one.
      await scaleRun.advance();
      run.done += 1;
      run.workDone += pixels;
      run.perScale[scale.index - 1] = i;
      const now = run.now();
      run.budget?.record(scale.index - 1, mark - run.began, now - run.began);
      mark = now;
      if (i === 1) steadyFrom = now;
      run.scaleCosts[scale.index - 1] = {
        width: inputs.width,
        height: inputs.height,
        ...(i > 1 ? { msPerIteration: Math.round(((now - steadyFrom) / (i - 1)) * 10) / 10 } : {}),
      };
      going = more(i);
      const done = run.done;
      const progressDue =
        onProgress &&
        done % options.progressEvery === 0 &&
        !(last && !going) &&
        performance.now() - run.lastProgressAt >= (hooks.minProgressIntervalMs ?? 0);
      // Wait for the backend now and then so the queue of work stays short; yield to the event loop always,
      // so an abort (or a chat heartbeat in the same thread) gets through.
      if (!progressDue && done % SYNC_EVERY === 0) await checkFinite(done, null);
      else await new Promise((resolve) => setImmediate(resolve));
      throwIfAborted(signal);
      // The last iteration's event is sent by stylize(), with the final losses.
      if (progressDue) {
        run.lastProgressAt = performance.now();
        const elapsedMs = run.now() - run.began;
        const losses = await scaleRun.losses();
        await checkFinite(done, losses);
        const preview =
          options.previewSize > 0
            ? await previewOf(await toPicture(await scaleRun.picture(), inputs), options.previewSize, hooks.previewFormat)
            : undefined;
        const budgetMs = run.budget?.budgetMs;
        onProgress({
          iteration: done,
          total: run.budget
            ? Math.max(
                done + 1,
                run.budget.plan.reduce((a, b) => a + b, 0),
              )
            : options.iterations,
          losses,
          elapsedMs,
          etaMs: budgetMs !== undefined ? Math.max(0, budgetMs - elapsedMs) : (elapsedMs / run.workDone) * (run.workTotal - run.workDone),
          // With a budget the work is the budget's time: done is the share of it spent.
          workDone: budgetMs !== undefined ? Math.min(1, elapsedMs / budgetMs) : run.workDone / run.workTotal,
          scale: { index: scale.index, count: scale.count, size: scale.plan.size },
          ...(preview ? { preview } : {}),
        });
      }
    }
    const x = await scaleRun.picture();
    const initial = await scaleRun.initialLosses();
    const final = await scaleRun.finalLosses();
    await checkFinite(run.done, null);
    await checkFinite(run.done, final);
    return { x: tf.keep(x.clone()), initial, final };
  } finally {
    await scaleRun.dispose();
  }
}

/**
 * Whether a finer scale starts from the coarser picture plus the photo's detail band (upsampleWithDetail) rather than
 * the coarser picture alone: measured in docs/time-budget.md (Levers).
 */
export const DETAIL_TRANSFER = true;

/** The starting picture of a finer scale from the coarser scale's `picture` (see DETAIL_TRANSFER). */
function finerStart(picture: tf.Tensor4D, inputs: PreparedInputs, detail: boolean): tf.Tensor4D {
  if (!detail || !inputs.content) return upsamplePicture(picture, inputs.height, inputs.width);
  const { width, height, data } = inputs.content;
  const channels = picture.shape[3];
  return tf.tidy(() => {
    const rgb = tf.tensor4d(Float32Array.from(data), [1, height, width, 3]);
    // A grey run paints one channel; its content is the photo's luminance, the same in all three.
    const photo = channels === 1 ? (rgb.slice([0, 0, 0, 0], [1, height, width, 1]) as tf.Tensor4D) : rgb;
    return upsampleWithDetail(picture, photo);
  });
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
    if (!request.content)
      throw new UserError('bad_request', 'Choosing the closest work needs a photo to compare with; without one, use pick random.');
    const { index } = await closestStyle(
      vgg!,
      request.content,
      request.styles.map((s) => s.image),
      Math.min(PICK_SIDE, options.size),
    );
    request = { ...request, styles: [{ ...request.styles[index]!, weight: 1 }] };
    throwIfAborted(signal);
  }
  const budgetMs = options.budget !== undefined ? options.budget * 1000 : null;
  // With a budget, the scales' sizes as planned for the cap; their iterations come from the budget's planner.
  const plan = planScales(
    options.size,
    budgetMs === null ? options.iterations : Math.max(LBFGS_HISTORY, options.iterations),
    options.scales,
    hooks.minScaleSide,
  );
  const finalInputs = await prepareInputs(request, options);
  throwIfAborted(signal);
  const timeBudget =
    budgetMs === null
      ? null
      : new BudgetRun(
          hooks.cost ?? costForBackend(backend),
          plan.map((s) => ({
            width: Math.max(1, Math.round((finalInputs.width * s.size) / options.size)),
            height: Math.max(1, Math.round((finalInputs.height * s.size) / options.size)),
          })),
          budgetMs,
          Math.min(FINAL_SCALE_FLOOR, options.iterations),
          options.iterations,
          hooks.shareRatio,
        );
  // The largest scale is the last: if it fits, every scale does (each holds its own history only while it runs).
  const channels = finalInputs.grey ? 1 : 3;
  const budget = activeMemoryBudget();
  const historyOf = (entry: ScalePlanEntry, inputs: PreparedInputs) =>
    lbfgsHistorySize(LBFGS_HISTORY, entry.iterations, inputs.width * inputs.height * channels, budget);
  const last = plan[plan.length - 1]!;
  checkRunFits(
    {
      width: finalInputs.width,
      height: finalInputs.height,
      channels,
      optimizer: options.optimizer,
      historySize: historyOf(last, finalInputs),
    },
    backend,
    budget,
  );
  if (backend === 'webgpu' && !wgslKernelsActive()) checkStockWebgpuSize(finalInputs.width, finalInputs.height);

  const work = scaleWork(plan);
  const now = hooks.now ?? (() => performance.now());
  const run: RunProgress = {
    began: now(),
    done: 0,
    workDone: 0,
    workTotal: work.reduce((a, b) => a + b, 0),
    lastProgressAt: -Infinity,
    budget: timeBudget,
    now,
    perScale: plan.map(() => 0),
    scaleCosts: plan.map(() => ({ width: 0, height: 0 })),
  };
  let picture: tf.Tensor4D | null = null;
  let losses: { initial: LossParts; final: LossParts } | null = null;
  try {
    for (const [i, entry] of plan.entries()) {
      throwIfAborted(signal);
      // A coarse scale the budget has no time left for is skipped: the next one starts from the picture so far.
      if (timeBudget && i < plan.length - 1 && !timeBudget.continueScale(i, 0, now() - run.began)) continue;
      const inputs = i === plan.length - 1 ? finalInputs : await prepareInputs(request, { ...options, size: entry.size });
      const start: tf.Tensor4D = picture
        ? finerStart(picture, inputs, hooks.detailTransfer ?? DETAIL_TRANSFER)
        : await initialImage(request, inputs, options);
      picture?.dispose();
      picture = null;
      // The balance of content and style moves with the size (style-weight.ts): each scale keeps the final one's.
      const scaleOptions = { ...options, styleWeight: styleWeightAtScale(options.styleWeight, options.size, entry.size) };
      // A budgeted scale keeps no more curvature pairs than the iterations planned for it: a longer history only holds
      // image-sized buffers (2 x 100 x 2.4 MB at 512 x 384) that the run never fills.
      const historyFor = timeBudget ? { ...entry, iterations: Math.max(2, timeBudget.plan[i]! + 1) } : entry;
      const scale = { index: i + 1, count: plan.length, plan: entry, historySize: historyOf(historyFor, inputs) };
      const objectiveOn: ObjectiveBackend = onnxProvider ? { onnx: onnxProvider } : { vgg: vgg!, recorded: recordedIterationActive() };
      const outcome = await paintScale(objectiveOn, inputs, start, scaleOptions, scale, run, hooks);
      picture = outcome.x;
      losses = { initial: outcome.initial, final: outcome.final };
    }
    const elapsedMs = now() - run.began;
    // The final losses (paintScale) are those of the picture actually returned: the last iterate, rounded to 8 bits.
    const final = losses!.final;
    const delivered = await toPicture(picture!, finalInputs);
    const png = await encodePng(delivered);
    if (onProgress) {
      const preview = options.previewSize > 0 ? await previewOf(delivered, options.previewSize, hooks.previewFormat) : undefined;
      onProgress({
        iteration: run.done,
        total: run.done,
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
      iterations: run.done,
      backend,
      msPerIteration: elapsedMs / run.done,
      seed: options.seed,
      styles: finalInputs.styles.map((s) => s.name),
      options,
      scales: plan.map((s, i) => ({ size: s.size, iterations: run.perScale[i]!, ...run.scaleCosts[i] })).filter((s) => s.iterations > 0),
      threads: onnxProvider ? sessionSettingsFromEnv(onnxProvider).threads : 1,
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

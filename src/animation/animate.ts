// Painting an animation frame by frame with temporal coherence: frame n starts from frame n-1's painting moved by the
// motion between input frames n-1 and n (flow.ts, warp.ts), the initialisation of Ruder, Dosovitskiy and Brox,
// "Artistic style transfer for videos" (2016). Their temporal loss term is not used (see docs/animation.md).
import { decodeImage, encodePng, resizeExact, type RgbImage } from '../images/index.js';
import type { Animation } from '../images/frames.js';
import type { StylizeHooks, StylizeOptions, StylizeProgress, StylizeRequest, StylizeResult } from '../engine/types.js';
import { lucasKanadeFlow } from './flow.js';
import { warpImage } from './warp.js';

export type Coherence = 'flow' | 'none';

/** The most frames one animation may have (a user may set fewer). */
export const MAX_FRAMES = 100;
/** Frames after the first run this share of the first frame's iterations by default: they start close to done. */
export const LATER_FRAME_SHARE = 0.4;

export interface AnimateOptions {
  /** 'flow': each frame after the first starts from the previous painting warped by the flow; 'none': from its photo. */
  coherence: Coherence;
  /** Iterations of each frame after the first; default ceil(iterations x LATER_FRAME_SHARE), at least 1. */
  laterIterations?: number;
}

/** Progress over the whole animation: iterations count across frames; `frame` is 1-based. */
export interface AnimationProgress extends StylizeProgress {
  frame: number;
  frames: number;
}

export interface AnimationResult {
  animation: Animation;
  /** One engine result per frame, in order. */
  results: StylizeResult[];
  /** Wall time of each frame in ms, flow included. */
  frameMs: number[];
}

type StylizeFn = (request: StylizeRequest, hooks?: StylizeHooks) => Promise<StylizeResult>;

/**
 * Paints every frame of `input` (frames already at the output size) with the styles and options of `request`, and
 * returns the painted frames with the input's delays, loop and format. The first frame runs options.iterations (and
 * its scales); later frames run laterIterations at one scale. Same seed for every frame. Aborts through hooks.signal.
 */
export async function stylizeAnimation(
  input: Animation,
  request: Pick<StylizeRequest, 'styles' | 'options'>,
  opts: AnimateOptions,
  stylize: StylizeFn,
  hooks: { signal?: AbortSignal; onProgress?: (p: AnimationProgress) => void; minScaleSide?: number } = {},
): Promise<AnimationResult> {
  const frames = input.frames;
  if (frames.length === 0) throw new RangeError('an animation needs at least one frame');
  const base: Partial<StylizeOptions> = request.options ?? {};
  const firstIterations = base.iterations ?? 500;
  const later = opts.laterIterations ?? Math.max(1, Math.ceil(firstIterations * LATER_FRAME_SHARE));
  const total = firstIterations + later * (frames.length - 1);
  const painted: RgbImage[] = [];
  const results: StylizeResult[] = [];
  const frameMs: number[] = [];
  let done = 0;
  const t0 = performance.now();
  for (let i = 0; i < frames.length; i++) {
    const started = performance.now();
    const frame = frames[i]!;
    // Later frames run a fixed number of iterations: a time budget (if any) plans only the first frame.
    const { budget: _budget, ...fixed } = base;
    const options: Partial<StylizeOptions> = i === 0 ? { ...base } : { ...fixed, iterations: later, scales: 1 };
    let init: Uint8Array | undefined;
    if (i > 0 && opts.coherence === 'flow') {
      const flow = lucasKanadeFlow(frames[i - 1]!, frame);
      init = await encodePng(warpImage(painted[i - 1]!, flow));
      options.init = 'picture';
    }
    const offset = done;
    const result = await stylize(
      { content: await encodePng(frame), styles: request.styles, options, ...(init ? { init } : {}) },
      {
        ...(hooks.signal ? { signal: hooks.signal } : {}),
        ...(hooks.minScaleSide !== undefined ? { minScaleSide: hooks.minScaleSide } : {}),
        onProgress: (p) => {
          const iteration = offset + p.iteration;
          const elapsedMs = performance.now() - t0;
          const etaMs = iteration > 0 ? (elapsedMs / iteration) * (total - iteration) : p.etaMs;
          hooks.onProgress?.({ ...p, iteration, total, elapsedMs, etaMs, frame: i + 1, frames: frames.length });
        },
      },
    );
    let picture = await decodeImage(result.png);
    if (picture.width !== frame.width || picture.height !== frame.height) picture = await resizeExact(picture, frame.width, frame.height);
    painted.push(picture);
    results.push(result);
    done += options.iterations ?? firstIterations;
    frameMs.push(performance.now() - started);
  }
  return { animation: { ...input, frames: painted }, results, frameMs };
}

/**
 * Flicker: the mean absolute change between consecutive frames of `output` (all channels, 0..255), divided by the
 * same for `input`. 1 means the painting changes as much as the photo does; a painting that flickers is well above.
 * Also `warped`: the same with each earlier frame first moved by the input's flow, so that motion is not counted.
 */
export function flicker(
  input: RgbImage[],
  output: RgbImage[],
): { ratio: number; output: number; input: number; warpedOutput: number; warpedInput: number } {
  if (input.length !== output.length || input.length < 2) throw new RangeError('flicker needs two or more frames on each side, as many');
  let inSum = 0;
  let outSum = 0;
  let wIn = 0;
  let wOut = 0;
  for (let i = 1; i < input.length; i++) {
    const flow = lucasKanadeFlow(input[i - 1]!, input[i]!);
    inSum += meanAbs(input[i - 1]!, input[i]!);
    outSum += meanAbs(output[i - 1]!, output[i]!);
    wIn += meanAbs(warpImage(input[i - 1]!, flow), input[i]!);
    wOut += meanAbs(warpImage(output[i - 1]!, flow), output[i]!);
  }
  const pairs = input.length - 1;
  return { ratio: outSum / inSum, output: outSum / pairs, input: inSum / pairs, warpedOutput: wOut / pairs, warpedInput: wIn / pairs };
}

function meanAbs(a: RgbImage, b: RgbImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

// `stylebot stylize photo.gif painting.jpg -o out.gif`: an animated photo painted frame by frame (src/animation/).
import { writeFile } from 'node:fs/promises';
import { decodeAnimation, encodeAnimation, type Animation, type AnimationFormat } from '../images/frames.js';
import { ImageError } from '../images/index.js';
import { stylizeAnimation, type Coherence } from '../animation/animate.js';
import type { StyleInput, StylizeHooks, StylizeOptions, StylizeRequest, StylizeResult } from '../engine/types.js';
import type { ProgressBar } from './progress.js';
import { UsageError } from './shared.js';

export interface AnimationPlan {
  format: AnimationFormat;
  coherence: Coherence;
  maxFrames: number;
  laterIterations?: number;
}

/** The photo's frames at the output size; ImageError becomes a UsageError naming the file. */
export async function readAnimation(path: string, bytes: Uint8Array, size: number, maxFrames: number): Promise<Animation> {
  try {
    return await decodeAnimation(bytes, { longestSide: size, maxFrames });
  } catch (error) {
    if (error instanceof ImageError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}

/** Paints the frames, writes the animation in the output's format, and returns what the JSON line reports. */
export async function paintAnimation(
  input: Animation,
  plan: AnimationPlan,
  request: { styles: StyleInput[]; options: Partial<StylizeOptions> },
  output: string,
  stylize: (request: StylizeRequest, hooks?: StylizeHooks) => Promise<StylizeResult>,
  bar: ProgressBar,
  printRate: number,
  signal: AbortSignal,
): Promise<{ frames: number; width: number; height: number; backend: string; seed: number; frameMs: number[]; iterations: number[] }> {
  const painted = await stylizeAnimation(
    input,
    request,
    { coherence: plan.coherence, ...(plan.laterIterations ? { laterIterations: plan.laterIterations } : {}) },
    stylize,
    {
      signal,
      onProgress: (p) => {
        if (p.iteration % printRate === 0 || p.iteration === p.total) bar.update(p);
      },
    },
  );
  bar.finish();
  await writeFile(output, await encodeAnimation({ ...painted.animation, format: plan.format }));
  const first = painted.results[0]!;
  return {
    frames: painted.animation.frames.length,
    width: painted.animation.frames[0]!.width,
    height: painted.animation.frames[0]!.height,
    backend: first.backend,
    seed: first.seed,
    frameMs: painted.frameMs.map((ms) => Math.round(ms)),
    iterations: painted.results.map((r) => r.iterations),
  };
}

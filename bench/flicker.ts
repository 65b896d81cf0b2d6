// `npm run bench -- flicker [--size N] [--frames N] [--shift PX] [--iterations N] [--frame-iterations N] [--style NAME]`:
// how much a painted animation flickers with and without temporal coherence (src/animation/), on a synthetic
// animation (the Neckarfront photo panned PX pixels a frame). Flicker = mean |frame n - frame n-1| of the painting
// over the same of the photo; "after flow" first moves frame n-1 by the photo's flow, so only change beyond the
// motion counts. Writes the animations and their frames to bench/quality-out/flicker/ (not kept in git).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { flicker, stylizeAnimation, type Coherence } from '../src/animation/animate.js';
import { encodeAnimation, type Animation } from '../src/images/frames.js';
import { encodePng, type RgbImage } from '../src/images/index.js';

const SHARED = resolve(process.env.STYLEBOT_SHARED ?? new URL('../../shared', import.meta.url).pathname);
const OUT = new URL('./quality-out/flicker/', import.meta.url).pathname;

/** The photo panned `shift` px right a frame: frames of width x height cut from one wider resize. */
export async function pannedPhoto(path: string, width: number, height: number, frames: number, shift: number): Promise<Animation> {
  const wide = width + shift * (frames - 1);
  const { data } = await sharp(path).resize(wide, height, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const list: RgbImage[] = [];
  for (let f = 0; f < frames; f++) {
    const frame = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++)
      frame.set(data.subarray((y * wide + f * shift) * 3, (y * wide + f * shift + width) * 3), y * width * 3);
    list.push({ width, height, data: frame });
  }
  return { format: 'gif', frames: list, delays: list.map(() => 125), loop: 0 };
}

export async function runFlickerBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      frames: { type: 'string' },
      shift: { type: 'string' },
      iterations: { type: 'string' },
      'frame-iterations': { type: 'string' },
      style: { type: 'string' },
    },
  });
  const size = Number(values.size ?? 96);
  const frameCount = Number(values.frames ?? 8);
  const shift = Number(values.shift ?? 2);
  const iterations = Number(values.iterations ?? 40);
  const later = Number(values['frame-iterations'] ?? 16);
  const style = values.style ?? 'starry_night';
  const { initBackend, stylize } = await import('../src/engine/index.js');
  const backend = await initBackend('auto');
  const input = await pannedPhoto(
    join(SHARED, 'images', 'content', 'tuebingen_neckarfront.jpg'),
    size,
    Math.round((size * 3) / 4),
    frameCount,
    shift,
  );
  const styleBytes = new Uint8Array(await sharp(join(SHARED, 'images', 'styles', `${style}.jpg`)).toBuffer());
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, 'input.gif'), await encodeAnimation(input));
  console.log(
    `Flicker, ${backend}, ${frameCount} frames of ${size}x${input.frames[0]!.height} panned ${shift} px a frame, ${style}, ` +
      `${iterations} iterations for the first frame and ${later} for each later one, seed 1`,
  );
  console.log('| coherence | flicker (painting / photo) | after flow (painting / photo) | s first frame | s per later frame |');
  console.log('|---|---|---|---|---|');
  for (const coherence of ['none', 'flow'] as Coherence[]) {
    const painted = await stylizeAnimation(
      input,
      { styles: [{ image: styleBytes, name: style }], options: { size, iterations, seed: 1, scales: 1 } },
      { coherence, laterIterations: later },
      stylize,
    );
    const f = flicker(input.frames, painted.animation.frames);
    writeFileSync(join(OUT, `${coherence}.gif`), await encodeAnimation(painted.animation));
    for (const [i, frame] of painted.animation.frames.entries()) writeFileSync(join(OUT, `${coherence}-${i}.png`), await encodePng(frame));
    const laterMs = painted.frameMs.slice(1);
    console.log(
      `| ${coherence} | ${f.ratio.toFixed(2)} (${f.output.toFixed(1)} / ${f.input.toFixed(1)}) | ${(f.warpedOutput / f.warpedInput).toFixed(2)} (${f.warpedOutput.toFixed(1)} / ${f.warpedInput.toFixed(1)}) | ` +
        `${(painted.frameMs[0]! / 1000).toFixed(1)} | ${(laterMs.reduce((a, b) => a + b, 0) / laterMs.length / 1000).toFixed(1)} |`,
    );
  }
  console.log(`Animations and frames in ${OUT}`);
}

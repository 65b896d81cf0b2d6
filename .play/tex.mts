import { readFileSync } from 'node:fs';
process.env.STYLEBOT_MODEL_DIR = '/work/shared/models/vgg19';
const { initBackend } = await import('/work/wt-merge/src/engine/backend.ts');
const { stylize } = await import('/work/wt-merge/src/engine/stylize.ts');
const scream = readFileSync('/work/shared/images/styles/the_scream.jpg');
for (const b of ['wasm'] as const) {
  await initBackend(b);
  for (const init of ['noise'] as const) {
    const r = await stylize({ styles: [{ image: scream }], options: { size: 40, iterations: 12, seed: 5, init, progressEvery: 1 } }, { onProgress: (p) => console.log(b, p.iteration, p.losses?.total) });
    console.log(b, 'initial', r.losses.initial.total, 'final', r.losses.final.total);
  }
}

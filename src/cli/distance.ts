// `stylebot distance A B [--json]`: the style distance of two images (Gram matrices on VGG-19, layer by layer).
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { BackendName } from '../engine/types.js';
import { ImageError, probeImage } from '../images/index.js';

// The engine is imported only after the arguments are checked, so mistakes fail fast.
const BACKEND_NAMES: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
const LAYERS = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'];

const USAGE = `Usage: stylebot distance A B [--json] [--backend NAME]

Prints how far apart the styles of images A and B are: the Gatys style loss between their Gram matrices at
${LAYERS.join(', ')}, and the sum. 0 means the same style statistics.
  --json          print {a, b, total, perLayer} on stdout
  --backend NAME  auto, ${BACKEND_NAMES.join(', ')}`;

export async function run(argv: string[]): Promise<number> {
  let values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        json: { type: 'boolean', default: false },
        backend: { type: 'string', default: 'auto' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    console.error(`stylebot distance: ${(error as Error).message.replace(/\. To specify .*$/s, '')}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 2) {
    console.error(`stylebot distance: give exactly two images (got ${positionals.length}).\n\n${USAGE}`);
    return 2;
  }
  const backend = values.backend as BackendName | 'auto';
  if (backend !== 'auto' && !BACKEND_NAMES.includes(backend)) {
    console.error(`stylebot distance: backend must be auto or one of ${BACKEND_NAMES.join(', ')} (got "${values.backend}")`);
    return 2;
  }

  const images: Uint8Array[] = [];
  for (const path of positionals) {
    try {
      const bytes = await readFile(path);
      await probeImage(bytes);
      images.push(bytes);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = error instanceof ImageError ? error.message : code === 'ENOENT' ? 'no such file' : (error as Error).message;
      console.error(`stylebot distance: ${path}: ${why}`);
      return 2;
    }
  }

  try {
    const { initBackend, styleDistance } = await import('../engine/index.js');
    if (backend !== 'auto') await initBackend(backend);
    const { total, perLayer } = await styleDistance(images[0]!, images[1]!);
    if (values.json) {
      console.log(JSON.stringify({ a: positionals[0], b: positionals[1], total, perLayer }));
    } else {
      console.log(`style distance: ${total.toExponential(4)}`);
      perLayer.forEach((value, i) => console.log(`  ${LAYERS[i]}: ${value.toExponential(4)}`));
    }
    return 0;
  } catch (error) {
    console.error(`stylebot distance: ${(error as Error).message}`);
    return 1;
  }
}

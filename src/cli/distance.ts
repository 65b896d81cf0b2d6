// `stylebot distance A B [--json]`: the style distance of two images (Gram matrices on VGG-19, layer by layer).
import { BACKEND_NAMES } from '../options/backends.js';
import { parseBackend, parseCommandLine, readImageFile } from './shared.js';

const LAYERS = ['conv1_1', 'conv2_1', 'conv3_1', 'conv4_1', 'conv5_1'];

const USAGE = `Usage: stylebot distance A B [--json] [--backend NAME]

Prints how far apart the styles of images A and B are: the Gatys style loss between their Gram matrices at
${LAYERS.join(', ')}, and the sum. 0 means the same style statistics.
  --json          print {a, b, total, perLayer} on stdout
  --backend NAME  auto, ${BACKEND_NAMES.join(', ')}`;

const FLAGS = {
  json: { type: 'boolean', default: false },
  backend: { type: 'string', default: 'auto' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, FLAGS);
  } catch (error) {
    console.error(`stylebot distance: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 2) {
    console.error(`stylebot distance: give exactly two images (got ${positionals.length}).\n\n${USAGE}`);
    return 2;
  }

  let backend;
  const images: Uint8Array[] = [];
  try {
    backend = parseBackend(values.backend);
    for (const path of positionals) images.push(await readImageFile(path));
  } catch (error) {
    console.error(`stylebot distance: ${(error as Error).message}`);
    return 2;
  }

  try {
    // The engine is imported only after the arguments are checked, so mistakes fail fast.
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

// `stylebot calibrate`: measures what an iteration costs on this machine (a few seconds: three small pictures, a few
// iterations each) and stores it in the data folder's cost book (engine/cost-book.ts), where the bot's default size,
// estimates and refusals read it. Every finished job refines the same book; this gives a new machine its numbers at once.
import sharp from 'sharp';
import { join } from 'node:path';
import { BACKEND_NAMES } from '../engine/backend-names.js';
import { COST_BOOK_FILE, CostBook, samplesOfRun } from '../engine/cost-book.js';
import { jobServiceOptionsFromEnv } from '../jobs/options.js';
import { parseBackend, parseCommandLine } from './shared.js';

/** Longest sides measured: small enough for seconds on a 2-core CPU, far enough apart to fit a line. */
const SIDES = [96, 160, 224];
const ITERATIONS = 5;

const USAGE = `Usage: stylebot calibrate [--backend NAME] [--json]

Times a few iterations at ${SIDES.join(', ')} px on this machine and stores the cost per iteration in
STYLEBOT_DATA_DIR/${COST_BOOK_FILE}, where the bot's default picture size, estimates and refusals read it.
  --backend NAME  auto, ${BACKEND_NAMES.join(', ')}
  --json          print the fitted cost as JSON`;

const FLAGS = {
  json: { type: 'boolean', default: false },
  backend: { type: 'string', default: 'auto' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** A 4:3 test card: a photo-like gradient with edges, so the style and content terms have work to do. */
async function testCard(width: number, height: number, seed: number): Promise<Uint8Array> {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = (y * 255) / height;
      data[i + 2] = ((x ^ y ^ seed) & 16) * 12;
    }
  }
  return new Uint8Array(
    await sharp(data, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, FLAGS);
  } catch (error) {
    console.error(`stylebot calibrate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    console.log(USAGE);
    return 0;
  }
  let backendChoice;
  let dataDir;
  try {
    backendChoice = parseBackend(parsed.values.backend);
    dataDir = jobServiceOptionsFromEnv().dataDir;
  } catch (error) {
    console.error(`stylebot calibrate: ${(error as Error).message}`);
    return 2;
  }
  const { initBackend, stylize } = await import('../engine/index.js');
  const backend = await initBackend(backendChoice);
  const book = CostBook.open(join(dataDir, COST_BOOK_FILE));
  const content = await testCard(320, 240, 0);
  const style = await testCard(240, 240, 7);
  let threads = 1;
  // A first short run loads the weights and builds the graph: not part of an iteration's cost.
  await stylize({ content, styles: [{ image: style }], options: { size: SIDES[0]!, iterations: 2, scales: 1, seed: 1, previewSize: 0 } });
  for (const side of SIDES) {
    const result = await stylize({
      content,
      styles: [{ image: style }],
      options: { size: side, iterations: ITERATIONS, scales: 1, seed: 1, previewSize: 0 },
    });
    threads = result.threads ?? 1;
    book.record(backend, threads, samplesOfRun(result.scales, Date.now()));
    if (!parsed.values.json)
      console.error(`${side} px: ${Math.round(result.scales[0]?.msPerIteration ?? result.msPerIteration)} ms an iteration`);
  }
  const cost = book.cost(backend, threads);
  if (parsed.values.json) console.log(JSON.stringify(cost));
  else
    console.log(
      `${backend} with ${threads} thread${threads === 1 ? '' : 's'}: ${Math.round(cost.fixedMs)} ms + ${Math.round(cost.msPerMegapixel)} ms per megapixel an iteration; stored in ${join(dataDir, COST_BOOK_FILE)}.`,
    );
  return 0;
}

// `stylebot models fetch|convert|verify`: get the VGG-19 weights the engine needs, and check them.
import { convertLocalVgg19, fetchVgg19, readModelSource, resolveTargetDir, verifyModelDir } from '../models/index.js';
import { parseCommandLine } from './shared.js';

const USAGE = `Usage: stylebot models fetch   [--dir DIR] [--url URL]
       stylebot models convert FILE.h5 [--dir DIR]
       stylebot models verify  [--dir DIR]

  fetch    download the Keras VGG-19 no-top weights (${readModelSource('vgg19').file}),
           check their MD5 and convert them to the TF.js weights format the engine loads
  convert  the same from a copy of that .h5 file you already have (no network)
  verify   check that a folder holds all 32 VGG-19 conv tensors with the right shapes, and that they load
  --dir DIR  the weights folder (default: STYLEBOT_MODEL_DIR, else <repo>/models/vgg19)
  --url URL  download from a mirror (default: STYLEBOT_WEIGHTS_URL, else the URL in models/checksums.json)`;

const FLAGS = {
  dir: { type: 'string' },
  url: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, FLAGS);
  } catch (error) {
    console.error(`stylebot models: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, ...rest] = positionals;
  if (values.help || action === undefined) {
    (values.help ? console.log : console.error)(USAGE);
    return values.help ? 0 : 2;
  }
  const dir = resolveTargetDir(values.dir);
  const expectArgs = (count: number): boolean => {
    if (rest.length === count) return true;
    console.error(`stylebot models ${action}: unexpected arguments: ${rest.join(' ') || '(none)'}\n\n${USAGE}`);
    return false;
  };

  try {
    switch (action) {
      case 'fetch': {
        if (!expectArgs(0)) return 2;
        let lastShown = -1;
        const result = await fetchVgg19({
          dir,
          url: values.url,
          onProgress: (received, total) => {
            const mb = Math.floor(received / (1024 * 1024));
            if (mb === lastShown) return;
            lastShown = mb;
            const of = total ? ` of ${(total / (1024 * 1024)).toFixed(0)} MB` : ' MB';
            process.stderr.write(process.stderr.isTTY ? `\rDownloading: ${mb}${of}` : '');
          },
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        console.log(`Downloaded ${result.url} (${result.downloadedBytes} bytes, MD5 ${result.md5} ok).`);
        console.log(`Wrote ${result.tensors} tensors (${result.parameters} parameters) to ${result.dir}.`);
        return 0;
      }
      case 'convert': {
        if (!expectArgs(1)) return 2;
        const result = await convertLocalVgg19(rest[0]!, { dir });
        console.log(`${rest[0]}: MD5 ${result.md5} ok. Wrote ${result.tensors} tensors to ${result.dir}.`);
        return 0;
      }
      case 'verify': {
        if (!expectArgs(0)) return 2;
        const result = await verifyModelDir(dir);
        console.log(`${result.dir}: ${result.tensors} tensors, ${result.parameters} parameters, all present and loadable.`);
        return 0;
      }
      default:
        console.error(`stylebot models: unknown action "${action}": use fetch, convert or verify.\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    console.error(`stylebot models ${action}: ${(error as Error).message}`);
    return 1;
  }
}

// The page script, bundled from client/app.ts by esbuild when the studio starts (about 50 ms; no build step).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const ENTRY = fileURLToPath(new URL('./client/app.ts', import.meta.url));

/** Bundles and minifies client/app.ts for current browsers; throws esbuild's error when the source is broken. */
export async function bundleClient(): Promise<string> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    minify: true,
    legalComments: 'none',
  });
  return result.outputFiles[0]!.text;
}

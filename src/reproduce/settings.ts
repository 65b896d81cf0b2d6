// The settings a picture was painted with, carried inside the result PNG as iTXt chunks (png-text.ts) so that the
// file alone says how it was made and `stylebot stylize --from picture.png` can paint it again.
import { readFileSync } from 'node:fs';
import { readPngText, writePngText, isPng, type PngText } from '../images/png-text.js';
import type { StylizeOptions, StylizeRequest, StylizeResult } from '../engine/types.js';

/** What a result PNG carries. */
export interface PictureSettings {
  /** The Stylebot version (package.json) that painted it. */
  version: string;
  /** The engine options as resolved for the run (styleWeight filled in from the size and styleStrength). */
  options: Partial<StylizeOptions>;
  /** The paintings by name (file name, or "artist/work"), each with its normalised blend weight. */
  styles: { name: string; weight: number }[];
  seed: number;
  /** The backend that ran it (e.g. "onnxruntime", "wasm"). */
  backend: string;
}

/** iTXt keywords, one item each, so that any PNG tool shows them one per line. */
export const SETTINGS_KEYWORDS = {
  version: 'stylebot:version',
  options: 'stylebot:options',
  styles: 'stylebot:styles',
  seed: 'stylebot:seed',
  backend: 'stylebot:backend',
} as const;

/** Options that describe the run's reporting, not the picture. */
const NOT_PICTURE: readonly (keyof StylizeOptions)[] = ['progressEvery', 'previewSize'];

let cachedVersion: string | undefined;
/** This package's version from package.json. */
export function stylebotVersion(): string {
  cachedVersion ??= (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  return cachedVersion;
}

/** The settings of a finished run, from the request it was given and the result it gave. */
export function settingsOf(request: StylizeRequest, result: StylizeResult): PictureSettings {
  const options: Partial<StylizeOptions> = { ...result.options };
  for (const key of NOT_PICTURE) delete options[key];
  const total = request.styles.reduce((s, st) => s + (st.weight ?? 1), 0);
  // 'closest' names only the work it took (result.styles); otherwise the request's styles are the ones blended.
  const styles =
    result.styles.length === request.styles.length
      ? request.styles.map((s, i) => ({ name: result.styles[i] ?? s.name ?? `style ${i + 1}`, weight: (s.weight ?? 1) / total }))
      : result.styles.map((name) => ({ name, weight: 1 / result.styles.length }));
  return { version: stylebotVersion(), options, styles, seed: result.seed, backend: result.backend };
}

/**
 * The PNG with its settings written into it (iTXt chunks after IHDR; the pixels are untouched). Bytes that are not
 * a PNG (a stand-in engine's) are returned as they are.
 */
export function embedSettings(png: Uint8Array, settings: PictureSettings): Uint8Array {
  if (!isPng(png)) return png;
  const entries: PngText[] = [
    { keyword: SETTINGS_KEYWORDS.version, text: settings.version },
    { keyword: SETTINGS_KEYWORDS.options, text: JSON.stringify(settings.options) },
    { keyword: SETTINGS_KEYWORDS.styles, text: JSON.stringify(settings.styles) },
    { keyword: SETTINGS_KEYWORDS.seed, text: String(settings.seed) },
    { keyword: SETTINGS_KEYWORDS.backend, text: settings.backend },
  ];
  return writePngText(png, entries);
}

/**
 * The settings a Stylebot PNG carries, or null when the file is not a PNG or carries none (e.g. a photo, or a
 * picture from before settings were written). Throws SyntaxError when the chunks are there but damaged.
 */
export function readSettings(bytes: Uint8Array): PictureSettings | null {
  if (!isPng(bytes)) return null;
  let texts: PngText[];
  try {
    texts = readPngText(bytes);
  } catch {
    return null;
  }
  const get = (keyword: string) => texts.find((t) => t.keyword === keyword)?.text;
  const options = get(SETTINGS_KEYWORDS.options);
  const seed = get(SETTINGS_KEYWORDS.seed);
  if (options === undefined || seed === undefined) return null;
  const parsedOptions = JSON.parse(options) as unknown;
  const parsedStyles = JSON.parse(get(SETTINGS_KEYWORDS.styles) ?? '[]') as unknown;
  if (typeof parsedOptions !== 'object' || parsedOptions === null || Array.isArray(parsedOptions) || !Array.isArray(parsedStyles)) {
    throw new SyntaxError('the Stylebot settings in this PNG are damaged');
  }
  const seedNumber = Number(seed);
  if (!Number.isSafeInteger(seedNumber)) throw new SyntaxError(`the seed in this PNG is not a whole number ("${seed}")`);
  return {
    version: get(SETTINGS_KEYWORDS.version) ?? 'unknown',
    options: parsedOptions as Partial<StylizeOptions>,
    styles: parsedStyles as PictureSettings['styles'],
    seed: seedNumber,
    backend: get(SETTINGS_KEYWORDS.backend) ?? 'unknown',
  };
}

// Plumbing the file-based subcommands share: strict flag parsing, the --backend check and reading input images.
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BACKEND_NAMES } from '../options/backends.js';
import type { BackendName } from '../options/types.js';
import { ImageError, probeImage } from '../images/index.js';

/** A problem with what the user typed or gave: the subcommand prints it on one line and exits with 2. */
export class UsageError extends Error {}

/** Parses flags and positionals strictly; an unknown or malformed flag becomes a UsageError. */
export function parseCommandLine<const Options extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: Options) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node appends advice about "--" that does not fit our subcommands.
    throw new UsageError((error as Error).message.replace(/\. To specify .*$/s, ''));
  }
}

/** Checks a --backend value before the engine is loaded, so a typo fails in a moment. */
export function parseBackend(raw: string | undefined): BackendName | 'auto' {
  const backend = (raw ?? 'auto') as BackendName | 'auto';
  if (backend !== 'auto' && !BACKEND_NAMES.includes(backend)) {
    throw new UsageError(`backend must be auto or one of ${BACKEND_NAMES.join(', ')} (got "${raw}")`);
  }
  return backend;
}

/** Reads and checks an image file before any work starts, so a bad file fails in a second, not after minutes. */
export async function readImageFile(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
    throw new UsageError(`cannot read ${path}: ${why}`);
  }
  try {
    await probeImage(bytes);
  } catch (error) {
    if (error instanceof ImageError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
  return bytes;
}

// The user-facing stylize options as the engine takes them. The definitions live in src/options/ (one table for
// every surface); this is the entry point the CLI and the chat commands have always used.
import type { StylizeOptions } from './types.js';
import { parseOptions, type RawOptions } from '../options/schema.js';
import type { Surface } from '../options/fields.js';

export type { RawOptions };

/**
 * Turns loosely typed options (from flags or chat) into engine options. Accepts kebab-case, snake_case and
 * camelCase names; undefined values are skipped. Throws UserError('bad_option') with a message for the user.
 * style-blend-weights and backend are not engine options: use parseOptions for them.
 */
export function parseStylizeOptions(raw: RawOptions, surface: Surface = 'cli'): Partial<StylizeOptions> {
  return parseOptions(raw, surface).options;
}

// Message catalogues: the words of the commands' names and descriptions on Discord and of the replies that have been
// translated so far, per locale (Discord's locale codes: de, fr, es-ES, ja, pt-BR). English is the source and the
// fallback: a message missing in a catalogue, or a locale without one, is answered in English.
import { de } from './de.js';
import { en, type Catalogue, type MessageKey } from './en.js';
import { es } from './es.js';
import { fr } from './fr.js';
import { ja } from './ja.js';
import { ptBR } from './pt-BR.js';

export type { Catalogue, MessageKey };

/** Discord locale code -> catalogue (partial: what is missing falls back to English). */
export const CATALOGUES: Readonly<Record<string, Partial<Catalogue>>> = { de, fr, 'es-ES': es, 'es-419': es, ja, 'pt-BR': ptBR };

/** The locales command names and descriptions are registered in. */
export const COMMAND_LOCALES = ['de', 'fr', 'es-ES', 'ja', 'pt-BR'] as const;

/**
 * The message `key` in `locale` (a Discord locale such as "fr" or "pt-BR"; undefined or unknown: English), with
 * {name} placeholders replaced by `values`.
 */
export function t(locale: string | undefined, key: MessageKey, values: Record<string, string> = {}): string {
  const text = (locale ? (CATALOGUES[locale]?.[key] ?? CATALOGUES[locale.split('-')[0]!]?.[key]) : undefined) ?? en[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** `key` in every registered locale that has it: Discord's *_localizations object. */
export function localizations(key: MessageKey): Record<string, string> {
  const out: Record<string, string> = {};
  for (const locale of COMMAND_LOCALES) {
    const text = CATALOGUES[locale]?.[key];
    if (text) out[locale] = text;
  }
  return out;
}

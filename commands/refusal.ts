// Which kind of refusal a user error is, for surfaces that answer with a status (the studio's HTTP codes).
import type { UserErrorCode } from '../src/errors.js';
import type { RefusalCode } from './types.js';

const REFUSAL_OF: Partial<Record<UserErrorCode, RefusalCode>> = {
  too_large: 'too_large',
  too_many_pixels: 'too_large',
  unsupported: 'not_image',
  corrupt: 'not_image',
  empty: 'not_image',
  unknown_artist: 'unknown_artist',
  no_artworks: 'unknown_artist',
  not_allowed: 'forbidden',
};

/** The refusal kind of a UserError's code; codes without a kind of their own are 'invalid'. */
export function refusalCodeOf(code: string): RefusalCode {
  return REFUSAL_OF[code as UserErrorCode] ?? 'invalid';
}

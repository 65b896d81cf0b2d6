// The one line between what a user may read and what only the operator may. A UserError is created on purpose
// where a check fails, with a stable code and a message written for the person who asked. Every other error is
// internal: the user gets an apology with an error id (boundary.ts), the log the whole error under the same id.
import { randomBytes } from 'node:crypto';

/**
 * Stable codes of user errors (safe to match on in tests, the studio's API and metrics).
 * - bad_option: an option value outside its range, or options that do not work together
 * - too_large, too_many_pixels, unsupported, corrupt, empty: an image that cannot be used (src/images)
 * - bad_request: anything else wrong in what was asked (missing input, unknown command word, bad file name)
 * - unknown_artist, no_artworks: the artist corpus has no such artist, or no usable work for it
 * - not_allowed: the requester may not do this (admin only, someone else's job)
 * - foreign_file: an attachment link outside the platform's own file hosts
 * - too_large: a body or file over its limit
 * - not_finite: the optimisation produced a non-finite loss or gradient (weights too large for float32)
 * - output: a CLI output destination cannot be written
 */
export type UserErrorCode =
  | 'bad_option'
  | 'too_many_pixels'
  | 'unsupported'
  | 'corrupt'
  | 'empty'
  | 'bad_request'
  | 'unknown_artist'
  | 'no_artworks'
  | 'not_allowed'
  | 'foreign_file'
  | 'too_large'
  | 'not_finite'
  | 'output';

/** An error whose message may be shown as is to the person who caused it. */
export class UserError extends Error {
  readonly code: UserErrorCode;
  readonly userReadable = true as const;
  constructor(code: UserErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UserError';
    this.code = code;
  }
}

/**
 * True for a UserError, also one that crossed a worker-thread boundary as a plain object with the same fields
 * (structured clone keeps name, message and own properties, not the class).
 */
export function isUserError(error: unknown): error is UserError {
  if (error instanceof UserError) return true;
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { userReadable?: unknown }).userReadable === true &&
    typeof (error as { message?: unknown }).message === 'string' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

/** A short random id (8 hex digits) that ties an apology to its log line. */
export function newErrorId(): string {
  return randomBytes(4).toString('hex');
}

/** What the user sees for an internal error. */
export function apology(errorId: string): string {
  return `Sorry, that failed on the bot's side (error id ${errorId}). Please try again later, or tell an admin the id.`;
}

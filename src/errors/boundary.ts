// The one boundary where an error that was not raised on purpose gets its error id: it is logged whole, at the level
// its catalogue row names, and the person who asked gets an apology with the id (or, for a store that is down or a
// service that is stopping, a "try again shortly" with the id). Every surface (commands, the studio's error handler,
// the job core's enqueue) goes through here.
import { outcome, type LogLevel, type RefusalCode } from './catalogue.js';
import { isStorageUnavailable, UnavailableError } from './storage.js';
import { apology, isUserError, newErrorId, type UserErrorCode } from './user-error.js';

const REFUSAL_OF_USER_ERROR: Partial<Record<UserErrorCode, RefusalCode>> = {
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
  return REFUSAL_OF_USER_ERROR[code as UserErrorCode] ?? 'invalid';
}

/** What the user sees when the service cannot serve now (store unreachable, shutting down). */
export function unavailableMessage(errorId: string, why = 'the bot cannot reach its storage right now'): string {
  return `Sorry, ${why} (error id ${errorId}). Nothing was lost; please try again in a minute.`;
}

/** The part of a logger the boundary needs (pino's Logger has it). */
export type OutcomeLogger = Record<LogLevel, (fields: object, message: string) => void>;

/** An OutcomeLogger over a one-string log function (the job core's `log` option): the error id and stack inline. */
export function lineLogger(log: (message: string) => void): OutcomeLogger {
  const write = (fields: object, message: string) => {
    const { err, errorId, ...rest } = fields as { err?: unknown; errorId?: string };
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    const where = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    log(`${message} (error id ${errorId ?? '-'})${where}: ${detail}`);
  };
  return { debug: write, info: write, warn: write, error: write };
}

export interface Failure {
  /** The catalogue row's code: what status, refusal kind and log level the failure has. */
  refusal: RefusalCode;
  /** The text for the person who asked. */
  text: string;
  /** Set for internal and unavailable failures: the log line with the whole error carries it. */
  errorId?: string;
  /** The UserError's own code, when it was one. */
  code?: UserErrorCode;
}

/**
 * Classifies any thrown value: a UserError keeps its message and code; a store outage or a shutdown becomes
 * 'unavailable' (503, Retry-After); anything else 'internal' (500). Non-user failures are logged with their id and
 * `context` (command, platform, url ...) at their catalogue level.
 */
export function failureOf(error: unknown, logger: OutcomeLogger, context: Record<string, unknown> = {}): Failure {
  if (isUserError(error)) return { refusal: refusalCodeOf(error.code), text: error.message, code: error.code };
  const errorId = newErrorId();
  if (isStorageUnavailable(error)) {
    const row = outcome('unavailable');
    logger[row.level]({ ...context, errorId, err: error }, 'service unavailable');
    const why = error instanceof UnavailableError ? error.message : undefined;
    return { refusal: 'unavailable', text: unavailableMessage(errorId, why), errorId };
  }
  logger[outcome('internal').level]({ ...context, errorId, err: error }, 'internal error');
  return { refusal: 'internal', text: apology(errorId), errorId };
}

/**
 * The text for the user: a UserError's own message, else an apology with a fresh error id, after logging the
 * whole error (message, stack, cause) with that id and `context` (command, platform, job...).
 */
export function userMessageFor(
  error: unknown,
  logger: OutcomeLogger,
  context: Record<string, unknown> = {},
): { text: string; errorId?: string; code?: string } {
  const failure = failureOf(error, logger, context);
  return { text: failure.text, ...(failure.errorId ? { errorId: failure.errorId } : {}), ...(failure.code ? { code: failure.code } : {}) };
}

// The one outcome catalogue: every way a request can end badly, as one row each. A surface never decides a status,
// a chat refusal kind or a log level itself; it looks the outcome's code up here (the HTTP status for the studio,
// the refusal kind for chat, the level for the log, and whether the message may be shown to the person who asked).

/** Who may read an outcome's message: the person who asked ('user'), or only the operator's log ('internal'). */
export type Audience = 'user' | 'internal';

/** The levels the log writes an outcome at (pino's names). */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The refusal kinds every surface understands (chat bots pick their wording and buttons by them, the studio its
 * status). 'unavailable' is a server that cannot serve now (storage down, shutting down): retry later.
 */
export type RefusalCode =
  | 'quota'
  | 'too_large'
  | 'not_image'
  | 'invalid'
  | 'unknown_artist'
  | 'forbidden'
  | 'not_found'
  | 'unauthorized'
  | 'unavailable'
  | 'internal';

export interface OutcomeRow {
  code: RefusalCode;
  audience: Audience;
  /** HTTP status the studio and the API answer with (RFC 9110 section 15). */
  status: number;
  level: LogLevel;
  /** Seconds a client should wait before trying again (sent as Retry-After); only for outcomes that pass. */
  retryAfterSeconds?: number;
}

/** One row per refusal kind. A new outcome is a new row here, and every surface knows it at once. */
export const OUTCOMES: Readonly<Record<RefusalCode, OutcomeRow>> = {
  invalid: { code: 'invalid', audience: 'user', status: 400, level: 'info' },
  not_image: { code: 'not_image', audience: 'user', status: 400, level: 'info' },
  unknown_artist: { code: 'unknown_artist', audience: 'user', status: 400, level: 'info' },
  unauthorized: { code: 'unauthorized', audience: 'user', status: 401, level: 'info' },
  forbidden: { code: 'forbidden', audience: 'user', status: 403, level: 'info' },
  not_found: { code: 'not_found', audience: 'user', status: 404, level: 'info' },
  too_large: { code: 'too_large', audience: 'user', status: 413, level: 'info' },
  quota: { code: 'quota', audience: 'user', status: 429, level: 'info' },
  internal: { code: 'internal', audience: 'internal', status: 500, level: 'error' },
  unavailable: { code: 'unavailable', audience: 'internal', status: 503, level: 'warn', retryAfterSeconds: 30 },
};

/** The row of a refusal kind (an unknown kind is treated as internal: a bug, not the client's doing). */
export function outcome(code: string): OutcomeRow {
  return OUTCOMES[code as RefusalCode] ?? OUTCOMES.internal;
}

/**
 * The core's refusals as one discriminated type: what the job core answers when it will not do what was asked.
 * `errorId` is set for internal and unavailable outcomes (the log line with the whole error carries the same id).
 */
export interface Refusal {
  ok: false;
  reason: RefusalCode;
  message: string;
  errorId?: string;
}

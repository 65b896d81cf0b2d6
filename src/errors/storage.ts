// Which thrown errors mean "the store cannot serve now" (a server fault to retry later, HTTP 503), as opposed to
// a bug (500). Both stores report outages their own way; this is the one place that knows their shapes.

/** Raised on purpose by the job core when it will not take work (shutting down) or its store is known to be down. */
export class UnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnavailableError';
  }
}

/** PostgreSQL SQLSTATE classes of a server that is going away or cannot be reached (class 08, 57P0x, 53xxx). */
const PG_UNAVAILABLE = /^(08|53|57P0)/;
/** Node's socket errors when the database host does not answer. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** SQLite result codes of a file that cannot be written or read now (busy, locked, full, I/O, cannot open). */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY)/;
/** Messages of a client whose connection or pool is gone (pg, better-sqlite3). */
const CLOSED_MESSAGES =
  /Connection terminated|Cannot use a pool after calling end|The database connection is not open|Client has encountered a connection error|timeout exceeded when trying to connect/i;

/** True when `error` (or one of its causes) says the store is unreachable, closed or out of space. */
export function isStorageUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof UnavailableError) return true;
    const code = (e as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      (SOCKET_CODES.has(code) || SQLITE_UNAVAILABLE.test(code) || (code.length === 5 && PG_UNAVAILABLE.test(code)))
    )
      return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && CLOSED_MESSAGES.test(message)) return true;
    if (e instanceof AggregateError && e.errors.some(isStorageUnavailable)) return true;
  }
  return false;
}

// One SQLite connection as the port implementations share it: prepared statements (each SQL text prepared once),
// and the retries around better-sqlite3's synchronous calls.
//
// better-sqlite3 is synchronous, so a write that meets another process's lock waits inside the event loop for
// busy_timeout. That timeout is kept short (BUSY_TIMEOUT_MS) and writes that matter are retried asynchronously
// (timers, so the loop keeps serving chat events) until busyRetryMs has passed; progress writes try once.
import type Database from 'better-sqlite3';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from './database.js';

/** How long one statement may wait for another process's lock while blocking the event loop. */
export const BUSY_TIMEOUT_MS = 25;

/** True for SQLite's "another connection holds the lock" errors, which are worth retrying. */
export function isBusyError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

export class SqliteConnection {
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;

  /** `busyRetryMs`: total time a write that matters keeps retrying while the database is locked. */
  constructor(
    readonly db: Db,
    private readonly busyRetryMs: number,
  ) {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }

  /** The prepared statement of one of the sql/ modules (prepared on first use). */
  sql(source: string): Database.Statement {
    let statement = this.statements.get(source);
    if (!statement) this.statements.set(source, (statement = this.db.prepare(source)));
    return statement;
  }

  /** Runs `fn` (synchronous SQL), retrying with growing pauses while the database is locked by another process. */
  async write<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.busyRetryMs;
    for (let pause = 20; ; pause = Math.min(pause * 2, 500)) {
      try {
        return fn();
      } catch (err) {
        if (!isBusyError(err) || Date.now() + pause > deadline || this.closed) throw err;
      }
      await sleep(pause);
    }
  }

  /** Reads retry too: a checkpoint or a schema change can make even a WAL reader wait. */
  read<T>(fn: () => T): Promise<T> {
    return this.write(fn);
  }

  /** `fn` as one IMMEDIATE transaction: the write lock first, so reads inside see what no other writer can change. */
  tx<T>(fn: () => T): () => T {
    const t = this.db.transaction(fn);
    return () => t.immediate();
  }

  /** Runs `fn` once without waiting for a lock at all (rejects with SQLITE_BUSY instead). */
  async once<T>(fn: () => T): Promise<T> {
    this.db.pragma('busy_timeout = 0');
    try {
      return fn();
    } finally {
      this.db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}

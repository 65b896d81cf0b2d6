// Connects to PostgreSQL (node-postgres pool) and applies the ordered .sql migrations of db/postgres/migrations.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const POSTGRES_MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Advisory-lock key that serialises migrations when several processes start at once ("stylebot" in ASCII). */
const MIGRATION_LOCK = 0x7374796c;

const INT8_OID = 20;

/**
 * BIGINT (epoch ms, counts, sums cast to bigint) as a JavaScript number instead of node-postgres' default string.
 * Exact up to 2^53, i.e. for every epoch millisecond until the year 287396.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export interface PostgresOptions {
  /** postgres://user:password@host:port/database (libpq's URL form; sslmode etc. as query parameters). */
  url: string;
  /** Connections in the pool (default 10). */
  max?: number;
  /** Named in pg_stat_activity, e.g. "stylebot worker gpu1:4242". */
  applicationName?: string;
}

/** Opens a connection pool with BIGINT parsed to numbers. Connections are made lazily; nothing is checked yet. */
export function createPool(options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'stylebot',
    types: TYPES,
  });
  // An idle connection dropped by the server (restart, network) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

/** A client with the same type parsing as createPool's, for LISTEN. */
export function createClient(options: PostgresOptions): pg.Client {
  return new pg.Client({ connectionString: options.url, application_name: options.applicationName ?? 'stylebot', types: TYPES });
}

/**
 * Applies every migration not yet recorded in schema_migrations, in file-name order, in one transaction under an
 * advisory lock, so processes starting together neither race nor half-apply (PostgreSQL's DDL is transactional).
 * Returns the names applied. Throws the server's error (with the file name) and leaves the schema unchanged.
 */
export async function applyPostgresMigrations(pool: pg.Pool, dir = POSTGRES_MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)`);
    const done = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((r) => r.name));
    const applied: string[] = [];
    for (const file of files) {
      if (done.has(file)) continue;
      try {
        await client.query(readFileSync(join(dir, file), 'utf8'));
      } catch (err) {
        throw new Error(`migration ${file} failed: ${(err as Error).message}`);
      }
      await client.query('INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)', [file, Date.now()]);
      applied.push(file);
    }
    await client.query('COMMIT');
    return applied;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** Runs fn in a transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A pool, or one of its connections inside a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/** The rows one of the sql/ statements returns. */
export async function rowsOf<R extends pg.QueryResultRow>(db: Queryable, sql: string, args: unknown[] = []): Promise<R[]> {
  return (await db.query<R>(sql, args)).rows;
}

/** How many rows one of the sql/ statements changed. */
export async function changesOf(db: Queryable, sql: string, args: unknown[] = []): Promise<number> {
  return (await db.query(sql, args)).rowCount ?? 0;
}

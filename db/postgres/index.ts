// The PostgreSQL store as a process opens it: connect, migrate, name the connections after the process.
import { PostgresStore } from './store.js';

export { PostgresStore } from './store.js';
export { ChangeFeed, type JobChange, type DeliveryQueued, type ChangeHandlers } from './changes.js';

export interface OpenPostgresOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** Names the process in pg_stat_activity: "front host:pid", "worker gpu1:4242". */
  role?: string;
  /** How the server is named in an error: the URL with its password hidden (the caller redacts). Default "the server". */
  shownAs?: string;
}

/**
 * Opens the shared store at `url`, applying pending migrations. Rejects with a message that names the server as
 * `shownAs` and the cause, e.g. "cannot use PostgreSQL at postgres://bot:***@db:5432/x: ECONNREFUSED".
 */
export async function openPostgresStore(url: string, options: OpenPostgresOptions = {}): Promise<PostgresStore> {
  try {
    return await PostgresStore.open({ url, max: options.poolSize, applicationName: `stylebot ${options.role ?? ''}`.trim() });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new Error(`cannot use PostgreSQL at ${options.shownAs ?? 'the server'}: ${e.message || e.code || String(err)}`);
  }
}

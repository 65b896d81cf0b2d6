// The PostgreSQL store as a process opens it: connect, migrate, name the connections after the process.
import { redactPassword } from '../../src/config.js';
import { PostgresStore } from './store.js';

export { PostgresStore } from './store.js';
export { ChangeFeed, type JobChange, type DeliveryQueued, type ChangeHandlers } from './changes.js';

/**
 * Opens the shared store at `url` with `poolSize` connections, applying pending migrations. `role` names the
 * process in pg_stat_activity ("front host:pid", "worker gpu1:4242"). Rejects with a message that names the
 * server (password hidden) and the cause, e.g. "cannot use PostgreSQL at postgres://bot:***@db:5432/x: ECONNREFUSED".
 */
export async function openPostgresStore(url: string, options: { poolSize?: number; role?: string } = {}): Promise<PostgresStore> {
  try {
    return await PostgresStore.open({ url, max: options.poolSize, applicationName: `stylebot ${options.role ?? ''}`.trim() });
  } catch (err) {
    const e = err as Error & { code?: string };
    throw new Error(`cannot use PostgreSQL at ${redactPassword(url)}: ${e.message || e.code || String(err)}`);
  }
}

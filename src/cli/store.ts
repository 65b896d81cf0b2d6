// The store a process uses, from its DatabaseConfig: the shared PostgreSQL store when STYLEBOT_DATABASE_URL is set,
// else undefined (the job service then opens its embedded SQLite database in the data folder).
import type { Store } from '../../db/store.js';
import type { DatabaseConfig } from '../config.js';

/** Opens (and migrates) the PostgreSQL store, or returns undefined for SQLite. Rejects with a readable reason. */
export async function openStore(config: DatabaseConfig, role: string): Promise<Store | undefined> {
  if (!config.postgresUrl) return undefined;
  const { openPostgresStore } = await import('../../db/postgres/index.js');
  return openPostgresStore(config.postgresUrl, { poolSize: config.poolSize, role });
}

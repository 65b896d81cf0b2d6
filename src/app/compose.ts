// The one place that knows every layer below the CLI: it picks the store (embedded SQLite or shared PostgreSQL) and
// the engine module the workers load, and builds the job service over them. The job core (src/jobs/) sees only its
// ports; db/ sees only those ports; the engine knows neither.
import { join } from 'node:path';
import { COST_BOOK_FILE, CostBook } from '../engine/cost-book.js';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../db/sqlite/store.js';
import { type DatabaseConfig, redactPassword } from '../config.js';
import type { JobServiceOptions } from '../jobs/options.js';
import type { Store } from '../jobs/ports.js';
import { StylebotJobService } from '../jobs/service.js';

/** The engine module workers load by default: the real Gatys engine and its backend selection (real-engine.ts). */
export const REAL_ENGINE_MODULE = fileURLToPath(new URL('./real-engine.ts', import.meta.url));

/** The embedded store: SQLite at <dataDir>/stylebot.db (WAL, migrated on open); older job folders are read from <dataDir>/jobs. */
export function openSqliteStore(dataDir: string): Store {
  return SqliteStore.open(join(dataDir, 'stylebot.db'), { legacyFilesDir: join(dataDir, 'jobs') });
}

/**
 * The shared PostgreSQL store when config.postgresUrl (STYLEBOT_DATABASE_URL) is set, opened and migrated, else
 * undefined (createJobService then opens the embedded SQLite store). `role` names this process in the server's
 * application_name. Rejects with a readable reason (no password in it).
 */
export async function openStore(config: DatabaseConfig, role: string): Promise<Store | undefined> {
  if (!config.postgresUrl) return undefined;
  const { openPostgresStore } = await import('../../db/postgres/index.js');
  return openPostgresStore(config.postgresUrl, { poolSize: config.poolSize, role, shownAs: redactPassword(config.postgresUrl) });
}

/**
 * Builds the job service: options.store, else the SQLite store in options.dataDir (migrating it); options.engineModule,
 * else the real engine; options.costBook, else the data folder's (engine/cost-book.ts). Register listeners with onEvents() before calling start(): start() re-queues and re-runs
 * interrupted jobs and emits their events. The service closes the store when it closes.
 */
export function createJobService(options: JobServiceOptions): StylebotJobService {
  return new StylebotJobService({
    ...options,
    store: options.store ?? openSqliteStore(options.dataDir),
    engineModule: options.engineModule ?? REAL_ENGINE_MODULE,
    costBook: options.costBook ?? CostBook.open(join(options.dataDir, COST_BOOK_FILE)),
  });
}

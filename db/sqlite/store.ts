// The embedded Store: one SQLite file (better-sqlite3, WAL), shared by the processes of one machine. The ports are
// implemented in jobs.ts, leases.ts, outbox.ts, quotas.ts, audit.ts, maintenance.ts and tokens.ts over one connection
// (connection.ts), their SQL one statement a file in sql/.
import { ComposedStore } from '../composed-store.js';
import { SqliteServerSettings } from './server-settings.js';
import { SqliteAuditLog } from './audit.js';
import { SqliteConnection } from './connection.js';
import { type Db, openDatabase } from './database.js';
import { SqliteJobs } from './jobs.js';
import { SqliteLeases } from './leases.js';
import { SqliteMaintenance } from './maintenance.js';
import { SqliteOutbox } from './outbox.js';
import { SqliteQuotas } from './quotas.js';
import { SqliteApiTokens } from './tokens.js';

export { BUSY_TIMEOUT_MS, isBusyError } from './connection.js';

export interface SqliteStoreOptions {
  /** Total time a write that matters keeps retrying while the database is locked (ms). Default 60000. */
  busyRetryMs?: number;
  /** Folder of job images written by versions before blobs (jobs/<id>/<file>): read when a blob is missing. */
  legacyFilesDir?: string;
}

export class SqliteStore extends ComposedStore {
  readonly dialect = 'sqlite' as const;
  private readonly connection: SqliteConnection;

  /** Opens (creating and migrating) the database file. */
  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    return new SqliteStore(openDatabase(file), options);
  }

  constructor(
    readonly db: Db,
    options: SqliteStoreOptions = {},
  ) {
    const c = new SqliteConnection(db, options.busyRetryMs ?? 60_000);
    super({
      jobs: new SqliteJobs(c, options.legacyFilesDir),
      leases: new SqliteLeases(c),
      outbox: new SqliteOutbox(c),
      quotas: new SqliteQuotas(c),
      audit: new SqliteAuditLog(c),
      maintenance: new SqliteMaintenance(c, options.legacyFilesDir),
      tokens: new SqliteApiTokens(c),
      serverSettings: new SqliteServerSettings(c),
    });
    this.connection = c;
  }

  checkWritable(): Promise<void> {
    // Taking the write lock and letting it go proves the file takes writes.
    return this.connection.write(this.connection.tx(() => undefined));
  }

  async close(): Promise<void> {
    this.connection.close();
  }
}

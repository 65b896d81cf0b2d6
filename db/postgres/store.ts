// The job core's Store on PostgreSQL, shared by every front and worker process of a deployment. The ports are
// implemented in jobs.ts, leases.ts, outbox.ts, quotas.ts, audit.ts and maintenance.ts over one pool, their SQL one
// statement a file in sql/.
//
// Concurrency, in short: every state change is one conditional UPDATE (`WHERE state = ... AND worker = ...`), which
// PostgreSQL applies to the newest row version under a row lock, so of two processes racing for the same transition
// exactly one sees its row come back. Admission takes a per-user advisory lock so the quota it reads cannot change
// before its insert commits. Claims (next job, outbox deliveries, expired leases) use FOR UPDATE SKIP LOCKED, so
// processes claiming at once take different rows instead of waiting for each other.
import type pg from 'pg';
import type { Leases } from '../../src/jobs/ports.js';
import { ComposedStore } from '../composed-store.js';
import { PostgresServerSettings } from './server-settings.js';
import { PostgresAuditLog } from './audit.js';
import { ChangeFeed, type ChangeHandlers } from './changes.js';
import { applyPostgresMigrations, createPool, type PostgresOptions, rowsOf } from './database.js';
import { PostgresJobs } from './jobs.js';
import { PostgresLeases } from './leases.js';
import { PostgresMaintenance } from './maintenance.js';
import { PostgresOutbox } from './outbox.js';
import { PostgresQuotas } from './quotas.js';
import { PostgresApiTokens } from './tokens.js';
import { isStandby } from './sql/is-standby.js';

export class PostgresStore extends ComposedStore {
  readonly dialect = 'postgres' as const;
  private readonly leases: PostgresLeases;

  private constructor(
    readonly pool: pg.Pool,
    private readonly ownsPool: boolean,
    private readonly options?: PostgresOptions,
  ) {
    const leases = new PostgresLeases(pool);
    super({
      jobs: new PostgresJobs(pool),
      leases,
      outbox: new PostgresOutbox(pool),
      quotas: new PostgresQuotas(pool),
      audit: new PostgresAuditLog(pool),
      maintenance: new PostgresMaintenance(pool),
      tokens: new PostgresApiTokens(pool),
      serverSettings: new PostgresServerSettings(pool),
    });
    this.leases = leases;
  }

  /**
   * Connects, applies pending migrations (db/postgres/migrations) and returns the store. Rejects with the server's
   * message when the database cannot be reached or a migration fails.
   */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const pool = createPool(options);
    try {
      await applyPostgresMigrations(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw err;
    }
    return new PostgresStore(pool, true, options);
  }

  /** A store on a pool the caller owns and has migrated (close() leaves it open; watch() needs `options`). */
  static onPool(pool: pg.Pool, options?: PostgresOptions): PostgresStore {
    return new PostgresStore(pool, false, options);
  }

  /** See PostgresLeases.leaseNext: the fair-share order in one atomic statement. */
  leaseNext(...args: Parameters<NonNullable<Leases['leaseNext']>>) {
    return this.leases.leaseNext(...args);
  }

  /**
   * Listens for changes made by any process on this database (job state, progress, lease holder; deliveries
   * queued), on a connection of its own. Close the returned feed when done. Rejects when it cannot connect.
   */
  watch(handlers: ChangeHandlers, log?: (message: string) => void): Promise<ChangeFeed> {
    if (!this.options) return Promise.reject(new Error('watch() needs the connection options (PostgresStore.open)'));
    return ChangeFeed.listen(this.options, handlers, log);
  }

  async checkWritable(): Promise<void> {
    const [row] = await rowsOf<{ standby: boolean }>(this.pool, isStandby);
    if (row?.standby) throw new Error('the PostgreSQL server is a read-only standby');
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

// PostgreSQL for tests: the cluster from test/db/postgres-global-setup.ts (or CI's, via STYLEBOT_TEST_DATABASE_URL),
// one fresh database per use, dropped afterwards. Where there is no cluster, `describePostgres` skips and says why.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, inject } from 'vitest';

/** Superuser URL of the test cluster, or '' when there is none. */
export const POSTGRES_URL: string = process.env.STYLEBOT_TEST_DATABASE_URL?.trim() || inject('postgresUrl') || '';
const SKIP_REASON = inject('postgresSkipReason') || 'no PostgreSQL test cluster';

/** describe() when a cluster is available, else describe.skip with the reason printed once per file. */
export const describePostgres: typeof describe = (() => {
  if (POSTGRES_URL) return describe;
  console.warn(`PostgreSQL tests skipped: ${SKIP_REASON}`);
  return describe.skip;
})() as typeof describe;

/** The URL of the same cluster with another database name. */
export function databaseUrl(name: string, base = POSTGRES_URL): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** Creates an empty database named stylebot_test_<random> on the test cluster. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `stylebot_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: databaseUrl(name),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

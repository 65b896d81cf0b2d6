// PostgreSQL migrations: applied in order, once, atomically, also when several processes start at the same time.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { applyPostgresMigrations, createPool, POSTGRES_MIGRATIONS_DIR } from '../../db/postgres/database.js';
import { createTestDatabase, describePostgres, type TestDatabase } from './postgres-helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function database(): Promise<TestDatabase> {
  const db = await createTestDatabase();
  cleanups.push(() => db.drop());
  return db;
}

describePostgres('PostgreSQL migrations', () => {
  test('four processes starting at once apply every migration exactly once, and a restart applies none', async () => {
    const { url } = await database();
    const pools = Array.from({ length: 4 }, () => createPool({ url, max: 2 }));
    cleanups.push(async () => void (await Promise.all(pools.map((p) => p.end()))));
    const applied = await Promise.all(pools.map((p) => applyPostgresMigrations(p)));
    const files = readdirSync(POSTGRES_MIGRATIONS_DIR)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    expect(applied.flat().sort()).toEqual(files);
    expect(applied.filter((a) => a.length > 0)).toHaveLength(1);
    const recorded = await pools[0]!.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(recorded.rows.map((r) => r.name)).toEqual(files);
    const tables = await pools[0]!.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining(['jobs', 'quota_defaults', 'user_settings', 'audit', 'job_blobs', 'outbox', 'schema_migrations']),
    );
    expect(await applyPostgresMigrations(pools[1]!)).toEqual([]);
  });

  test('migrations run in file-name order and a failing one leaves the schema as it was', async () => {
    const { url } = await database();
    const dir = mkdtempSync(join(tmpdir(), 'stylebot-pgmig-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm', '002_b.sql'), 'ALTER TABLE t ADD COLUMN b TEXT;');
    writeFileSync(join(dir, 'm', '001_a.sql'), 'CREATE TABLE t (a TEXT);');
    const pool = createPool({ url, max: 1 });
    cleanups.push(() => pool.end());
    expect(await applyPostgresMigrations(pool, join(dir, 'm'))).toEqual(['001_a.sql', '002_b.sql']);
    writeFileSync(join(dir, 'm', '003_bad.sql'), 'CREATE TABLE u (x TEXT); SELECT * FROM missing_table;');
    await expect(applyPostgresMigrations(pool, join(dir, 'm'))).rejects.toThrow(/003_bad\.sql.*missing_table/);
    expect((await pool.query("SELECT to_regclass('u') AS u")).rows[0].u).toBeNull();
    expect((await pool.query('SELECT COUNT(*) AS n FROM schema_migrations')).rows[0].n).toBe(2);
  });

  test('an unreachable server is reported with the address, not a hang', async () => {
    const pool = createPool({ url: 'postgres://postgres@127.0.0.1:1/none', max: 1 });
    cleanups.push(() => pool.end());
    await expect(applyPostgresMigrations(pool)).rejects.toThrow(/ECONNREFUSED.*127\.0\.0\.1:1/);
  });
});

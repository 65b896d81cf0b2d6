// The schema comes from the ordered .sql migrations, applied once, in WAL mode.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR, openDatabase } from '../../db/sqlite/database.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'stylebot-db-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

test('a new database gets every migration, in WAL mode, and reopening applies nothing twice', () => {
  const file = join(temp(), 'nested', 'stylebot.db');
  const db = openDatabase(file);
  expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  expect(tables).toEqual(expect.arrayContaining(['jobs', 'quota_defaults', 'user_settings', 'audit', 'schema_migrations']));
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  expect((db.prepare('SELECT name FROM schema_migrations ORDER BY name').all() as { name: string }[]).map((r) => r.name)).toEqual(files);
  db.close();
  const again = openDatabase(file);
  expect(applyMigrations(again)).toEqual([]);
  again.close();
});

test('migrations run in file-name order and a failing one is rolled back', () => {
  const dir = temp();
  const migrations = join(dir, 'migrations');
  mkdirSync(migrations);
  writeFileSync(join(migrations, '002_b.sql'), 'ALTER TABLE t ADD COLUMN b TEXT;');
  writeFileSync(join(migrations, '001_a.sql'), 'CREATE TABLE t (a TEXT);');
  const db = openDatabase(join(dir, 'x.db'));
  expect(applyMigrations(db, migrations)).toEqual(['001_a.sql', '002_b.sql']);
  writeFileSync(join(migrations, '003_bad.sql'), 'CREATE TABLE u (x TEXT); SELECT * FROM missing_table;');
  expect(() => applyMigrations(db, migrations)).toThrow(/missing_table/);
  expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'u'").get()).toBeUndefined();
  db.close();
});

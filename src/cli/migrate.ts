// `stylebot migrate [status]`: applies the pending database migrations (the same runner every start uses), or lists
// the applied and pending ones without changing anything.
import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS_DIR, applyMigrations, openDatabase } from '../../db/sqlite/database.js';
import { POSTGRES_MIGRATIONS_DIR, applyPostgresMigrations, createPool } from '../../db/postgres/database.js';
import { ConfigError, loadDotEnv, readDatabaseConfig, redactPassword } from '../config.js';
import { jobServiceOptionsFromEnv } from '../jobs/index.js';

const HELP = `Usage: stylebot migrate [status]

  migrate          apply the pending migrations (every start does the same)
  migrate status   list applied and pending migrations; changes nothing

The database: PostgreSQL at STYLEBOT_DATABASE_URL, else SQLite in STYLEBOT_DATA_DIR (default ./data).`;

const names = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  if (argv.length > 1 || (argv.length === 1 && argv[0] !== 'status')) {
    console.error(`stylebot migrate: unknown arguments "${argv.join(' ')}".\n${HELP}`);
    return 2;
  }
  const statusOnly = argv[0] === 'status';
  loadDotEnv();
  let config;
  try {
    config = readDatabaseConfig();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : (error as Error).message);
    return 2;
  }
  let applied: Map<string, number>;
  let all: string[];
  let where: string;
  if (config.postgresUrl) {
    where = `PostgreSQL at ${redactPassword(config.postgresUrl)}`;
    all = names(POSTGRES_MIGRATIONS_DIR);
    const pool = createPool({ url: config.postgresUrl, max: 1, applicationName: 'stylebot migrate' });
    try {
      if (!statusOnly) await applyPostgresMigrations(pool);
      const table = await pool.query(`SELECT to_regclass('schema_migrations') AS t`);
      const rows = table.rows[0].t
        ? (await pool.query<{ name: string; applied_at: number }>('SELECT name, applied_at FROM schema_migrations')).rows
        : [];
      applied = new Map(rows.map((r) => [r.name, Number(r.applied_at)]));
    } finally {
      await pool.end();
    }
  } else {
    const file = join(jobServiceOptionsFromEnv().dataDir, 'stylebot.db');
    where = `SQLite at ${file}`;
    all = names(MIGRATIONS_DIR);
    if (!statusOnly) {
      const db = openDatabase(file);
      applyMigrations(db);
      db.close();
    }
    applied = new Map();
    if (existsSync(file)) {
      const db = new Database(file, { readonly: true });
      const has = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
      if (has)
        for (const r of db.prepare('SELECT name, applied_at FROM schema_migrations').all() as { name: string; applied_at: number }[])
          applied.set(r.name, r.applied_at);
      db.close();
    }
  }
  console.log(`${where}:`);
  for (const name of all) {
    const at = applied.get(name);
    console.log(`  ${at === undefined ? 'pending' : 'applied'}  ${name}${at === undefined ? '' : `  ${new Date(at).toISOString()}`}`);
  }
  const pending = all.filter((n) => !applied.has(n)).length;
  console.log(pending ? `${pending} pending: run "stylebot migrate" (or start the bot) to apply them.` : 'Up to date.');
  return 0;
}

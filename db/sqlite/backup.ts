// Online backup and restore of the SQLite database (jobs, quotas, audit and the pictures, which live in job_blobs).
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { applyMigrations, openDatabase } from './database.js';

/** Why a backup or restore was refused; the message is for the operator. */
export class BackupError extends Error {}

function checkIntegrity(file: string): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new BackupError(`${file} is damaged: ${String(result)}`);
    db.prepare('SELECT count(*) FROM schema_migrations').get();
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} is not a Stylebot database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Copies the live database at `database` to `target` with SQLite's online backup API, a consistent snapshot while
 * the bot writes. Refuses to overwrite an existing target. Returns the pages copied.
 */
export async function backupDatabase(database: string, target: string): Promise<{ pages: number }> {
  if (!existsSync(database)) throw new BackupError(`No database at ${database}.`);
  if (existsSync(target)) throw new BackupError(`${target} exists already; choose a new file name.`);
  mkdirSync(dirname(target), { recursive: true });
  const db = new Database(database, { fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    const partial = `${target}.partial`;
    rmSync(partial, { force: true });
    // All pages in one step: in steps, every write the bot makes between two of them restarts the copy, so a busy
    // bot would never let it finish. In WAL mode one step is a read transaction, which does not block the bot.
    const { totalPages } = await db.backup(partial, { progress: () => 0x7fffffff });
    checkIntegrity(partial);
    renameSync(partial, target);
    return { pages: totalPages };
  } finally {
    db.close();
  }
}

/**
 * Puts the backup `source` in place as the database `database` (which must not exist: restore into an empty data
 * folder, or move the old file away first), checks it and applies the migrations it lacks.
 */
export async function restoreDatabase(source: string, database: string): Promise<{ migrated: string[] }> {
  if (!existsSync(source)) throw new BackupError(`No backup at ${source}.`);
  if (existsSync(database)) throw new BackupError(`${database} exists already: restore into an empty data folder, or move it away first.`);
  checkIntegrity(source);
  mkdirSync(dirname(database), { recursive: true });
  const from = new Database(source, { readonly: true });
  try {
    await from.backup(database);
  } finally {
    from.close();
  }
  const db = openDatabase(database);
  try {
    return { migrated: applyMigrations(db) };
  } finally {
    db.close();
  }
}

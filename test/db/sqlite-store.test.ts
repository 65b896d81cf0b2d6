// The Store contract on SQLite, plus what only the embedded store does: a database locked by another process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { SqliteStore } from '../../db/sqlite/store.js';
import { describeStoreContract } from './contract/index.js';

const dirs: string[] = [];
const temp = () => {
  const d = mkdtempSync(join(tmpdir(), 'stylebot-store-'));
  dirs.push(d);
  return d;
};
const cleanup = async () => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));

describeStoreContract('SQLite', async () => SqliteStore.open(join(temp(), 'stylebot.db')), cleanup);

afterEach(cleanup);

test('a write waits out another connection holding the write lock without blocking the event loop', async () => {
  const file = join(temp(), 'stylebot.db');
  const store = SqliteStore.open(file, { busyRetryMs: 10_000 });
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  const started = Date.now();
  let ticks = 0;
  let longestGap = 0;
  let last = Date.now();
  const ticker = setInterval(() => {
    const now = Date.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks++;
  }, 10);
  setTimeout(() => other.exec('COMMIT'), 1_500);
  await store.setRole({ platform: 'discord', workspaceId: 'g', userId: 'u' }, 'admin');
  clearInterval(ticker);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
  expect(ticks).toBeGreaterThan(20);
  expect(longestGap).toBeLessThan(600);
  expect((await store.userSettings({ platform: 'discord', workspaceId: 'g', userId: 'u' })).role).toBe('admin');
  other.close();
  await store.close();
});

test('a write that stays locked past the retry limit rejects with the busy error; progress does not wait at all', async () => {
  const file = join(temp(), 'stylebot.db');
  const store = SqliteStore.open(file, { busyRetryMs: 300 });
  const other = new Database(file);
  other.exec('BEGIN IMMEDIATE');
  await expect(store.setRole({ platform: 'discord', workspaceId: 'g', userId: 'u' }, 'admin')).rejects.toMatchObject({
    code: 'SQLITE_BUSY',
  });
  const t = Date.now();
  await expect(store.saveProgress('j', 'w', { iteration: 1, total: 2, elapsedMs: 0, etaMs: 0 })).rejects.toMatchObject({
    code: 'SQLITE_BUSY',
  });
  expect(Date.now() - t).toBeLessThan(500);
  other.exec('ROLLBACK');
  other.close();
  await store.close();
});

// The ApiTokens port on both stores: the same answers from SQLite and PostgreSQL (a real server: the test cluster).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../db/postgres/store.js';
import { SqliteStore } from '../../db/sqlite/store.js';
import type { ApiTokenRecord, Store } from '../../src/jobs/ports.js';
import { createTestDatabase, describePostgres, type TestDatabase } from '../db/postgres-helpers.js';

const ann = { platform: 'web' as const, workspaceId: 'studio', userId: 'ann' };
const record = (id: string, at: number, over: Partial<ApiTokenRecord> = {}): ApiTokenRecord => ({
  id,
  user: ann,
  name: `token ${id}`,
  scope: 'jobs',
  createdBy: 'web/studio/local',
  createdAt: at,
  ...over,
});

function tokenContract(open: () => Promise<Store>, close: () => Promise<void>): void {
  let store: Store;
  beforeEach(async () => {
    store = await open();
  });
  afterEach(async () => {
    await store.close();
    await close();
  });

  it('finds a live token by hash, lists newest first, records use, and revokes once', async () => {
    const tokens = store.apiTokens;
    await tokens.createToken(record('tok_a', 1_000), 'a'.repeat(64));
    await tokens.createToken(record('tok_b', 2_000, { user: { ...ann, userId: 'bob' }, scope: 'admin' }), 'b'.repeat(64));
    await tokens.createToken(record('tok_c', 3_000), 'c'.repeat(64));

    expect(await tokens.tokenByHash('a'.repeat(64))).toEqual(record('tok_a', 1_000));
    expect(await tokens.tokenByHash('d'.repeat(64))).toBeUndefined();
    expect((await tokens.listTokens(ann)).map((t) => t.id)).toEqual(['tok_c', 'tok_a']);
    expect((await tokens.listTokens()).map((t) => t.id)).toEqual(['tok_c', 'tok_b', 'tok_a']);
    expect((await tokens.tokenById('tok_b'))?.scope).toBe('admin');

    await tokens.touchToken('tok_a', 5_000_000_000_000);
    expect((await tokens.tokenById('tok_a'))?.lastUsedAt).toBe(5_000_000_000_000);

    expect(await tokens.revokeToken('tok_a', 6_000)).toBe(true);
    expect(await tokens.revokeToken('tok_a', 7_000)).toBe(false);
    expect(await tokens.revokeToken('tok_none', 7_000)).toBe(false);
    expect(await tokens.tokenByHash('a'.repeat(64))).toBeUndefined();
    expect((await tokens.tokenById('tok_a'))?.revokedAt).toBe(6_000);
    // A hash is unique: a second token with the same one is refused by the store.
    await expect(tokens.createToken(record('tok_d', 8_000), 'c'.repeat(64))).rejects.toThrow();
  });
}

describe('API tokens on SQLite', () => {
  let dir = '';
  tokenContract(
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'stylebot-tokens-'));
      return SqliteStore.open(join(dir, 'stylebot.db'));
    },
    async () => rmSync(dir, { recursive: true, force: true }),
  );
});

describePostgres('API tokens on PostgreSQL', () => {
  let database: TestDatabase | undefined;
  tokenContract(
    async () => {
      database = await createTestDatabase();
      return PostgresStore.open({ url: database.url, max: 2 });
    },
    async () => {
      await database?.drop();
      database = undefined;
    },
  );
});

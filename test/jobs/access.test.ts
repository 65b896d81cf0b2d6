// The one access check, can(requester, action, job): owners manage their jobs, workspace admins (by role or by
// the platform's flag) manage the jobs of their workspace only, configured admins and the CLI act everywhere.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { SqliteStore } from '../../db/sqlite/store.js';
import { AccessPolicy } from '../../src/jobs/access.js';
import type { Requester } from '../../src/jobs/types.js';

let dir: string;
let store: SqliteStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'stylebot-access-'));
  store = SqliteStore.open(join(dir, 'stylebot.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const r = (userId: string, extra: Partial<Requester> = {}): Requester => ({ platform: 'discord', workspaceId: 'g1', userId, ...extra });
const job = { platform: 'discord' as const, workspaceId: 'g1', userId: 'alice' };

test('owners, workspace admins, configured admins and the CLI', async () => {
  const access = new AccessPolicy(store, new Set(['root', 'slack:UOPS']));
  await store.setRole({ platform: 'discord', workspaceId: 'g1', userId: 'mod' }, 'admin');
  await store.setRole({ platform: 'discord', workspaceId: 'g1', userId: 'demoted' }, 'user');
  const cases: [Requester, boolean][] = [
    [r('alice'), true],
    [r('bob'), false],
    [r('alice', { workspaceId: 'g2' }), false], // same id in another server is someone else
    [r('alice', { platform: 'slack' }), false],
    [r('mod'), true],
    [r('mod', { workspaceId: 'g2' }), false],
    [r('flagged', { isPlatformAdmin: true }), true],
    [r('flagged', { isPlatformAdmin: true, workspaceId: 'g2' }), false],
    [r('demoted', { isPlatformAdmin: true }), false], // a stored role wins over the platform's flag
    [r('root', { workspaceId: 'anywhere' }), true],
    [{ platform: 'slack', workspaceId: 'T9', userId: 'UOPS' }, true],
    [{ platform: 'cli', workspaceId: 'local', userId: 'me' }, true],
  ];
  for (const [who, expected] of cases) {
    for (const action of ['cancel', 'rerun', 'manage'] as const) {
      expect([who.userId, who.workspaceId, action, await access.can(who, action, job)]).toEqual([
        who.userId,
        who.workspaceId,
        action,
        expected,
      ]);
    }
  }
  // Admin actions: never by ownership alone.
  expect(await access.can(r('alice'), 'admin', job)).toBe(false);
  expect(await access.can(r('mod'), 'admin', { platform: 'discord', workspaceId: 'g1' })).toBe(true);
  expect(await access.can(r('mod'), 'admin', { platform: 'discord', workspaceId: 'g2' })).toBe(false);
  expect(await access.can(r('mod'), 'admin')).toBe(true);
});

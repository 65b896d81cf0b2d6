// Personal API tokens (issue 25; issue 21 item 3): made by their user or an admin (studio and CLI), shown once and
// kept only as a SHA-256, used as `Authorization: Bearer` on loopback and off it, acting as their user with that
// user's role and quotas, scoped, and refused (401) once revoked. The shared studio token means the operator only.
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SqliteStore } from '../../db/sqlite/store.js';
import { run as adminCli } from '../../src/cli/admin.js';
import { memoryLogger } from '../../src/logger.js';
import { startTestStudio, type TestStudio } from '../web/helpers.js';

const SHARED = 'the-shared-operator-token-0123456789';

interface Made {
  token: string;
  id: string;
  user: string;
  scope: string;
}

async function call(t: TestStudio, path: string, init: RequestInit & { bearer?: string } = {}): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (init.bearer) headers.authorization = `Bearer ${init.bearer}`;
  if (init.body && !headers['content-type']) headers['content-type'] = 'application/json';
  const response = await fetch(`${t.url}${path}`, { ...init, headers });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const post = (t: TestStudio, path: string, data: unknown, bearer?: string) =>
  call(t, path, { method: 'POST', body: JSON.stringify(data), ...(bearer ? { bearer } : {}), headers: { origin: t.url } });

describe('personal API tokens with a shared studio token (behind a proxy)', () => {
  let t: TestStudio;
  const log = memoryLogger();
  beforeAll(async () => {
    t = await startTestStudio({ token: SHARED, logger: log.logger });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an admin makes a token for a user; it acts as that user with their quotas, and is kept only as its hash', async () => {
    const quota = await post(t, '/api/admin/quota', { user: 'ann', jobs_per_day: 3 }, SHARED);
    expect(quota.status).toBe(200);
    const made = await post(t, '/api/v1/tokens', { user: 'ann', name: 'laptop script' }, SHARED);
    expect(made.status).toBe(201);
    const { token, id } = made.body as Made;
    expect(token).toMatch(/^sbt_[A-Za-z0-9_-]{43}$/);
    expect(made.body).toMatchObject({ user: 'ann', scope: 'jobs', name: 'laptop script', createdBy: 'web/studio/local', lastUsedAt: null });

    const me = await call(t, '/api/me', { bearer: token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: 'ann', role: 'user', platform: 'web', workspace: 'studio' });
    expect(me.body.quota.jobsPerDay).toBe(3);

    // At rest: the hash, never the token.
    const db = (t.jobs.store as SqliteStore).db;
    const rows = db.prepare('SELECT * FROM api_tokens').all() as Record<string, unknown>[];
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(rows.find((r) => r.id === id)?.hash).toBe(createHash('sha256').update(token).digest('hex'));

    // Its user sees it, with the time it was last used; the list never carries a secret.
    const list = await call(t, '/api/v1/tokens', { bearer: token });
    expect(list.status).toBe(200);
    expect(list.body.tokens).toHaveLength(1);
    expect(list.body.tokens[0].lastUsedAt).toBeGreaterThan(0);
    expect(JSON.stringify(list.body)).not.toContain('sbt_');
  });

  it('a jobs token does not reach the admin API, cannot mint an admin token, nor see anyone else', async () => {
    const { token } = (await post(t, '/api/v1/tokens', { user: 'bob', name: 'ci' }, SHARED)).body as Made;
    expect((await call(t, '/api/admin/jobs', { bearer: token })).status).toBe(403);
    expect((await call(t, '/api/%61dmin/audit', { bearer: token })).status).toBe(403);
    expect((await post(t, '/api/v1/tokens', { name: 'more', scope: 'admin' }, token)).status).toBe(403);
    expect((await post(t, '/api/v1/tokens', { name: 'for ann', user: 'ann' }, token)).status).toBe(403);
    expect((await call(t, '/api/v1/tokens?user=ann', { bearer: token })).status).toBe(403);
    // An admin token only for an admin; the operator's own admin token reaches the admin API.
    expect((await post(t, '/api/v1/tokens', { user: 'bob', name: 'x', scope: 'admin' }, SHARED)).status).toBe(403);
    const admin = (await post(t, '/api/v1/tokens', { user: 'local', name: 'ops', scope: 'admin' }, SHARED)).body as Made;
    expect((await call(t, '/api/admin/jobs', { bearer: admin.token })).status).toBe(200);
    const jobsOnly = (await post(t, '/api/v1/tokens', { user: 'local', name: 'paint only' }, SHARED)).body as Made;
    expect((await call(t, '/api/admin/jobs', { bearer: jobsOnly.token })).status).toBe(403);
  });

  it('revoked by its user, a token answers 401, and so does a session opened with it', async () => {
    const { token, id } = (await post(t, '/api/v1/tokens', { user: 'cleo', name: 'phone' }, SHARED)).body as Made;
    const login = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.url },
      body: JSON.stringify({ token }),
    });
    expect(login.status).toBe(200);
    expect(await login.json()).toEqual({ user: 'cleo' });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect((await call(t, '/api/me', { headers: { cookie } })).body.user).toBe('cleo');

    const revoked = await call(t, `/api/v1/tokens/${id}`, { method: 'DELETE', bearer: token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.token.revokedAt).toBeGreaterThan(0);
    const after = await call(t, '/api/me', { bearer: token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
    expect((await call(t, '/api/me', { headers: { cookie } })).status).toBe(401);
    // Nobody else's token can be revoked by a user (it is "not found" to them).
    const other = (await post(t, '/api/v1/tokens', { user: 'dan', name: 'x' }, SHARED)).body as Made;
    const mine = (await post(t, '/api/v1/tokens', { user: 'cleo', name: 'new' }, SHARED)).body as Made;
    expect((await call(t, `/api/v1/tokens/${other.id}`, { method: 'DELETE', bearer: mine.token })).status).toBe(404);
  });

  it('the shared token logs in the operator only: it cannot name another user', async () => {
    const named = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.url },
      body: JSON.stringify({ token: SHARED, name: 'ann' }),
    });
    expect(named.status).toBe(400);
    expect(((await named.json()) as { error: { message: string } }).error.message).toMatch(/operator only/);
    const operator = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.url },
      body: JSON.stringify({ token: SHARED }),
    });
    expect(await operator.json()).toEqual({ user: 'local' });
    expect((await call(t, '/api/me', { bearer: `sbt_${'x'.repeat(43)}` })).status).toBe(401);
  });

  it('the CLI makes, lists and revokes tokens on the same database', async () => {
    const dataDir = dirname(t.artistsDir);
    const out: string[] = [];
    const logSpy = vi.spyOn(console, 'log').mockImplementation((line: string) => void out.push(String(line)));
    const errSpy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await adminCli(['admin', 'token', 'create', 'eve', '--name', 'from the shell', '--data-dir', dataDir])).toBe(0);
      const token = out.pop()!;
      expect(token).toMatch(/^sbt_/);
      expect((await call(t, '/api/me', { bearer: token })).body.user).toBe('eve');
      expect(await adminCli(['admin', 'token', 'list', 'eve', '--data-dir', dataDir])).toBe(0);
      const line = out.pop()!;
      expect(line).toMatch(/^tok_[0-9a-f]{12} {2}eve .*"from the shell"/);
      expect(line).not.toContain(token);
      const id = line.split(' ')[0]!;
      expect(await adminCli(['admin', 'token', 'revoke', id, '--data-dir', dataDir])).toBe(0);
      expect((await call(t, '/api/me', { bearer: token })).status).toBe(401);
      expect(await adminCli(['admin', 'token', 'create', 'eve', '--data-dir', dataDir])).toBe(2);
    } finally {
      logSpy.mockRestore();
      errSpy.mockRestore();
    }
  });

  it('never writes a token into the log', async () => {
    const made = (await post(t, '/api/v1/tokens', { user: 'fay', name: 'x' }, SHARED)).body as Made;
    await call(t, '/api/jobs/nope', { bearer: made.token });
    await call(t, '/api/me', { bearer: `${made.token}x` });
    const text = JSON.stringify(log.records);
    expect(text).not.toContain('sbt_');
    expect(text).not.toContain(SHARED);
  });
});

describe('personal API tokens on loopback', () => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startTestStudio();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the person at the machine makes a token; a bearer acts as its user, and a bad bearer is refused, not made admin', async () => {
    const made = await post(t, '/api/v1/tokens', { user: 'gus', name: 'script' });
    expect(made.status).toBe(201);
    const { token } = made.body as Made;
    expect((await call(t, '/api/me', { bearer: token })).body).toMatchObject({ user: 'gus', role: 'user' });
    // A bearer needs no loopback Host (a proxy in front may send its own), and no browser origin.
    const proxied = await fetch(`${t.url}/api/me`, { headers: { authorization: `Bearer ${token}`, host: 'stylebot.example.org' } });
    expect(((await proxied.json()) as { user: string }).user).toBe('gus');
    const bad = await call(t, '/api/me', { bearer: 'not-a-token' });
    expect(bad.status).toBe(401);
    expect((await call(t, '/api/me')).body).toMatchObject({ user: 'local', role: 'admin' });
  });
});

// Kind 1 of the hardening round: admin data is decided on the matched route and again in the core, so no spelling
// of the path (percent-encoded letters) and no caller of the core's reads gets past an ordinary user's role.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, fakeService, removeTempDirs, user } from '../jobs/helpers.js';
import { startTestStudio, type TestStudio } from '../web/helpers.js';

const TOKEN = 'hardening-token-0123456789';
const ADMIN_PATHS = ['/api/%61dmin/jobs', '/api/%61dmin/audit', '/api/%61dmin/stats', '/api/%61dmin/quota?user=local', '/api/admin/jobs'];

async function loginAs(url: string, name: string, token?: string): Promise<string> {
  // With a studio token, a named user logs in with their own API token, which the operator makes for them.
  const personal = token
    ? (
        (await (
          await fetch(`${url}/api/v1/tokens`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ user: name, name: 'test' }),
          })
        ).json()) as { token: string }
      ).token
    : undefined;
  const response = await fetch(`${url}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
    body: new URLSearchParams(personal ? { token: personal } : { name }),
  });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

describe.each([
  { mode: 'loopback', token: undefined },
  { mode: 'token', token: TOKEN },
])('admin routes on $mode', ({ token }) => {
  let t: TestStudio;
  beforeAll(async () => {
    t = await startTestStudio({ token });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answer 403 to an ordinary user however the path is spelt', async () => {
    const cookie = await loginAs(t.url, 'mallory', token);
    for (const path of ADMIN_PATHS) {
      const response = await fetch(`${t.url}${path}`, { headers: { cookie } });
      expect({ path, status: response.status }).toEqual({ path, status: 403 });
    }
  });

  it('still serve an admin through the encoded spelling', async () => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const response = await fetch(`${t.url}/api/%61dmin/jobs`, { headers });
    expect(response.status).toBe(200);
  });
});

describe('admin reads in the core', () => {
  afterAll(removeTempDirs);

  it('refuse an ordinary user and serve an admin', async () => {
    const service = fakeService();
    await service.start();
    try {
      const alice = user('alice');
      await expect(service.admin.listJobs(alice)).rejects.toThrow(/Only an admin/);
      await expect(service.admin.auditLog(alice)).rejects.toThrow(/Only an admin/);
      await expect(service.admin.stats(alice)).rejects.toThrow(/Only an admin/);
      await expect(service.admin.showQuota(alice, { ...alice, userId: 'bob' })).rejects.toThrow(/admin/);
      expect((await service.admin.showQuota(alice, alice)).role).toBe('user');
      expect(await service.admin.listJobs(CLI)).toEqual([]);
    } finally {
      await service.close();
    }
  });
});

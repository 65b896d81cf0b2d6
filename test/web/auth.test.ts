// The studio's access rules: off loopback only with a token; with a token every request carries it, as a bearer
// header or as the cookie of the login form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, readBotConfig } from '../../src/config.js';
import { startStudio } from '../../src/platforms/web/server.js';
import { startTestStudio, type TestStudio } from './helpers.js';

const TOKEN = 'a-long-test-token-0123456789';
let t: TestStudio;

beforeAll(async () => {
  t = await startTestStudio({ token: TOKEN });
});

afterAll(async () => {
  await t?.close();
});

describe('studio settings', () => {
  it('refuses to listen beyond this machine without a token, and accepts it with one', () => {
    expect(() => readBotConfig({ STYLEBOT_WEB_HOST: '0.0.0.0' })).toThrow(ConfigError);
    expect(() => readBotConfig({ STYLEBOT_WEB_HOST: '0.0.0.0' })).toThrow(/STYLEBOT_WEB_TOKEN is required/);
    expect(readBotConfig({ STYLEBOT_WEB_HOST: '0.0.0.0', STYLEBOT_WEB_TOKEN: TOKEN }).web).toEqual({
      host: '0.0.0.0',
      port: 8080,
      token: TOKEN,
    });
    expect(readBotConfig({}).web).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(() => readBotConfig({ STYLEBOT_WEB_PORT: 'http' })).toThrow(/STYLEBOT_WEB_PORT must be a whole number/);
  });

  it('will not start on another address without a token even when called directly', async () => {
    await expect(
      startStudio({
        host: '0.0.0.0',
        port: 0,
        jobs: t.jobs,
        context: { jobs: t.jobs, limits: { maxImageBytes: 1e6, maxImagePixels: 1e6 }, defaults: { size: 64, iterations: 4 } },
        artistsDir: t.artistsDir,
        metrics: t.metrics,
      }),
    ).rejects.toThrow(/STYLEBOT_WEB_TOKEN/);
  });
});

describe('studio with a token', () => {
  it('answers 401 without the token, sends browsers to the login form, and lets the bearer in', async () => {
    const anonymous = await fetch(`${t.url}/api/me`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const page = await fetch(`${t.url}/`, { headers: { accept: 'text/html' }, redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe('/login');
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);

    const bearer = await fetch(`${t.url}/api/me`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toMatchObject({ user: 'local', role: 'admin' });
    expect((await fetch(`${t.url}/api/me`, { headers: { authorization: 'Bearer wrong-token-wrong-token' } })).status).toBe(401);
  });

  it('logs in through the form with an HttpOnly SameSite cookie, and not with a wrong token', async () => {
    const wrong = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ token: 'nope', name: 'ann' }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('That token is not right.');

    // Ann's own credential: a personal token the operator made for her (the shared token is the operator's only).
    const made = await fetch(`${t.url}/api/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ann', name: 'browser' }),
    });
    const { token: annToken } = (await made.json()) as { token: string };
    const login = await fetch(`${t.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ token: annToken }),
      redirect: 'manual',
    });
    expect(login.status).toBe(303);
    const cookie = login.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const session = cookie.split(';')[0]!;
    const me = await fetch(`${t.url}/api/me`, { headers: { cookie: session } });
    expect(await me.json()).toMatchObject({ user: 'ann', role: 'user', platform: 'web' });

    // A cookie that was not signed with this token's key is not a session.
    const forged = session.replace(/=.*/, `=${encodeURIComponent(JSON.stringify({ user: 'local' }))}`);
    expect((await fetch(`${t.url}/api/me`, { headers: { cookie: forged } })).status).toBe(401);
  });
});

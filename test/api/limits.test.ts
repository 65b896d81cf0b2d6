// Rate limits on the API (per personal token, per address without one: 429 with Retry-After) and the security
// headers with a Content-Security-Policy on every answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../web/helpers.js';

let t: TestStudio;
const LIMIT = 5;

beforeAll(async () => {
  t = await startTestStudio({ rateLimitPerMinute: LIMIT });
});
afterAll(async () => {
  await t?.close();
});

const me = (bearer?: string) => fetch(`${t.url}/api/v1/me`, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });

describe('API rate limits', () => {
  it('count each token on its own and every other request per address; over the limit: 429 with Retry-After', async () => {
    // Two tokens, made by the person at the machine (this request counts against the address).
    const make = async (user: string) =>
      (
        (await (
          await fetch(`${t.url}/api/v1/tokens`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', origin: t.url },
            body: JSON.stringify({ user, name: 'x' }),
          })
        ).json()) as { token: string }
      ).token;
    const ann = await make('ann');
    const bob = await make('bob');

    for (let i = 0; i < LIMIT; i++) expect((await me(ann)).status).toBe(200);
    const over = await me(ann);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await over.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/at most 5 a minute/),
    });

    // Bob's token has its own count; so does the address (two requests used above).
    expect((await me(bob)).status).toBe(200);
    for (let i = 0; i < LIMIT - 2; i++) expect((await me()).status).toBe(200);
    expect((await me()).status).toBe(429);
    // The deprecated paths share the count; pages and operator endpoints are not limited.
    expect((await fetch(`${t.url}/api/me`)).status).toBe(429);
    expect((await fetch(`${t.url}/`)).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBeLessThan(429);
  });
});

describe('security headers', () => {
  it('the page and the API carry a CSP that allows only the studio itself, and the usual headers', async () => {
    for (const path of ['/', '/login', '/app.js']) {
      const response = await fetch(`${t.url}${path}`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toMatch(/style-src 'self' 'sha256-[A-Za-z0-9+/=]+'/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      // A browser must still send Origin on form posts (auth.ts's same-origin check): not "no-referrer".
      expect(response.headers.get('referrer-policy')).toBe('same-origin');
    }
    // The hash is the page's own inline style: the CSP allows exactly it.
    const html = await (await fetch(`${t.url}/`)).text();
    const style = html.match(/<style>([\s\S]*?)<\/style>/)![1]!;
    const { createHash } = await import('node:crypto');
    const csp = (await fetch(`${t.url}/`)).headers.get('content-security-policy')!;
    expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
  });
});

// Completion webhooks (issue 25): a job's callback_url gets the job view and the result's URL once, signed with
// HMAC-SHA256 over the timestamp and body; a receiver that is down is tried again through the durable outbox; hosts
// an admin did not allow, and private addresses that are not listed themselves, are refused.
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../db/sqlite/store.js';
import type { Job } from '../../src/jobs/types.js';
import { verifySignature, Webhooks } from '../../src/platforms/web/webhooks.js';
import { form, smallPicture, startTestStudio, type TestStudio } from '../web/helpers.js';

const SECRET = 'webhook-signing-secret-0123456789';
let t: TestStudio;
let photo: Buffer;
let starry: Buffer;

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** An HTTP receiver on 127.0.0.1 (`port` 0: any) that records what it gets and answers 200. */
async function receiver(port = 0): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

/** The README's `fromStylebot` verification function, loaded from the README's text. */
async function readmeSnippet(): Promise<(secret: string, header: string, body: string) => boolean> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = /\n( {4}import \{ createHmac[\s\S]*?\n {4}\}\n)/.exec(readme)![1]!.replace(/^ {4}/gm, '');
  const file = join(mkdtempSync(join(tmpdir(), 'stylebot-snippet-')), 'verify.mjs');
  writeFileSync(file, `${block}\nexport { fromStylebot };\n`);
  return ((await import(file)) as { fromStylebot: (secret: string, header: string, body: string) => boolean }).fromStylebot;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const postJob = async (callback: string) => {
  const response = await fetch(`${t.url}/api/v1/jobs`, {
    method: 'POST',
    body: form(
      [
        { field: 'content', name: 'photo.png', bytes: photo },
        { field: 'style', name: 'starry.png', bytes: starry },
      ],
      { size: '32', iterations: '2', callback_url: callback },
    ),
  });
  return { status: response.status, body: (await response.json()) as { id: string; error?: { message: string } } };
};

beforeAll(async () => {
  t = await startTestStudio({
    webhooks: { hosts: ['127.0.0.1'], secret: SECRET },
    outbox: { retryBaseMs: 300, retryMaxMs: 1000, pollMs: 100 },
  });
  photo = await smallPicture('content', 'tuebingen_neckarfront.jpg', 48);
  starry = await smallPicture('style', 'starry_night.jpg', 48);
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('completion webhooks', () => {
  it('POST the finished job once, signed over timestamp and body, with the result URL', async () => {
    const hook = await receiver();
    try {
      const posted = await postJob(hook.url);
      expect(posted.status).toBe(202);
      await until(() => hook.received.length > 0);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(hook.received).toHaveLength(1);
      const { headers, body } = hook.received[0]!;
      const header = String(headers['stylebot-signature']);
      expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      // Recomputed here as a receiver would, and through the helper the README's snippet mirrors.
      const [, t0, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(header)!;
      expect(createHmac('sha256', SECRET).update(`${t0}.${body}`).digest('hex')).toBe(v1);
      expect(verifySignature(SECRET, header, body)).toBe(true);
      // The README's verification snippet, run as written.
      const fromStylebot = await readmeSnippet();
      expect(fromStylebot(SECRET, header, body)).toBe(true);
      expect(fromStylebot(SECRET, header, body.replace('job.done', 'job.fail'))).toBe(false);
      expect(verifySignature(SECRET, header, `${body} `)).toBe(false);
      expect(verifySignature('another-secret-0123456789', header, body)).toBe(false);
      const payload = JSON.parse(body) as {
        event: string;
        job: { id: string; state: string; worker: string | null; attempts: number };
        resultUrl: string;
      };
      expect(payload.event).toBe('job.done');
      expect(payload.job).toMatchObject({ id: posted.body.id, state: 'done', attempts: 1 });
      expect(payload.resultUrl).toBe(`${t.url}/api/v1/jobs/${posted.body.id}/result`);
      const png = await fetch(payload.resultUrl);
      expect(png.headers.get('content-type')).toBe('image/png');
    } finally {
      hook.server.close();
    }
  });

  it('are tried again through the outbox while the receiver is down, and delivered once it is up', async () => {
    // A port with nothing listening yet: the first tries are refused connections.
    const probe = await receiver();
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise((resolve) => probe.server.close(resolve));
    const posted = await postJob(`http://127.0.0.1:${port}/hook`);
    expect(posted.status).toBe(202);
    await until(async () => ((await t.jobs.store.deliveriesOf(posted.body.id))[0]?.attempts ?? 0) >= 2);
    const failing = (await t.jobs.store.deliveriesOf(posted.body.id))[0]!;
    expect(failing.state).toBe('undelivered');
    expect(failing.lastError).toMatch(/ECONNREFUSED/);

    const hook = await receiver(port);
    try {
      await until(() => hook.received.length > 0);
      await until(async () => (await t.jobs.store.deliveriesOf(posted.body.id))[0]!.state === 'delivered');
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(hook.received).toHaveLength(1);
      expect(verifySignature(SECRET, String(hook.received[0]!.headers['stylebot-signature']), hook.received[0]!.body)).toBe(true);
    } finally {
      hook.server.close();
    }
  });

  it('are retried across a restart of the bot while the receiver is down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylebot-webhook-restart-'));
    const file = join(dir, 'stylebot.db');
    const probe = await receiver();
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise((resolve) => probe.server.close(resolve));
    const options = { webhooks: { hosts: ['127.0.0.1'], secret: SECRET }, outbox: { retryBaseMs: 300, retryMaxMs: 1000, pollMs: 100 } };
    const first = await startTestStudio({ ...options, store: SqliteStore.open(file) });
    let id: string;
    try {
      const response = await fetch(`${first.url}/api/v1/jobs`, {
        method: 'POST',
        body: form(
          [
            { field: 'content', name: 'photo.png', bytes: photo },
            { field: 'style', name: 'starry.png', bytes: starry },
          ],
          { size: '32', iterations: '2', callback_url: `http://127.0.0.1:${port}/hook` },
        ),
      });
      id = ((await response.json()) as { id: string }).id;
      await until(async () => ((await first.jobs.store.deliveriesOf(id))[0]?.attempts ?? 0) >= 1);
    } finally {
      await first.close();
    }
    // The bot is down; the receiver comes up; the bot starts again on the same database and delivers.
    const hook = await receiver(port);
    const second = await startTestStudio({ ...options, store: SqliteStore.open(file) });
    try {
      await until(() => hook.received.length > 0);
      await until(async () => (await second.jobs.store.deliveriesOf(id))[0]!.state === 'delivered');
      const payload = JSON.parse(hook.received[0]!.body) as { job: { id: string } };
      expect(payload.job.id).toBe(id);
      expect(verifySignature(SECRET, String(hook.received[0]!.headers['stylebot-signature']), hook.received[0]!.body)).toBe(true);
      expect(hook.received).toHaveLength(1);
    } finally {
      hook.server.close();
      await second.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuse a host not allowed, a private address not listed, and a URL that is not http', async () => {
    for (const [url, why] of [
      ['http://hooks.example.org/x', /not among the hosts an admin allowed/],
      ['http://10.0.0.1/x', /not among the hosts/],
      ['file:///etc/passwd', /http or https/],
      ['http://user:pw@127.0.0.1/x', /without a user name/],
    ] as const) {
      const posted = await postJob(url);
      expect({ url, status: posted.status }).toEqual({ url, status: 400 });
      expect(posted.body.error!.message).toMatch(why);
    }
    // A listed name that resolves to a private address is refused when it is called (no rebinding past the list).
    const hooks = new Webhooks({ hosts: ['localhost', '*.example.org'], secret: SECRET, baseUrl: () => t.url });
    expect(hooks.check('http://localhost:9/x')).toBe('http://localhost:9/x');
    expect(() => hooks.check('http://127.0.0.1:9/x')).toThrow(/not among the hosts/);
    expect(hooks.check('https://a.example.org/x')).toBe('https://a.example.org/x');
    const job = {
      id: 'j1',
      reply: { callbackUrl: 'http://localhost:9/x' },
      state: 'failed',
      options: {},
      styleNames: [],
      attempts: 1,
      platform: 'web',
      workspaceId: 'studio',
      userId: 'u',
      priority: 0,
      createdAt: 0,
      gpuMs: 0,
    } as unknown as Job;
    await expect(hooks.listener(job, { type: 'failed', error: 'x' })).rejects.toThrow(/private address that is not allowed/);
  });

  it('are refused when no host is allowed', async () => {
    const hooks = new Webhooks({ hosts: [], secret: SECRET, baseUrl: () => t.url });
    expect(() => hooks.check('http://127.0.0.1/x')).toThrow(/sends no webhooks/);
  });
});

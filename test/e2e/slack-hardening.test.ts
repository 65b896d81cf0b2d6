// Issue 12 on Slack, end to end over the HTTP receiver: the REAL Bolt app, job service and engine (64 px) against
// the fake Slack. Bodies are capped before parsing (413), timestamps are checked both ways, a signed `event: null`
// is a 400, files on other hosts are refused without the bot token leaving, user strings cannot ping or link, and
// minus signs in option words are kept (and refused).
import { createHmac } from 'node:crypto';
import { request as httpRequest, createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryLogger } from '../../src/logger.js';
import type { SlackBot } from '../../src/platforms/slack/bot.js';
import { SLACK_MAX_BODY_BYTES } from '../../src/platforms/slack/http-guard.js';
import {
  callText,
  CONTENT_IMAGE,
  createWorld,
  ephemeralTo,
  SIGNING_SECRET,
  type SlackTestWorld,
  smallJpeg,
  startTestBot,
  STYLE_IMAGE,
} from './slack-helpers.js';

let world: SlackTestWorld;
let bot: SlackBot;
let appUrl: string;
let content: Uint8Array;
let style: Uint8Array;
const log = memoryLogger();
let foreign: Server;
let foreignUrl = '';
const foreignHits: { path: string; authorization?: string }[] = [];

beforeAll(async () => {
  world = await createWorld();
  bot = await startTestBot(world, 'http', { logger: log.logger });
  appUrl = `http://127.0.0.1:${bot.port}`;
  content = await smallJpeg(CONTENT_IMAGE);
  style = await smallJpeg(STYLE_IMAGE);
  foreign = createServer((req, res) => {
    foreignHits.push({ path: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.from(style));
  });
  await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
  foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await bot?.stop();
  await world?.cleanup();
  await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
});

/**
 * POSTs `total` bytes to /slack/events in 64 KB chunks, unsigned, optionally declaring the length. Resolves with the
 * status and how many bytes had been written when the answer came.
 */
function postBig(total: number, declareLength: boolean): Promise<{ status: number; writtenAtAnswer: number }> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = httpRequest(`${appUrl}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(declareLength ? { 'content-length': String(total) } : {}) },
    });
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve({ status: res.statusCode ?? 0, writtenAtAnswer: written });
    });
    req.on('error', (error) => (answered ? undefined : reject(error)));
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const pump = () => {
      while (!answered && written < total) {
        written += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

function sign(raw: string, ts: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${raw}`).digest('hex')}`,
  };
}

describe('Slack HTTP receiver: bounded, checked bodies', () => {
  it('answers 413 to an unsigned body over the cap before reading it all, declared or streamed', async () => {
    const declared = await postBig(64 * 1024 * 1024, true);
    expect(declared.status).toBe(413);
    expect(declared.writtenAtAnswer).toBeLessThan(16 * 1024 * 1024);
    const streamed = await postBig(64 * 1024 * 1024, false);
    expect(streamed.status).toBe(413);
    expect(streamed.writtenAtAnswer).toBeLessThan(16 * 1024 * 1024);
    // Still serving: a small signed request is answered.
    const res = await world.fake.postSigned(appUrl, { type: 'url_verification', challenge: 'still-here', token: 't' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('still-here');
    expect(SLACK_MAX_BODY_BYTES).toBeLessThanOrEqual(512 * 1024);
  });

  it('refuses a timestamp more than 5 minutes in the future (and in the past) with 401', async () => {
    const body = world.fake.mention({ user: 'UALICE', text: '<@UBOT> help' });
    const from = world.fake.calls.length;
    const future = Math.floor(Date.now() / 1000) + 60 * 60;
    expect((await world.fake.postSigned(appUrl, body, { timestamp: future })).status).toBe(401);
    expect((await world.fake.postSigned(appUrl, body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(world.fake.calls.slice(from).filter((c) => c.method.startsWith('chat.'))).toEqual([]);
  });

  it('answers a signed event_callback with event: null with 400, and keeps serving', async () => {
    const raw = JSON.stringify({ token: 't', team_id: 'T1', api_app_id: 'A1', type: 'event_callback', event_id: 'Ev1', event: null });
    const res = await fetch(`${appUrl}/slack/events`, { method: 'POST', headers: sign(raw, Math.floor(Date.now() / 1000)), body: raw });
    expect(res.status).toBe(400);
    const ok = await world.fake.postSigned(appUrl, { type: 'url_verification', challenge: 'ok2', token: 't' });
    expect(ok.status).toBe(200);
  });
});

describe('Slack: files only from Slack, user strings escaped, minus signs kept', () => {
  it('refuses a file whose url_private_download names another host: no request there, no token, a clear line and a log line', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const records = log.records.length;
    const photo = fake.addFile('photo.jpg', content);
    const evil = {
      ...fake.addFile('evil.jpg', style),
      url_private: `${foreignUrl}/evil.jpg`,
      url_private_download: `${foreignUrl}/evil.jpg?download=1`,
    };
    await fake.postSigned(appUrl, fake.mention({ user: 'UALICE', text: '<@UBOT>', files: [photo, evil] }));
    const answer = await ephemeralTo(fake, 'UALICE', from, /evil\.jpg/);
    expect(callText(answer.args)).toMatch(/links to a server that is not Slack's own file server, so I did not download it/);
    expect(foreignHits).toEqual([]);
    expect(log.records.slice(records)).toContainEqual(expect.objectContaining({ level: 40, url: `${foreignUrl}/evil.jpg?download=1` }));
  });

  it('refuses a Slack file link that redirects to another host; the token never reaches it', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const photo = fake.addFile('photo.jpg', content);
    const moved = { ...fake.addFile('moved.jpg', style) };
    moved.url_private_download = fake.addRedirect(`${foreignUrl}/moved.jpg`);
    await fake.postSigned(appUrl, fake.mention({ user: 'UALICE', text: '<@UBOT>', files: [photo, moved] }));
    const answer = await ephemeralTo(fake, 'UALICE', from, /moved\.jpg/);
    expect(callText(answer.args)).toMatch(/redirected to a server that is not Slack's own/);
    expect(foreignHits).toEqual([]);
  });

  it('shows a file named "<!channel> <https://example.com|click>.png" as text: no @channel, no link', async () => {
    const { fake } = world;
    const from = fake.calls.length;
    const name = '<!channel> <https://example.com|click>.png';
    const files = [fake.addFile('photo.jpg', content), fake.addFile(name, style)];
    const body = fake.mention({ user: 'UALICE', text: '<@UBOT> iterations 2 seed 4', files });
    await fake.postSigned(appUrl, body);
    const queued = await fake.waitForCall((c) => c.method === 'chat.update' && /position \d+/.test(callText(c.args)), { from });
    const shown = JSON.stringify({ text: queued.args.text, blocks: queued.args.blocks });
    expect(shown).toContain('&lt;!channel&gt; &lt;https://example.com|click&gt;.png');
    await fake.waitForCall((c) => c.method === 'files.completeUploadExternal' && /Done/.test(String(c.args.initial_comment)), { from });
    for (const call of fake.calls.slice(from)) {
      const posted = JSON.stringify([call.args.text, call.args.blocks, call.args.initial_comment]);
      expect(posted).not.toContain('<!channel>');
      expect(posted).not.toContain('<https://example.com|click>');
    }
  });

  it('refuses "iterations -5" and "seed -3" with a clear line instead of running 5 and 3', async () => {
    const { fake } = world;
    for (const [words, pattern] of [
      ['iterations -5', /iterations must be a whole number from 1 to 10000 \(got -5\)/],
      ['seed -3', /seed must be a whole number from 0 to 4294967295 \(got -3\)/],
    ] as const) {
      const from = fake.calls.length;
      const files = [fake.addFile('photo.jpg', content), fake.addFile('starry.jpg', style)];
      await fake.postSigned(appUrl, fake.mention({ user: 'UBOB', text: `<@UBOT> ${words}`, files }));
      const answer = await ephemeralTo(fake, 'UBOB', from, pattern);
      expect(callText(answer.args)).toMatch(pattern);
    }
    expect(await world.jobs.jobsOf({ platform: 'slack', workspaceId: 'T1', userId: 'UBOB' }, 5)).toEqual([]);
  });
});

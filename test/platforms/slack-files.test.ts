// Slack files -> attachments: shape checks, the bot token on downloads, the byte cap while reading, and Slack's
// sign-in page (what a token without files:read gets) reported as such. Against the fake Slack file host.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { bold, plain, plainText } from '../../commands/reply.js';
import { actionName, messageBlocks, slackText } from '../../src/platforms/slack/render.js';
import { SLACK_HELP_TEXT } from '../../src/platforms/slack/help.js';
import { memoryLogger } from '../../src/logger.js';
import { fileOrigins, SLACK_FILE_ORIGINS } from '../../src/platforms/shared/platform-fetch.js';
import { downloadSlackFile, slackAttachments, type SlackFileSource } from '../../src/platforms/slack/files.js';
import { FakeSlack } from '../fakes/slack-server.js';

const TOKEN = 'xoxb-files-test';
let fake: FakeSlack;
const quiet = memoryLogger();
const source = (maxBytes = 1000, botToken = TOKEN): SlackFileSource => ({
  botToken,
  maxBytes,
  allowedOrigins: fileOrigins(SLACK_FILE_ORIGINS, fake.apiUrl),
  logger: quiet.logger,
});

beforeAll(async () => {
  fake = await FakeSlack.start({ botToken: TOKEN });
});

afterAll(async () => {
  await fake.close();
});

describe('slackAttachments', () => {
  it('orders files as "0", "1", ... with name, type and reported size, and downloads with the bot token', async () => {
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    const files = [fake.addFile('photo.jpg', bytes), fake.addFile('paint.png', new Uint8Array([9]), 'image/png')];
    const result = slackAttachments(files, source());
    if (!result.ok) throw new Error(plainText(result.message));
    expect(Object.keys(result.attachments)).toEqual(['0', '1']);
    expect(result.attachments['0']).toMatchObject({ name: 'photo.jpg', contentType: 'image/jpeg', size: 5 });
    expect(result.attachments['1']).toMatchObject({ name: 'paint.png', contentType: 'image/png', size: 1 });
    const from = fake.calls.length;
    expect(Array.from(await result.attachments['0']!.fetch())).toEqual([1, 2, 3, 4, 5]);
    expect(fake.callsOf('download', from)[0]!.token).toBe(TOKEN);
  });

  it('no files is no attachments; malformed lists and files without a link are explained', () => {
    expect(slackAttachments(undefined, source())).toEqual({ ok: true, attachments: {} });
    const message = (files: unknown) => {
      const result = slackAttachments(files, source());
      return result.ok ? undefined : slackText(result.message);
    };
    expect(message({ not: 'a list' })).toMatch(/could not read the files/);
    expect(message([42])).toMatch(/file 1/);
    expect(message([{ name: 'x.jpg', size: 3 }])).toMatch(/did not give me a link to `x\.jpg`/);
    expect(message([{ name: '<!channel>.jpg', size: 3 }])).toMatch(/link to `&lt;!channel&gt;\.jpg`/);
  });
});

describe('downloadSlackFile', () => {
  it('stops reading past the byte limit even when the reported size lies', async () => {
    const file = fake.addFile('big.jpg', new Uint8Array(5000), 'image/jpeg', 10);
    await expect(downloadSlackFile(file.url_private, source(), 'big.jpg')).rejects.toThrow(/`big\.jpg` is larger than/);
  });

  it('reports Slack sign-in page (wrong token or missing files:read) clearly', async () => {
    const file = fake.addFile('p.jpg', new Uint8Array(10));
    await expect(downloadSlackFile(file.url_private, source(1000, 'xoxb-wrong'))).rejects.toThrow(/files:read/);
  });

  it('reports HTTP errors', async () => {
    await expect(downloadSlackFile(`${fake.url}/files-pri/T1-F999/gone.jpg`, source())).rejects.toThrow(/HTTP 404/);
  });
});

describe("downloads only from Slack's file origins (platform-fetch.ts)", () => {
  /** Another origin on this machine (same host, other port): records every request and the token it got. */
  let foreign: Server;
  let foreignUrl = '';
  const hits: { path: string; authorization?: string }[] = [];
  beforeAll(async () => {
    foreign = createServer((req, res) => {
      hits.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.from([1, 2, 3]));
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => foreign.close(() => resolve())));

  it('refuses a url_private_download on another origin without sending it anything, and logs it', async () => {
    const log = memoryLogger();
    const files = [{ name: 'evil.png', mimetype: 'image/png', size: 3, url_private_download: `${foreignUrl}/steal.png` }];
    const result = slackAttachments(files, { ...source(), logger: log.logger });
    if (!result.ok) throw new Error(plainText(result.message));
    const refused = await result.attachments['0']!.fetch().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe('foreign_file');
    expect((refused as UserError).message).toMatch(/`evil\.png` links to a server that is not Slack's own file server/);
    expect(hits).toEqual([]);
    expect(log.records).toEqual([expect.objectContaining({ level: 40, url: `${foreignUrl}/steal.png` })]);
  });

  it("follows a redirect within Slack's origins but not out of them; the token never leaves", async () => {
    const file = fake.addFile('p.png', new Uint8Array([7, 7]), 'image/png');
    const within = fake.addRedirect(file.url_private);
    expect(Array.from(await downloadSlackFile(within, source(), 'p.png'))).toEqual([7, 7]);
    const out = fake.addRedirect(`${foreignUrl}/elsewhere.png`);
    await expect(downloadSlackFile(out, source(), 'p.png')).rejects.toThrow(/redirected to a server that is not Slack's own/);
    expect(hits).toEqual([]);
    // Scheme and port count: https on the same host and port, or the same host on another port, is another origin.
    const origins = fileOrigins(SLACK_FILE_ORIGINS, fake.apiUrl);
    expect(origins).toContain('https://files.slack.com');
    expect(origins).toContain(new URL(fake.apiUrl).origin);
    await expect(downloadSlackFile('https://files.slack.com.evil.example/x.png', source(), 'x.png')).rejects.toThrow(/not Slack's own/);
    await expect(downloadSlackFile(fake.apiUrl.replace('http:', 'https:'), source(), 'x.png')).rejects.toThrow(/not Slack's own/);
  });
});

describe('Block Kit messages', () => {
  it('renders the text and buttons, and reads action ids back', () => {
    const blocks = messageBlocks(
      [bold('hi')],
      [
        { action: 'rerun', label: 'New seed', jobId: 'j1' },
        { action: 'cancel', label: 'Cancel', jobId: 'j1' },
      ],
    );
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } });
    const elements = (blocks[1] as unknown as { elements: { action_id: string; value: string; style?: string }[] }).elements;
    expect(elements.map((e) => [e.action_id, e.value, e.style])).toEqual([
      ['stylebot:rerun', 'j1', undefined],
      ['stylebot:cancel', 'j1', 'danger'],
    ]);
    expect(actionName('stylebot:rerun')).toBe('rerun');
    expect(actionName('other:rerun')).toBeUndefined();
    expect(actionName(undefined)).toBeUndefined();
    expect((messageBlocks(plain('x'.repeat(5000)))[0] as unknown as { text: { text: string } }).text.text.length).toBe(3000);
  });

  it('splits text longer than a section between lines: the whole help arrives, no section over 3000 characters', () => {
    const full = slackText(SLACK_HELP_TEXT);
    expect(full.length).toBeGreaterThan(3000);
    const sections = messageBlocks(SLACK_HELP_TEXT).map((b) => (b as unknown as { text: { text: string } }).text.text);
    expect(sections.length).toBeGreaterThan(1);
    for (const text of sections) expect(text.length).toBeLessThanOrEqual(3000);
    expect(sections.join('\n').replace(/\n+/g, '\n')).toBe(full.replace(/\n+/g, '\n'));
  });
});

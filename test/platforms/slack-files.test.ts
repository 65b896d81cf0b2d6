// Slack files -> attachments: shape checks, the bot token on downloads, the byte cap while reading, and Slack's
// sign-in page (what a token without files:read gets) reported as such. Against the fake Slack file host.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionName, messageBlocks } from '../../src/platforms/slack-blocks.js';
import { downloadSlackFile, slackAttachments } from '../../src/platforms/slack-files.js';
import { FakeSlack } from '../fakes/slack-server.js';

const TOKEN = 'xoxb-files-test';
let fake: FakeSlack;

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
    const result = slackAttachments(files, TOKEN, 1000);
    if (!result.ok) throw new Error(result.message);
    expect(Object.keys(result.attachments)).toEqual(['0', '1']);
    expect(result.attachments['0']).toMatchObject({ name: 'photo.jpg', contentType: 'image/jpeg', size: 5 });
    expect(result.attachments['1']).toMatchObject({ name: 'paint.png', contentType: 'image/png', size: 1 });
    const from = fake.calls.length;
    expect(Array.from(await result.attachments['0'].fetch())).toEqual([1, 2, 3, 4, 5]);
    expect(fake.callsOf('download', from)[0].token).toBe(TOKEN);
  });

  it('no files is no attachments; malformed lists and files without a link are explained', () => {
    expect(slackAttachments(undefined, TOKEN, 1000)).toEqual({ ok: true, attachments: {} });
    expect(slackAttachments({ not: 'a list' }, TOKEN, 1000)).toMatchObject({ ok: false, message: expect.stringMatching(/could not read the files/) });
    expect(slackAttachments([42], TOKEN, 1000)).toMatchObject({ ok: false, message: expect.stringMatching(/file 1/) });
    expect(slackAttachments([{ name: 'x.jpg', size: 3 }], TOKEN, 1000)).toMatchObject({ ok: false, message: expect.stringMatching(/did not give me a link to `x\.jpg`/) });
  });
});

describe('downloadSlackFile', () => {
  it('stops reading past the byte limit even when the reported size lies', async () => {
    const file = fake.addFile('big.jpg', new Uint8Array(5000), 'image/jpeg', 10);
    await expect(downloadSlackFile(file.url_private, TOKEN, 1000, 'big.jpg')).rejects.toThrow(/`big\.jpg` is larger than/);
  });

  it('reports Slack sign-in page (wrong token or missing files:read) clearly', async () => {
    const file = fake.addFile('p.jpg', new Uint8Array(10));
    await expect(downloadSlackFile(file.url_private, 'xoxb-wrong', 1000)).rejects.toThrow(/files:read/);
  });

  it('reports HTTP errors', async () => {
    await expect(downloadSlackFile(`${fake.url}/files-pri/T1-F999/gone.jpg`, TOKEN, 1000)).rejects.toThrow(/HTTP 404/);
  });
});

describe('Block Kit messages', () => {
  it('renders the text and buttons, and reads action ids back', () => {
    const blocks = messageBlocks('*hi*', [
      { action: 'rerun', label: 'New seed', jobId: 'j1' },
      { action: 'cancel', label: 'Cancel', jobId: 'j1' },
    ]);
    expect(blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } });
    const elements = (blocks[1] as unknown as { elements: { action_id: string; value: string; style?: string }[] }).elements;
    expect(elements.map((e) => [e.action_id, e.value, e.style])).toEqual([
      ['stylebot:rerun', 'j1', undefined],
      ['stylebot:cancel', 'j1', 'danger'],
    ]);
    expect(actionName('stylebot:rerun')).toBe('rerun');
    expect(actionName('other:rerun')).toBeUndefined();
    expect(actionName(undefined)).toBeUndefined();
    expect((messageBlocks('x'.repeat(5000))[0] as unknown as { text: { text: string } }).text.text.length).toBe(3000);
  });
});

// The status-message updater on its own, against the local Discord stand-in: coalescing and spacing of edits,
// and posting in the channel once the 15-minute interaction token has run out.
import { REST, Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusView } from '../../commands/types.js';
import { plain } from '../../commands/reply.js';
import { DiscordStatusMessages } from '../../src/platforms/discord/status.js';
import type { DiscordReplyTarget } from '../../src/platforms/discord/request.js';
import { FakeDiscordServer, snowflake } from '../fakes/discord-server.js';

let fake: FakeDiscordServer;
let rest: REST;

beforeAll(async () => {
  fake = await FakeDiscordServer.start();
  rest = new REST({ api: fake.apiBase }).setToken('status-token');
});

afterAll(async () => {
  await fake?.close();
});

/** A deferred interaction reply on the fake server, and the ReplyTarget a job would store for it. */
async function deferredTarget(expiresAt = Date.now() + 15 * 60_000): Promise<DiscordReplyTarget> {
  const token = `tok-${snowflake()}`;
  await rest.post(Routes.interactionCallback(snowflake(), token), { body: { type: 5 }, auth: false });
  return {
    applicationId: fake.applicationId,
    interactionToken: token,
    interactionExpiresAt: expiresAt,
    channelId: fake.channelId,
    guildId: fake.guildId,
    userId: '77',
  };
}

const progress = (i: number): StatusView => ({ text: plain(`iteration ${i}/10`), final: false });

describe('DiscordStatusMessages', () => {
  it('sends the newest view only, spaced by the floor, and the final one without waiting', async () => {
    const statuses = new DiscordStatusMessages(rest, { minEditIntervalMs: 400 });
    const target = await deferredTarget();
    const from = fake.mark();
    for (let i = 1; i <= 5; i++) statuses.show('job-a', target, progress(i));
    await new Promise((r) => setTimeout(r, 50));
    for (let i = 6; i <= 9; i++) statuses.show('job-a', target, progress(i));
    await statuses.idle();
    statuses.show('job-a', target, {
      text: plain('Done'),
      final: true,
      image: { data: new Uint8Array([137, 80, 78, 71]), name: 'out.png' },
    });
    await statuses.idle();

    const edits = fake.calls.slice(from).filter((c) => c.method === 'PATCH');
    expect(edits.map((c) => c.json.content)).toEqual(['iteration 1/10', 'iteration 9/10', 'Done']);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(380);
    expect(edits[2]!.at - edits[1]!.at).toBeLessThan(300);
    expect(edits[2]!.files.map((f) => f.name)).toEqual(['out.png']);
  });

  it('posts in the channel (mentioning the requester) once the interaction token has expired, then edits that post', async () => {
    const statuses = new DiscordStatusMessages(rest, { minEditIntervalMs: 0 });
    const target = await deferredTarget(Date.now() - 1000);
    const from = fake.mark();
    statuses.show('job-b', target, progress(4));
    await statuses.idle();
    statuses.show('job-b', target, progress(8));
    await statuses.idle();
    statuses.show('job-b', target, { text: plain('Done'), final: true });
    await statuses.idle();

    const calls = fake.calls.slice(from).map((c) => `${c.method} ${c.path.replace(/\d{6,}/g, 'ID')} ${c.json?.content ?? ''}`.trim());
    expect(calls).toEqual([
      'POST /channels/ID/messages <@77> iteration 4/10',
      'PATCH /channels/ID/messages/ID <@77> iteration 8/10',
      'POST /channels/ID/messages <@77> Done',
      'DELETE /channels/ID/messages/ID',
    ]);
    expect(fake.calls.slice(from).every((c) => c.authorization === 'Bot status-token')).toBe(true);
  });
});

// `stylebot register`: the command definitions PUT to the (local stand-in of the) Discord REST API.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/register.js';
import { DISCORD_COMMANDS } from '../../src/platforms/discord/commands.js';
import { FakeDiscordServer } from '../fakes/discord-server.js';

let fake: FakeDiscordServer;

beforeAll(async () => {
  fake = await FakeDiscordServer.start();
});

afterAll(async () => {
  await fake?.close();
});

function captureOutput() {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...args) => void out.push(args.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...args) => void err.push(args.join(' ')));
  return { out, err, restore: () => (log.mockRestore(), error.mockRestore()) };
}

describe('stylebot register', () => {
  const env = () => ({ DISCORD_TOKEN: 'reg-token', DISCORD_APP_ID: fake.applicationId, DISCORD_API_BASE: fake.apiBase });

  it('registers the commands in one server and prints the invite URL', async () => {
    const output = captureOutput();
    const code = await run([], { ...env(), DISCORD_GUILD_ID: fake.guildId });
    output.restore();
    expect(code).toBe(0);
    const put = await fake.waitFor((c) => c.method === 'PUT', { timeoutMs: 5000 });
    expect(put.path).toBe(`/applications/${fake.applicationId}/guilds/${fake.guildId}/commands`);
    expect(put.authorization).toBe('Bot reg-token');
    expect(put.json).toEqual(JSON.parse(JSON.stringify(DISCORD_COMMANDS)));
    const names = (put.json as { name: string }[]).map((c) => c.name).sort();
    expect(names).toEqual([
      'Stylize with...',
      'Use as style',
      'artist',
      'artists',
      'cancel',
      'compare',
      'help',
      'jobs',
      'quota',
      'quota-admin',
      'server-settings',
      'show',
      'stats',
      'stylize',
    ]);
    expect(output.out.join('\n')).toContain(`Registered ${names.length} commands in server ${fake.guildId}`);
    const invite = new URL(output.out.join('\n').match(/https:\/\/discord\.com\/oauth2\/authorize\S+/)![0]);
    expect(invite.searchParams.get('client_id')).toBe(fake.applicationId);
    expect(invite.searchParams.get('scope')).toBe('bot applications.commands');
  });

  it('prints the definitions with --print, without calling Discord', async () => {
    const from = fake.mark();
    const output = captureOutput();
    expect(await run(['--print'], {})).toBe(0);
    output.restore();
    const printed = JSON.parse(output.out.join('\n')) as { name: string; type?: number; default_member_permissions?: string }[];
    expect(printed).toEqual(JSON.parse(JSON.stringify(DISCORD_COMMANDS)));
    expect(printed.find((c) => c.name === 'Stylize with...')?.type).toBe(3);
    expect(printed.find((c) => c.name === 'quota-admin')?.default_member_permissions).toBe('32');
    expect(fake.calls.slice(from)).toEqual([]);
  });

  it('registers globally with --global', async () => {
    const from = fake.mark();
    const output = captureOutput();
    const code = await run(['--global'], { ...env(), DISCORD_GUILD_ID: fake.guildId });
    output.restore();
    expect(code).toBe(0);
    const put = await fake.waitFor((c) => c.method === 'PUT', { from, timeoutMs: 5000 });
    expect(put.path).toBe(`/applications/${fake.applicationId}/commands`);
  });

  it('explains missing configuration and bad flags with exit code 2', async () => {
    const output = captureOutput();
    expect(await run([], {})).toBe(2);
    expect(await run(['--guild', 'not-an-id'], env())).toBe(2);
    expect(await run(['--bogus'], env())).toBe(2);
    output.restore();
    expect(output.err.join('\n')).toMatch(/DISCORD_TOKEN is not set[\s\S]*DISCORD_APP_ID is not set/);
    expect(output.err.join('\n')).toContain('"not-an-id" is not a Discord id');
    expect(output.err.join('\n')).toMatch(/bogus/);
  });
});

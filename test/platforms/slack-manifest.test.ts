// The app manifest asks for exactly what the adapter uses: every Web API method the bot calls needs its scope, and
// every event, slash command, shortcut and view the bot registers with Bolt is declared (Slack sends nothing else).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SlackBot } from '../../src/platforms/slack/bot.js';
import { REPO_ROOT } from '../helpers/shared.js';
import { commandContext } from '../e2e/slack-helpers.js';

const manifest = readFileSync(join(REPO_ROOT, 'src', 'platforms', 'slack', 'manifest.yml'), 'utf8');

/** The items of a YAML block list under `key:` (indented "- item", comments dropped). */
function listUnder(key: string): string[] {
  const lines = manifest.split('\n');
  const start = lines.findIndex((line) => line.trim() === `${key}:`);
  expect(start, `${key}: in the manifest`).toBeGreaterThanOrEqual(0);
  const items: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = /^\s+- ([^#\s]+)/.exec(line);
    if (!item) break;
    items.push(item[1]!);
  }
  return items;
}

describe('slack-manifest.yml', () => {
  it('requests the bot scopes the adapter needs', () => {
    expect(listUnder('bot').sort()).toEqual([
      'app_mentions:read',
      'chat:write',
      'commands',
      'files:read',
      'files:write',
      'im:history',
      'users:read',
    ]);
  });

  it('subscribes to app_mention and direct messages, declares /stylize, interactivity and Socket Mode', () => {
    expect(listUnder('bot_events')).toEqual(['app_mention', 'message.im', 'app_home_opened']);
    expect(manifest).toMatch(/home_tab_enabled: true/);
    expect(manifest).toMatch(/messages_tab_enabled: true/);
    expect(manifest).toMatch(/- command: \/stylize/);
    expect(manifest).toMatch(/interactivity:\n(\s+#.*\n)*\s+is_enabled: true/);
    expect(manifest).toMatch(/socket_mode_enabled: true/);
    expect(manifest).not.toMatch(/\t/);
  });

  it('names every event, slash command and shortcut the bot registers, and enables interactivity for its views and buttons', () => {
    // The bot's own listen() against a recorder in place of the Bolt app: what it registers, without a network.
    const registered: Record<string, unknown[]> = { event: [], command: [], shortcut: [], view: [], action: [] };
    const recorder = Object.fromEntries(
      [...Object.keys(registered), 'error'].map((kind) => [
        kind,
        (id: unknown) => (kind === 'error' ? undefined : registered[kind]!.push(id)),
      ]),
    );
    const bot = new SlackBot({ botToken: 'xoxb-x', signingSecret: 's', jobs: {} as never, context: commandContext({} as never) });
    Object.assign(bot, { app: recorder });
    (bot as unknown as { listen(): void }).listen();

    expect(registered.event).toEqual(expect.arrayContaining(['app_mention', 'message', 'app_home_opened']));
    const events = listUnder('bot_events');
    for (const event of registered.event as string[]) {
      // A "message" listener hears the message.* events the manifest subscribes to.
      if (event === 'message') expect(events.some((e) => e.startsWith('message.'))).toBe(true);
      else expect(events, `event ${event}`).toContain(event);
    }
    const commands = [...manifest.matchAll(/- command: (\S+)/g)].map((m) => m[1]);
    expect(registered.command!.length).toBeGreaterThan(0);
    for (const command of registered.command!) expect(commands, `command ${String(command)}`).toContain(command);
    const callbacks = [...manifest.matchAll(/callback_id: (\S+)/g)].map((m) => m[1]);
    expect(registered.shortcut!.length).toBe(2);
    for (const id of registered.shortcut!) expect(callbacks, `shortcut ${String(id)}`).toContain(id);
    // Modals and buttons need no declaration of their own, only interactivity.
    expect(registered.view!.length + registered.action!.length).toBeGreaterThan(0);
    expect(manifest).toMatch(/interactivity:\n(\s+#.*\n)*\s+is_enabled: true/);
    expect(listUnder('bot')).toContain('commands');
  });
});

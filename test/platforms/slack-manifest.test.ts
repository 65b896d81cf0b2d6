// The app manifest asks for exactly what the adapter uses: every Web API method the bot calls needs its scope.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/shared.js';

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
    items.push(item[1]);
  }
  return items;
}

describe('slack-manifest.yml', () => {
  it('requests the bot scopes the adapter needs', () => {
    expect(listUnder('bot').sort()).toEqual(['app_mentions:read', 'chat:write', 'commands', 'files:read', 'files:write', 'im:history', 'users:read']);
  });

  it('subscribes to app_mention and direct messages, declares /stylize, interactivity and Socket Mode', () => {
    expect(listUnder('bot_events')).toEqual(['app_mention', 'message.im']);
    expect(manifest).toMatch(/messages_tab_enabled: true/);
    expect(manifest).toMatch(/- command: \/stylize/);
    expect(manifest).toMatch(/interactivity:\n\s+is_enabled: true/);
    expect(manifest).toMatch(/socket_mode_enabled: true/);
    expect(manifest).not.toMatch(/\t/);
  });
});

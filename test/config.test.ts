import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadDotEnv, readBotConfig } from '../src/config.js';

describe('bot configuration', () => {
  it('runs no bot without credentials and applies defaults', () => {
    const config = readBotConfig({});
    expect(config.discord).toBeUndefined();
    expect(config.slack).toBeUndefined();
    expect(config.defaults).toEqual({ size: 512, iterations: 300 });
    expect(config.admins).toEqual([]);
  });

  it('reads Discord, Slack and admin settings', () => {
    const config = readBotConfig({
      DISCORD_TOKEN: 't', DISCORD_APP_ID: '42', DISCORD_API_BASE: 'http://127.0.0.1:9/api',
      SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', STYLEBOT_ADMINS: ' u1, u2 ,', PORT: '8080',
    });
    expect(config.discord).toMatchObject({ token: 't', applicationId: '42', apiBase: 'http://127.0.0.1:9/api' });
    expect(config.slack).toMatchObject({ botToken: 'xoxb-1', appToken: 'xapp-1', port: 8080 });
    expect(config.admins).toEqual(['u1', 'u2']);
  });

  it('lists every problem at once', () => {
    let error: unknown;
    try {
      readBotConfig({ DISCORD_TOKEN: 't', SLACK_BOT_TOKEN: 'xoxb', STYLEBOT_DEFAULT_SIZE: 'big', DISCORD_API_BASE: 'nope' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/DISCORD_APP_ID is required/);
    expect(problems.join('\n')).toMatch(/SLACK_SIGNING_SECRET is required/);
    expect(problems.join('\n')).toMatch(/STYLEBOT_DEFAULT_SIZE must be a whole number/);
    expect(problems.join('\n')).toMatch(/DISCORD_API_BASE must be a URL/);
  });

  it('loads a .env file without overriding the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stylebot-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, '# comment\nA=1\nexport B="two words"\nC=3\n');
    const env: NodeJS.ProcessEnv = { C: 'kept' };
    loadDotEnv(file, env);
    expect(env).toEqual({ A: '1', B: 'two words', C: 'kept' });
  });
});

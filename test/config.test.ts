import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadDotEnv, readBotConfig, readDatabaseConfig, redactPassword } from '../src/config.js';

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
      DISCORD_TOKEN: 't',
      DISCORD_APP_ID: '42',
      DISCORD_API_BASE: 'http://127.0.0.1:9/api',
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_APP_TOKEN: 'xapp-1',
      STYLEBOT_ADMINS: ' u1, u2 ,',
      PORT: '8080',
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

describe('database configuration', () => {
  it('uses SQLite unless STYLEBOT_DATABASE_URL names a PostgreSQL server', () => {
    expect(readDatabaseConfig({})).toEqual({ postgresUrl: undefined, poolSize: 10 });
    expect(readDatabaseConfig({ STYLEBOT_DATABASE_URL: ' postgresql://bot:pw@db:5432/stylebot ', STYLEBOT_DATABASE_POOL: '4' })).toEqual({
      postgresUrl: 'postgresql://bot:pw@db:5432/stylebot',
      poolSize: 4,
    });
  });

  it('reports a wrong URL without its password, and a bad pool size, together', () => {
    let error: unknown;
    try {
      readDatabaseConfig({ STYLEBOT_DATABASE_URL: 'mysql://bot:hunter2@db/x', STYLEBOT_DATABASE_POOL: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/STYLEBOT_DATABASE_URL must be a PostgreSQL URL.*mysql:\/\/\*\*\*@db\/x/);
    expect(problems.join()).not.toContain('hunter2');
    expect(problems[1]).toMatch(/STYLEBOT_DATABASE_POOL/);
    expect(redactPassword('postgres://u@h/x')).toBe('postgres://u@h/x');
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envExample } from '../src/config-example.js';
import { envSchema, variableInfos } from '../src/config-schema.js';
import { ConfigError, readBotConfig, readDatabaseConfig } from '../src/config.js';

describe('.env.example', () => {
  it('is what `npm run env-example` writes from the schema (run it after adding a variable)', () => {
    const committed = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    expect(committed).toBe(envExample());
  });

  it('names every variable of the schema, with help', () => {
    const committed = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    for (const [name, info] of variableInfos()) {
      expect(committed).toMatch(new RegExp(`^#${name}=`, 'm'));
      expect(info.help.length).toBeGreaterThan(10);
    }
    expect(variableInfos().length).toBe(Object.keys(envSchema.shape).length);
  });
});

describe('configuration problems', () => {
  it('never quote a secret value', () => {
    let error: unknown;
    try {
      readBotConfig({ STYLEBOT_WEB_TOKEN: 'short-secret', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'bad-app-secret' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/STYLEBOT_WEB_TOKEN must be at least 16 characters long/);
    expect(message).toMatch(/SLACK_APP_TOKEN must be an app-level token/);
    expect(message).not.toMatch(/short-secret|bad-app-secret/);
  });

  it('mask the user and password of a bad database URL', () => {
    expect(() => readDatabaseConfig({ STYLEBOT_DATABASE_URL: 'mysql://bot:hunter22@db/x' })).toThrow(/mysql:\/\/\*\*\*@db\/x/);
    expect(() => readDatabaseConfig({ STYLEBOT_DATABASE_URL: 'mysql://bot:hunter22@db/x' })).not.toThrow(/hunter22/);
  });
});

// Kind 8 of the hardening round: a configuration error never prints a secret back, whichever variable it was
// pasted into (a URL variable, a secret-named one), as the database URL's password already was not.
import { describe, expect, it } from 'vitest';
import { ConfigError, readBotConfig } from '../../src/config.js';
import { redactValue } from '../../src/redact.js';

const TOKEN = 'xoxb-1234567890-abcdefSECRETvalue';

function problemsOf(env: NodeJS.ProcessEnv): string {
  try {
    readBotConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a configuration error');
}

describe('configuration errors', () => {
  it('do not echo a token pasted into SLACK_API_URL', () => {
    const message = problemsOf({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_API_URL: TOKEN });
    expect(message).toMatch(/SLACK_API_URL must be a URL/);
    expect(message).not.toContain('SECRETvalue');
  });

  it('do not echo user info or query tokens of a URL', () => {
    expect(redactValue('SLACK_API_URL', `https://me:${TOKEN}@slack.example/api?token=${TOKEN}&x=1#${TOKEN}`)).toBe(
      'https://***@slack.example/api?token=***&x=***',
    );
    expect(redactValue('DISCORD_API_BASE', `https://${TOKEN}@discord.example/`)).not.toContain('SECRET');
  });

  it('hide every value of a secret-named variable, and keep harmless ones readable', () => {
    expect(redactValue('SLACK_SIGNING_SECRET', TOKEN)).toBe(`[hidden, ${TOKEN.length} characters]`);
    expect(redactValue('STYLEBOT_API_KEY', '42')).not.toContain('42');
    expect(redactValue('STYLEBOT_DEFAULT_SIZE', 'big')).toBe('big');
  });
});

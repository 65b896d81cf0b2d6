// Configuration from the environment (and an optional .env file), validated at start with one clear
// message per problem, so an operator sees everything that is wrong in one go.
import { existsSync, readFileSync } from 'node:fs';
import { fieldNamed, type IntegerField } from './options/fields.js';

const SIZE = fieldNamed('size') as IntegerField;
const ITERATIONS = fieldNamed('iterations') as IntegerField;

export interface DiscordConfig {
  token: string;
  applicationId: string;
  guildId?: string;
  apiBase?: string;
}

export interface SlackConfig {
  botToken: string;
  signingSecret?: string;
  appToken?: string;
  port: number;
  apiUrl?: string;
}

export interface BotConfig {
  discord?: DiscordConfig;
  slack?: SlackConfig;
  admins: string[];
  defaults: { size: number; iterations: number };
  limits: { maxImageBytes: number; maxImagePixels: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration problems:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Loads KEY=VALUE lines from a .env file into process.env without overriding what is already set. */
export function loadDotEnv(path = '.env', env: NodeJS.ProcessEnv = process.env): void {
  if (!existsSync(path)) return;
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || line.trimStart().startsWith('#')) continue;
    const [, key, raw] = match;
    const value = raw.replace(/^(['"])(.*)\1$/, '$2');
    if (env[key] === undefined) env[key] = value;
  }
}

export function readBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };
  const url = (name: string) => {
    const raw = text(name);
    if (raw === undefined) return undefined;
    try {
      new URL(raw);
    } catch {
      problems.push(`${name} must be a URL such as http://127.0.0.1:8080/api (got "${raw}")`);
    }
    return raw;
  };

  let discord: DiscordConfig | undefined;
  const discordToken = text('DISCORD_TOKEN');
  if (discordToken) {
    const applicationId = text('DISCORD_APP_ID');
    if (!applicationId) problems.push('DISCORD_APP_ID is required with DISCORD_TOKEN (the application id from the Discord developer portal)');
    discord = { token: discordToken, applicationId: applicationId ?? '', guildId: text('DISCORD_GUILD_ID'), apiBase: url('DISCORD_API_BASE') };
  }

  let slack: SlackConfig | undefined;
  const slackToken = text('SLACK_BOT_TOKEN');
  if (slackToken) {
    const appToken = text('SLACK_APP_TOKEN');
    const signingSecret = text('SLACK_SIGNING_SECRET');
    if (!appToken && !signingSecret) {
      problems.push('SLACK_SIGNING_SECRET is required for the HTTP receiver (or set SLACK_APP_TOKEN for Socket Mode)');
    }
    if (appToken && !appToken.startsWith('xapp-')) problems.push('SLACK_APP_TOKEN must be an app-level token starting with "xapp-"');
    slack = { botToken: slackToken, appToken, signingSecret, port: integer('PORT', 3000, 0, 65535), apiUrl: url('SLACK_API_URL') };
  }

  const config: BotConfig = {
    discord,
    slack,
    admins: (text('STYLEBOT_ADMINS') ?? '').split(',').map((id) => id.trim()).filter(Boolean),
    defaults: {
      // The same ranges as the options themselves (src/options/fields.ts).
      size: integer('STYLEBOT_DEFAULT_SIZE', 512, SIZE.min, SIZE.max),
      iterations: integer('STYLEBOT_DEFAULT_ITERATIONS', 300, ITERATIONS.min, ITERATIONS.max),
    },
    limits: {
      maxImageBytes: integer('STYLEBOT_MAX_IMAGE_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxImagePixels: integer('STYLEBOT_MAX_IMAGE_PIXELS', 40_000_000, 1024, 1_000_000_000),
    },
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

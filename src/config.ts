// Configuration from the environment (and an optional .env file), validated at start with one clear
// message per problem, so an operator sees everything that is wrong in one go.
import { existsSync, readFileSync } from 'node:fs';

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
      size: integer('STYLEBOT_DEFAULT_SIZE', 512, 32, 2048),
      iterations: integer('STYLEBOT_DEFAULT_ITERATIONS', 300, 1, 5000),
    },
    limits: {
      maxImageBytes: integer('STYLEBOT_MAX_IMAGE_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxImagePixels: integer('STYLEBOT_MAX_IMAGE_PIXELS', 40_000_000, 1024, 1_000_000_000),
    },
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

export interface DatabaseConfig {
  /** STYLEBOT_DATABASE_URL: PostgreSQL shared by every front and worker; absent = SQLite in STYLEBOT_DATA_DIR. */
  postgresUrl?: string;
  /** Connections each process keeps to PostgreSQL (STYLEBOT_DATABASE_POOL, default 10). */
  poolSize: number;
}

/**
 * Which store a process uses. STYLEBOT_DATABASE_URL must be a postgres:// or postgresql:// URL (libpq's form:
 * postgres://user:password@host:5432/stylebot?sslmode=require). Throws ConfigError listing every problem.
 */
export function readDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const problems: string[] = [];
  const raw = env.STYLEBOT_DATABASE_URL?.trim() || undefined;
  if (raw !== undefined) {
    let protocol = '';
    try {
      protocol = new URL(raw).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
      problems.push(`STYLEBOT_DATABASE_URL must be a PostgreSQL URL such as postgres://stylebot:secret@db.example:5432/stylebot (got "${redactPassword(raw)}")`);
    }
  }
  const pool = env.STYLEBOT_DATABASE_POOL?.trim();
  const poolSize = pool === undefined || pool === '' ? 10 : Number(pool);
  if (!Number.isInteger(poolSize) || poolSize < 1 || poolSize > 1000) {
    problems.push(`STYLEBOT_DATABASE_POOL must be a whole number from 1 to 1000 (got "${pool}")`);
  }
  if (problems.length) throw new ConfigError(problems);
  return { postgresUrl: raw, poolSize };
}

/** The URL with its password replaced by "***", for messages and logs. */
export function redactPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

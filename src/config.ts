// Configuration from the environment (and an optional .env file), validated at start with one clear
// message per problem, so an operator sees everything that is wrong in one go.
import { redactValue } from './redact.js';
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

/** The studio (src/platforms/web): the bot in the browser, its JSON API, health checks and metrics. */
export interface WebConfig {
  /** STYLEBOT_WEB_HOST, default 127.0.0.1. Anything but a loopback address needs a token. */
  host: string;
  /** STYLEBOT_WEB_PORT, default 8080; 0 = any free port. */
  port: number;
  /** STYLEBOT_WEB_TOKEN: every request must carry it (bearer header or the login form's cookie). */
  token?: string;
  /** STYLEBOT_WEB_ORIGIN: the address people open when it differs from http://host:port (a reverse proxy). */
  publicOrigin?: string;
}

/** 127.0.0.1, 127.x.y.z, ::1 and localhost: only this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface BotConfig {
  discord?: DiscordConfig;
  slack?: SlackConfig;
  web: WebConfig;
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
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${redactValue(name, raw)}")`);
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
      problems.push(`${name} must be a URL such as http://127.0.0.1:8080/api (got "${redactValue(name, raw)}")`);
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

  const webHost = text('STYLEBOT_WEB_HOST') ?? '127.0.0.1';
  const webToken = text('STYLEBOT_WEB_TOKEN');
  if (!isLoopbackHost(webHost) && !webToken) {
    problems.push(
      `STYLEBOT_WEB_TOKEN is required when the studio listens on ${webHost} (not this machine only): ` +
        'set a long random secret, e.g. the output of `openssl rand -hex 32`, or leave STYLEBOT_WEB_HOST at 127.0.0.1',
    );
  }
  if (webToken !== undefined && webToken.length < 16) problems.push('STYLEBOT_WEB_TOKEN must be at least 16 characters long');
  const publicOrigin = url('STYLEBOT_WEB_ORIGIN');
  const web: WebConfig = {
    host: webHost,
    port: integer('STYLEBOT_WEB_PORT', 8080, 0, 65535),
    ...(webToken ? { token: webToken } : {}),
    ...(publicOrigin && URL.canParse(publicOrigin) ? { publicOrigin: new URL(publicOrigin).origin } : {}),
  };

  const config: BotConfig = {
    discord,
    slack,
    web,
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
      problems.push(`STYLEBOT_DATABASE_URL must be a PostgreSQL URL such as postgres://stylebot:secret@db.example:5432/stylebot (got "${redactValue('STYLEBOT_DATABASE_URL', raw)}")`);
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

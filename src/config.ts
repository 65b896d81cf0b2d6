// Configuration from the environment (and an optional .env file): one zod schema (src/config-schema.ts) read once at
// start, with one clear message per problem, so an operator sees everything that is wrong in one go.
import { existsSync, readFileSync } from 'node:fs';
import { parseEnv, type Env } from './config-schema.js';

export { configProblems, envSchema, type Env } from './config-schema.js';

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
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface BotConfig {
  discord?: DiscordConfig;
  slack?: SlackConfig;
  web: WebConfig;
  /** The JSON API's limits (src/platforms/web/rate-limit.ts). */
  api: { rateLimitPerMinute: number; trustProxy?: string[]; webhooks?: { hosts: string[]; secret: string } };
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
    const [, key = '', raw = ''] = match;
    const value = raw.replace(/^(['"])(.*)\1$/, '$2');
    if (env[key] === undefined) env[key] = value;
  }
}

/** Parses the environment with envSchema; throws ConfigError listing every problem (no secret value in any). */
export function readEnv(env: NodeJS.ProcessEnv = process.env, only?: readonly (keyof Env)[]): Env {
  const result = parseEnv(env, only);
  if (!result.success) throw new ConfigError(result.problems);
  return result.data;
}

/** The bots' and the studio's settings. Throws ConfigError listing every problem at once. */
export function readBotConfig(env: NodeJS.ProcessEnv = process.env): BotConfig {
  const parsed = parseEnv(env, BOT_KEYS);
  const problems = parsed.success ? [] : [...parsed.problems];
  const e = (parsed.success ? parsed.data : parsed.partial) as Partial<Env>;

  let discord: DiscordConfig | undefined;
  if (e.DISCORD_TOKEN) {
    if (!e.DISCORD_APP_ID)
      problems.push('DISCORD_APP_ID is required with DISCORD_TOKEN (the application id from the Discord developer portal)');
    discord = { token: e.DISCORD_TOKEN, applicationId: e.DISCORD_APP_ID ?? '', guildId: e.DISCORD_GUILD_ID, apiBase: e.DISCORD_API_BASE };
  }

  let slack: SlackConfig | undefined;
  if (e.SLACK_BOT_TOKEN) {
    const appToken = e.SLACK_APP_TOKEN;
    if (!appToken && !e.SLACK_SIGNING_SECRET) {
      problems.push('SLACK_SIGNING_SECRET is required for the HTTP receiver (or set SLACK_APP_TOKEN for Socket Mode)');
    }
    slack = { botToken: e.SLACK_BOT_TOKEN, appToken, signingSecret: e.SLACK_SIGNING_SECRET, port: e.PORT ?? 3000, apiUrl: e.SLACK_API_URL };
  }

  const webHost = e.STYLEBOT_WEB_HOST ?? '127.0.0.1';
  const webToken = e.STYLEBOT_WEB_TOKEN;
  if (!isLoopbackHost(webHost) && !webToken && !problems.some((p) => p.startsWith('STYLEBOT_WEB_TOKEN'))) {
    problems.push(
      `STYLEBOT_WEB_TOKEN is required when the studio listens on ${webHost} (not this machine only): ` +
        'set a long random secret, e.g. the output of `openssl rand -hex 32`, or leave STYLEBOT_WEB_HOST at 127.0.0.1',
    );
  }
  const publicOrigin = e.STYLEBOT_WEB_ORIGIN;
  const web: WebConfig = {
    host: webHost,
    port: e.STYLEBOT_WEB_PORT ?? 8080,
    ...(webToken ? { token: webToken } : {}),
    ...(publicOrigin && URL.canParse(publicOrigin) ? { publicOrigin: new URL(publicOrigin).origin } : {}),
  };

  const webhookHosts = (e.STYLEBOT_WEBHOOK_HOSTS ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (webhookHosts.length && !e.STYLEBOT_WEBHOOK_SECRET && !problems.some((p) => p.startsWith('STYLEBOT_WEBHOOK_SECRET'))) {
    problems.push(
      'STYLEBOT_WEBHOOK_SECRET is required with STYLEBOT_WEBHOOK_HOSTS: the key receivers check the signature with (e.g. `openssl rand -hex 32`)',
    );
  }

  if (problems.length) throw new ConfigError(problems);
  return {
    discord,
    slack,
    web,
    api: {
      rateLimitPerMinute: e.STYLEBOT_API_RATE_LIMIT ?? 600,
      ...(e.STYLEBOT_TRUST_PROXY
        ? {
            trustProxy: e.STYLEBOT_TRUST_PROXY.split(',')
              .map((a) => a.trim())
              .filter(Boolean),
          }
        : {}),
      ...(webhookHosts.length && e.STYLEBOT_WEBHOOK_SECRET ? { webhooks: { hosts: webhookHosts, secret: e.STYLEBOT_WEBHOOK_SECRET } } : {}),
    },
    admins: (e.STYLEBOT_ADMINS ?? '')
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
    defaults: { size: e.STYLEBOT_DEFAULT_SIZE!, iterations: e.STYLEBOT_DEFAULT_ITERATIONS! },
    limits: { maxImageBytes: e.STYLEBOT_MAX_IMAGE_BYTES!, maxImagePixels: e.STYLEBOT_MAX_IMAGE_PIXELS! },
  };
}

const BOT_KEYS = [
  'DISCORD_TOKEN',
  'DISCORD_APP_ID',
  'DISCORD_GUILD_ID',
  'DISCORD_API_BASE',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'PORT',
  'SLACK_API_URL',
  'STYLEBOT_WEB_HOST',
  'STYLEBOT_WEB_PORT',
  'STYLEBOT_WEB_TOKEN',
  'STYLEBOT_WEB_ORIGIN',
  'STYLEBOT_ADMINS',
  'STYLEBOT_API_RATE_LIMIT',
  'STYLEBOT_TRUST_PROXY',
  'STYLEBOT_WEBHOOK_HOSTS',
  'STYLEBOT_WEBHOOK_SECRET',
  'STYLEBOT_DEFAULT_SIZE',
  'STYLEBOT_DEFAULT_ITERATIONS',
  'STYLEBOT_MAX_IMAGE_BYTES',
  'STYLEBOT_MAX_IMAGE_PIXELS',
] as const satisfies readonly (keyof Env)[];

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
  const e = readEnv(env, ['STYLEBOT_DATABASE_URL', 'STYLEBOT_DATABASE_POOL']);
  return { postgresUrl: e.STYLEBOT_DATABASE_URL, poolSize: e.STYLEBOT_DATABASE_POOL };
}

/** The URL with its password replaced by "***", for messages and logs. */
export function redactPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, '$1***@');
}

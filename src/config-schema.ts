// The one schema of Stylebot's environment (zod). Every variable an operator may set is declared here once, with its
// meaning, default and whether it is a secret; config.ts reads the process's settings from it and .env.example is
// generated from it (`npm run env-example`, checked by test/config-example.test.ts).
import { redactValue } from './redact.js';
import { z } from 'zod';
import { fieldNamed, type IntegerField } from './options/fields.js';

const SIZE = fieldNamed('size') as IntegerField;
const ITERATIONS = fieldNamed('iterations') as IntegerField;

/** What .env.example says about a variable. */
export interface VariableInfo {
  /** The section of .env.example. */
  group: string;
  /** One or two sentences for the operator. */
  help: string;
  /** The value used when the variable is unset (as text), if there is one. */
  default?: string;
  /** A value to show in .env.example when there is no default. */
  example?: string;
  /** Never echoed in a message or log line. */
  secret?: boolean;
}

const infos = new Map<z.ZodType, VariableInfo>();

/** Unset and blank (after trimming) both mean "not given". */
const given = (value: unknown) => (typeof value === 'string' ? value.trim() || undefined : value);

/** What a problem message may quote of the value: nothing for secrets. */
const got = (raw: string, info: VariableInfo) => (info.secret ? '' : ` (got "${raw}")`);

function declare<T extends z.ZodType>(schema: T, info: VariableInfo): T {
  infos.set(schema, info);
  return schema;
}

function text(info: VariableInfo, check?: { test: (v: string) => boolean; message: string }) {
  const base = z.string().optional();
  const checked = check
    ? base.superRefine((raw, ctx) => {
        if (raw !== undefined && !check.test(raw)) ctx.addIssue({ code: 'custom', message: `${check.message}${got(raw, info)}` });
      })
    : base;
  return declare(z.preprocess(given, checked), info);
}

function integer(fallback: number, min: number, max: number, info: Omit<VariableInfo, 'default'>) {
  const full = { ...info, default: String(fallback) };
  const schema = z.preprocess(
    given,
    z
      .string()
      .optional()
      .superRefine((raw, ctx) => {
        if (raw === undefined) return;
        const value = Number(raw);
        if (!Number.isInteger(value) || value < min || value > max) {
          ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}${got(raw, full)}` });
        }
      })
      .transform((raw) => (raw === undefined ? fallback : Number(raw))),
  );
  return declare(schema, full);
}

const isUrl = (v: string) => URL.canParse(v);
const url = (info: VariableInfo) => text(info, { test: isUrl, message: 'must be a URL such as http://127.0.0.1:8080/api' });
const isPostgresUrl = (v: string) => URL.canParse(v) && ['postgres:', 'postgresql:'].includes(new URL(v).protocol);

/** The URL with its password replaced by "***", for messages and logs. */

const CHAT = 'Chat platforms (leave unset to run only the studio)';
const WEB = 'Stylebot Studio and the HTTP API';
const JOBS = 'Jobs and limits';
const STORE = 'Storage';
const ENGINE = 'Engine';
const OPS = 'Logs and operations';

/**
 * Every variable Stylebot reads, in .env.example's order. Values are strings in the environment; integers are
 * checked against their range and come out as numbers; blank counts as unset.
 */
export const envSchema = z.object({
  DISCORD_TOKEN: text({
    group: CHAT,
    help: 'Discord bot token (developer portal, Bot > Reset Token). Starts the Discord bot.',
    secret: true,
  }),
  DISCORD_APP_ID: text({ group: CHAT, help: 'Discord application id; required with DISCORD_TOKEN.', example: '123456789012345678' }),
  DISCORD_GUILD_ID: text({ group: CHAT, help: 'Register the slash commands in this server only (instant), instead of globally.' }),
  DISCORD_API_BASE: url({ group: CHAT, help: "Discord's REST API base, for a test double; leave unset." }),
  SLACK_BOT_TOKEN: text({ group: CHAT, help: 'Slack bot token (xoxb-...). Starts the Slack bot.', secret: true }),
  SLACK_SIGNING_SECRET: text({
    group: CHAT,
    help: "Slack signing secret, for the HTTP receiver (Slack calls this server's PORT).",
    secret: true,
  }),
  SLACK_APP_TOKEN: text(
    { group: CHAT, help: 'Slack app-level token (xapp-...): Socket Mode, no public URL needed.', secret: true },
    { test: (v) => v.startsWith('xapp-'), message: 'must be an app-level token starting with "xapp-"' },
  ),
  PORT: integer(3000, 0, 65535, { group: CHAT, help: "Port of Slack's HTTP receiver." }),
  SLACK_API_URL: url({ group: CHAT, help: "Slack's Web API base, for a test double; leave unset." }),

  STYLEBOT_WEB_HOST: text({
    group: WEB,
    help: 'Address the studio listens on; any but a loopback address needs STYLEBOT_WEB_TOKEN (0.0.0.0 in a container).',
    default: '127.0.0.1',
  }),
  STYLEBOT_WEB_PORT: integer(8080, 0, 65535, { group: WEB, help: 'Port of the studio, API, /healthz and /metrics (0 = any free port).' }),
  STYLEBOT_WEB_TOKEN: text(
    {
      group: WEB,
      help: 'Secret every request must carry when not on loopback (16 characters or more; e.g. `openssl rand -hex 32`).',
      secret: true,
    },
    { test: (v) => v.length >= 16, message: 'must be at least 16 characters long' },
  ),
  STYLEBOT_WEB_ORIGIN: url({
    group: WEB,
    help: 'The address people open, when a reverse proxy serves the studio under another origin.',
    example: 'https://stylebot.example.org',
  }),
  STYLEBOT_ADMINS: text({
    group: WEB,
    help: 'Admins, comma-separated: Discord/Slack user ids, or web:NAME for studio users.',
    example: 'web:alice,123456789012345678',
  }),
  STYLEBOT_API_RATE_LIMIT: integer(600, 0, 1_000_000, {
    group: WEB,
    help: 'Requests a minute to /api per personal token, or per address without one (0 = no limit); over it: 429 with Retry-After.',
  }),
  STYLEBOT_WEBHOOK_HOSTS: text({
    group: WEB,
    help: "Hosts a job's callback_url may name (comma-separated; *.example.org for subdomains); a private address only when listed itself. Unset: no webhooks.",
    example: 'hooks.example.org,127.0.0.1',
  }),
  STYLEBOT_WEBHOOK_SECRET: text(
    {
      group: WEB,
      help: "Key of the webhooks' HMAC-SHA256 signature (Stylebot-Signature), shared with the receivers (16 characters or more).",
      secret: true,
    },
    { test: (v) => v.length >= 16, message: 'must be at least 16 characters long' },
  ),
  STYLEBOT_TRUST_PROXY: text({
    group: WEB,
    help: 'Addresses of reverse proxies whose X-Forwarded-For names the client (comma-separated IPs or CIDRs), for per-address limits.',
    example: '127.0.0.1,10.0.0.0/8',
  }),

  STYLEBOT_DEFAULT_SIZE: integer(512, SIZE.min, SIZE.max, {
    group: JOBS,
    help: 'Largest size a job gets when it names none (the start picks the largest that is good in STYLEBOT_TARGET_JOB_S).',
  }),
  STYLEBOT_DEFAULT_ITERATIONS: integer(300, ITERATIONS.min, ITERATIONS.max, {
    group: JOBS,
    help: 'Most iterations a budgeted job takes; set it to paint exactly that many instead of to a budget.',
  }),
  STYLEBOT_TARGET_JOB_S: text({
    group: JOBS,
    help: 'Seconds of painting a job gets when it names neither budget nor iterations; the default size is the largest that is good in it.',
    default: '60',
  }),
  STYLEBOT_MAX_IMAGE_BYTES: integer(20 * 1024 * 1024, 1024, 1024 * 1024 * 1024, {
    group: JOBS,
    help: 'Largest upload accepted, in bytes.',
  }),
  STYLEBOT_MAX_IMAGE_PIXELS: integer(40_000_000, 1024, 1_000_000_000, { group: JOBS, help: 'Largest upload accepted, in pixels.' }),
  STYLEBOT_JOB_TIMEOUT_S: text({ group: JOBS, help: 'A running job is stopped after this many seconds.', default: '1800' }),

  STYLEBOT_DATA_DIR: text({
    group: STORE,
    help: 'Folder of the SQLite database and the pictures (without STYLEBOT_DATABASE_URL).',
    default: './data',
  }),
  STYLEBOT_DATABASE_URL: text(
    {
      group: STORE,
      help: 'PostgreSQL shared by fronts and workers (libpq URL); unset = SQLite in STYLEBOT_DATA_DIR.',
      example: 'postgres://stylebot:secret@db:5432/stylebot',
      secret: true,
    },
    { test: isPostgresUrl, message: 'must be a PostgreSQL URL such as postgres://stylebot:secret@db.example:5432/stylebot' },
  ),
  STYLEBOT_DATABASE_POOL: integer(10, 1, 1000, { group: STORE, help: 'Connections each process keeps to PostgreSQL.' }),
  STYLEBOT_ARTISTS_DIR: text({ group: STORE, help: 'The artist corpus, one folder per artist.', default: './data/artists' }),

  STYLEBOT_MODEL_DIR: text({
    group: ENGINE,
    help: 'Folder of the VGG-19 weights; fetched there at first start when missing (mount it read-only when offline).',
    default: './models/vgg19',
  }),
  STYLEBOT_WEIGHTS_URL: url({
    group: ENGINE,
    help: 'Where the first start downloads the VGG-19 weights from (a mirror); leave unset for the default.',
  }),
  STYLEBOT_BACKEND: text({
    group: ENGINE,
    help: 'Engine backend: auto, onnxruntime, onnxruntime-cuda, tensorflow-gpu, tensorflow, webgpu, wasm or cpu.',
    default: 'auto',
  }),
  STYLEBOT_WORKERS: text({
    group: ENGINE,
    help: 'Engines in this process (`serve` and `worker`); 0 in `serve` leaves the jobs to `stylebot worker` processes.',
    example: '1',
  }),
  STYLEBOT_THREADS: text({ group: ENGINE, help: 'CPU threads per engine (default: the cores divided among the engines).' }),
  STYLEBOT_CALIBRATE: text({
    group: ENGINE,
    help: 'auto: the first start measures what an iteration costs on this machine (a few seconds) before choosing the default size; off: use the measured table until jobs refine it.',
    default: 'auto',
  }),
  STYLEBOT_GPU_MEMORY_MB: text({ group: ENGINE, help: 'GPU memory the engine may plan for, in MiB (default: what the device reports).' }),
  STYLEBOT_WORKER_NAME: text({ group: ENGINE, help: "This worker's name in job leases (default host:pid)." }),
  STYLEBOT_LEASE_S: text({
    group: ENGINE,
    help: "A worker's lease on a job lasts this long; a dead worker's jobs are resumed after it.",
    default: '60',
  }),

  LOG_LEVEL: text({ group: OPS, help: 'pino level: trace, debug, info, warn, error or fatal.', default: 'info' }),
  STYLEBOT_LOG_FORMAT: text(
    { group: OPS, help: 'json (one pino JSON object a line, for log collectors) or pretty (for a terminal).', default: 'json' },
    { test: (v) => v === 'json' || v === 'pretty', message: 'must be json or pretty' },
  ),
});

export type Env = z.output<typeof envSchema>;
export type EnvName = keyof Env;

/** What .env.example says about each variable, in the schema's order. */
export function variableInfos(): [EnvName, VariableInfo][] {
  return Object.entries(envSchema.shape).map(([name, schema]) => [name as EnvName, infos.get(schema as z.ZodType)!]);
}

export type ParsedEnv = { success: true; data: Env } | { success: false; problems: string[]; partial: Partial<Env> };

/**
 * Parses each named variable of env (all by default) on its own, so one bad value never hides another.
 * Returns the values, or every problem as "NAME must ..." lines with the partial result of the good ones.
 */
export function parseEnv(env: NodeJS.ProcessEnv, only?: readonly EnvName[]): ParsedEnv {
  const names = only ?? (Object.keys(envSchema.shape) as EnvName[]);
  const data: Record<string, unknown> = {};
  const issues: { name: EnvName; issues: z.core.$ZodIssue[] }[] = [];
  for (const name of names) {
    const result = (envSchema.shape[name] as z.ZodType).safeParse(env[name]);
    if (result.success) data[name] = result.data;
    else issues.push({ name, issues: result.error.issues });
  }
  if (issues.length === 0) return { success: true, data: data as Env };
  return { success: false, problems: configProblems(issues, env), partial: data as Partial<Env> };
}

/**
 * The one place that turns schema issues into the operator's messages: "NAME must ..." per problem. A secret's value
 * is never quoted (a secret URL only without its user info); every other value is quoted as src/redact.ts allows (URLs without user info or query values, a URL
 * variable that does not parse only by its length: it may be a pasted token).
 */
export function configProblems(issues: { name: EnvName; issues: readonly { message: string }[] }[], env: NodeJS.ProcessEnv = {}): string[] {
  return issues.flatMap(({ name, issues: list }) =>
    list.map((issue) => {
      const info = infos.get(envSchema.shape[name] as z.ZodType);
      const message = issue.message.replace(/ \(got ".*"\)$/s, '');
      const raw = given(env[name]);
      // A secret URL (the database's) is quoted without its user info; other secrets not at all.
      const quotable = !info?.secret || /_URL$/.test(name);
      if (!quotable || raw === undefined) return `${name} ${message}`;
      return `${name} ${message} (got "${redactValue(name, String(raw))}")`;
    }),
  );
}

// `stylebot admin ...`: quotas, roles, usage, jobs and the audit log, on the same database as the bot.
import { userInfo } from 'node:os';
import { readDatabaseConfig } from '../config.js';
import { join } from 'node:path';
import { BackupError, backupDatabase, restoreDatabase } from '../../db/sqlite/backup.js';
import { createJobService, openStore } from '../app/compose.js';
import { AdminError, jobServiceOptionsFromEnv, type StylebotJobService } from '../jobs/index.js';
import { TOKEN_HELP, tokenCommand, TokenUsageError } from './admin-token.js';
import type { Job, JobState, Platform, Quota, Requester, UserRef } from '../jobs/types.js';

const HELP = `Usage: stylebot admin <command> [--data-dir DIR]

  quota show PLATFORM WORKSPACE USER
  quota set PLATFORM WORKSPACE USER [--jobs-per-day N] [--gpu-seconds-per-day N] [--max-queued N]
                                    [--max-size N] [--max-iterations N]
  defaults set PLATFORM WORKSPACE [the same quota flags]
  role set PLATFORM WORKSPACE USER admin|user
  usage reset PLATFORM WORKSPACE USER
  jobs [--state queued|running|done|failed|cancelled] [--user USER]
  cancel JOB
  stats [--days N] [--workspace WORKSPACE]
  audit [--limit N]
${TOKEN_HELP}
  backup FILE         copy the live SQLite database (jobs, pictures, quotas, audit) to FILE, consistent while
                      the bot runs; with PostgreSQL use pg_dump (README, "Backups")
  restore FILE        put a backup in place in an empty data folder (then start the bot)

PLATFORM is discord, slack or cli; WORKSPACE is the Discord guild id or the Slack team id.
The database is in STYLEBOT_DATA_DIR (default ./data) unless --data-dir is given.`;

const QUOTA_FLAGS: Record<string, keyof Quota> = {
  'jobs-per-day': 'jobsPerDay',
  'gpu-seconds-per-day': 'gpuSecondsPerDay',
  'max-queued': 'maxQueued',
  'max-size': 'maxSize',
  'max-iterations': 'maxIterations',
};
const PLATFORMS: Platform[] = ['discord', 'slack', 'web', 'cli'];
const STATES: JobState[] = ['queued', 'running', 'done', 'failed', 'cancelled'];

/** A mistake in the command line; printed with a hint to --help. */
class UsageError extends Error {}

interface Parsed {
  words: string[];
  flags: Map<string, string>;
}

function parse(argv: string[]): Parsed {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      flags.set('help', 'true');
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      words.push(arg);
    }
  }
  return { words, flags };
}

function wholeNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number of 0 or more (got "${raw}")`);
  return n;
}

function quotaFlags(flags: Map<string, string>): Partial<Quota> {
  const quota: Partial<Quota> = {};
  for (const [name, value] of flags) {
    if (name === 'data-dir') continue;
    const field = QUOTA_FLAGS[name];
    if (!field)
      throw new UsageError(
        `unknown option --${name}; quota options: ${Object.keys(QUOTA_FLAGS)
          .map((f) => `--${f}`)
          .join(', ')}`,
      );
    quota[field] = wholeNumber(name, value);
  }
  if (!Object.keys(quota).length) throw new UsageError('give at least one quota option, e.g. --jobs-per-day 30');
  return quota;
}

function platformOf(raw: string | undefined): Platform {
  if (!raw || !(PLATFORMS as string[]).includes(raw))
    throw new UsageError(`PLATFORM must be one of ${PLATFORMS.join(', ')} (got "${raw ?? ''}")`);
  return raw as Platform;
}

function userRef(words: string[]): UserRef {
  const [platform, workspaceId, userId] = words;
  if (!workspaceId || !userId) throw new UsageError('give PLATFORM WORKSPACE USER');
  return { platform: platformOf(platform), workspaceId, userId };
}

function formatQuota(q: Quota): string {
  return `jobs/day ${q.jobsPerDay}, GPU s/day ${q.gpuSecondsPerDay}, max queued ${q.maxQueued}, max size ${q.maxSize}, max iterations ${q.maxIterations}`;
}

const time = (ms?: number) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '-');

function formatJob(j: Job): string {
  const who = `${j.platform}/${j.workspaceId}/${j.userId}`;
  const extra = j.error ? `  ${j.error}` : j.progress ? `  ${j.progress.iteration}/${j.progress.total}` : '';
  return `${j.id}  ${j.state.padEnd(9)} ${time(j.createdAt)}  ${who}  ${(j.gpuMs / 1000).toFixed(1)} s${extra}`;
}

async function dispatch(service: StylebotJobService, by: Requester, words: string[], flags: Map<string, string>): Promise<number> {
  const [group = '', action, ...rest] = words;
  const singleWord = ['jobs', 'cancel', 'stats', 'audit'].includes(group);
  const key = singleWord ? group : `${group} ${action ?? ''}`;
  if (group === 'token') return tokenCommand(service, by, action, rest, flags);
  switch (key) {
    case 'quota show': {
      const target = userRef(rest);
      const { quota, usage, role } = await service.admin.showQuota(by, target);
      console.log(`${target.platform}/${target.workspaceId}/${target.userId}: role ${role}`);
      console.log(`quota: ${formatQuota(quota)}`);
      console.log(
        `today: ${usage.jobsToday} jobs, ${usage.gpuSecondsToday} GPU s, ${usage.queuedNow} queued now; resets ${new Date(usage.resetsAt).toISOString()}`,
      );
      return 0;
    }
    case 'quota set': {
      const quota = await service.admin.setQuota(by, userRef(rest), quotaFlags(flags));
      console.log(`quota now: ${formatQuota(quota)}`);
      return 0;
    }
    case 'defaults set': {
      const [platform, workspaceId] = rest;
      if (!workspaceId) throw new UsageError('give PLATFORM WORKSPACE');
      const quota = await service.admin.setDefaults(by, { platform: platformOf(platform), workspaceId }, quotaFlags(flags));
      console.log(`workspace defaults now: ${formatQuota(quota)}`);
      return 0;
    }
    case 'role set': {
      const role = rest[3];
      if (role !== 'admin' && role !== 'user') throw new UsageError('the role is admin or user');
      await service.admin.setRole(by, userRef(rest), role);
      console.log(`role set to ${role}`);
      return 0;
    }
    case 'usage reset': {
      await service.admin.resetUsage(by, userRef(rest));
      console.log('usage reset: the daily counters start again from now');
      return 0;
    }
    case 'jobs': {
      const state = flags.get('state');
      if (state && !(STATES as string[]).includes(state)) throw new UsageError(`--state must be one of ${STATES.join(', ')}`);
      const jobs = await service.admin.listJobs(by, { state: state as JobState | undefined, userId: flags.get('user') });
      if (!jobs.length) console.log('no jobs');
      for (const j of jobs) console.log(formatJob(j));
      return 0;
    }
    case 'cancel': {
      const jobId = action;
      if (!jobId) throw new UsageError('give the JOB id to cancel');
      const result = await service.cancel(jobId, by);
      (result.ok ? console.log : console.error)(result.message);
      return result.ok ? 0 : 1;
    }
    case 'stats': {
      const days = flags.has('days') ? wholeNumber('days', flags.get('days')!) : 7;
      const stats = await service.admin.stats(by, flags.get('workspace'), days);
      console.log(`last ${days} day(s)${flags.get('workspace') ? ` in ${flags.get('workspace')}` : ''}`);
      for (const d of stats.perDay) console.log(`${d.day}  ${d.jobs} jobs  ${d.gpuSeconds.toFixed(1)} GPU s`);
      for (const u of stats.perUser)
        console.log(`${u.platform}/${u.workspaceId}/${u.userId}  ${u.jobs} jobs  ${u.gpuSeconds.toFixed(1)} GPU s`);
      if (!stats.perDay.length) console.log('no jobs');
      return 0;
    }
    case 'audit': {
      const limit = flags.has('limit') ? wholeNumber('limit', flags.get('limit')!) : 50;
      const entries = await service.admin.auditLog(by, limit);
      if (!entries.length) console.log('no admin changes yet');
      for (const e of entries) {
        console.log(
          `${time(e.at)}  ${e.actor.platform}/${e.actor.workspaceId}/${e.actor.userId}  ${e.action} ${e.target}  ` +
            `${JSON.stringify(e.before ?? null)} -> ${JSON.stringify(e.after ?? null)}`,
        );
      }
      return 0;
    }
    default:
      throw new UsageError(words.length ? `unknown admin command "${words.slice(0, 2).join(' ')}"` : 'name an admin command');
  }
}

export async function run(argv: string[]): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv[0] === 'admin' ? argv.slice(1) : argv);
  } catch (err) {
    console.error(`stylebot admin: ${(err as Error).message}. See "stylebot admin --help".`);
    return 2;
  }
  if (parsed.flags.has('help') || !parsed.words.length) {
    (parsed.flags.has('help') ? console.log : console.error)(HELP);
    return parsed.flags.has('help') ? 0 : 2;
  }
  if (parsed.words[0] === 'backup' || parsed.words[0] === 'restore') return backupOrRestore(parsed);
  let service: StylebotJobService;
  try {
    const options = jobServiceOptionsFromEnv();
    const dataDir = parsed.flags.get('data-dir');
    parsed.flags.delete('data-dir');
    // The shared PostgreSQL store when STYLEBOT_DATABASE_URL is set, as the bots and workers use it.
    const store = await openStore(readDatabaseConfig(), `admin ${userInfo().username}`);
    service = createJobService({ ...options, ...(dataDir ? { dataDir } : {}), store });
  } catch (err) {
    console.error(`stylebot admin: ${(err as Error).message}`);
    return 1;
  }
  const by: Requester = { platform: 'cli', workspaceId: 'local', userId: userInfo().username, isPlatformAdmin: true };
  try {
    return await dispatch(service, by, parsed.words, parsed.flags);
  } catch (err) {
    if (err instanceof UsageError || err instanceof TokenUsageError) {
      console.error(`stylebot admin: ${err.message}. See "stylebot admin --help".`);
      return 2;
    }
    if (err instanceof AdminError) {
      console.error(`stylebot admin: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    await service.close();
  }
}

/** `admin backup FILE` and `admin restore FILE` on the SQLite database in the data folder. */
async function backupOrRestore(parsed: Parsed): Promise<number> {
  const [command, file, ...extra] = parsed.words;
  if (!file || extra.length) {
    console.error(`stylebot admin: ${command} takes one FILE. See "stylebot admin --help".`);
    return 2;
  }
  if (readDatabaseConfig().postgresUrl) {
    console.error(
      'stylebot admin: STYLEBOT_DATABASE_URL is set: back up PostgreSQL with pg_dump -Fc and restore with pg_restore (README, "Backups").',
    );
    return 2;
  }
  const dataDir = parsed.flags.get('data-dir') ?? jobServiceOptionsFromEnv().dataDir;
  const database = join(dataDir, 'stylebot.db');
  try {
    if (command === 'backup') {
      const { pages } = await backupDatabase(database, file);
      console.log(`Backed up ${database} to ${file} (${pages} pages, integrity checked).`);
    } else {
      const { migrated } = await restoreDatabase(file, database);
      console.log(`Restored ${file} to ${database}${migrated.length ? ` (migrated: ${migrated.join(', ')})` : ''}.`);
    }
    return 0;
  } catch (error) {
    if (error instanceof BackupError) {
      console.error(`stylebot admin: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

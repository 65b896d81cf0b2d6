// `stylebot serve` (and `npm start`): the studio (the bot in the browser, its JSON API, health and metrics) and
// every chat bot that has credentials, Discord and Slack side by side, all sharing one job service (one queue, one
// database, one pool of engine workers). Without weights it fetches them first.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandContext } from '../../commands/types.js';
import { ConfigError, loadDotEnv, readBotConfig, readDatabaseConfig } from '../config.js';
import { resolveArtistsDir } from '../engine/artists.js';
import { jobServiceOptionsFromEnv } from '../jobs/index.js';
import { loggerFromEnv, type Logger } from '../logger.js';
import { countingQuotaRefusals, metrics } from '../metrics.js';
import { fetchVgg19, readModelSource, resolveTargetDir } from '../models/index.js';
import { REPO_ROOT } from '../models/checksums.js';
import { MANIFEST_FILE } from '../models/weights-dir.js';
import { LOCAL_USER } from '../platforms/web/auth.js';
import type { ChatConnection } from '../platforms/web/ops.js';
import { PersonalTokens } from '../platforms/web/tokens.js';
import { expectedBackend } from '../engine/backend-names.js';
import { DownloadBar } from './progress.js';
import { budgetSize, DEFAULT_BUDGET_S, finalIterationsWithin, formatDuration, refuseOverLimit } from '../engine/estimate.js';
import { FINAL_SCALE_FLOOR } from '../engine/budget.js';
import { COST_BOOK_FILE, CostBook } from '../engine/cost-book.js';
import { defaultThreads, threadsFromEnv } from '../engine/onnx/session.js';
import { hostname } from 'node:os';
import { createJobService, openStore } from '../app/compose.js';

interface RunningBot extends ChatConnection {
  stop(): Promise<void>;
}

/** The process's logger, set at the start of run() (module helpers below log through it). */
let log: Logger;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`stylebot serve: run Stylebot Studio, and the Discord and/or Slack bot when they have credentials.

The studio serves the bot as a web page with a JSON API on http://127.0.0.1:8080 (STYLEBOT_WEB_HOST,
STYLEBOT_WEB_PORT; another host needs STYLEBOT_WEB_TOKEN), with /healthz, /readyz and /metrics. Discord runs when
DISCORD_TOKEN and DISCORD_APP_ID are set; Slack when SLACK_BOT_TOKEN is set (Socket Mode with SLACK_APP_TOKEN,
otherwise HTTP on PORT with SLACK_SIGNING_SECRET). All share one queue and one database. Without VGG-19 weights
it downloads them first. See README.md for every variable. A .env file in the working directory is read too.`);
    return 0;
  }
  loadDotEnv();
  // Every line from here on is a pino record (JSON, or readable with STYLEBOT_LOG_FORMAT=pretty).
  const logger = loggerFromEnv(process.env);
  log = logger;
  let config;
  let jobOptions;
  let budgeted;
  let costBook;
  let database;
  try {
    config = readBotConfig();
    jobOptions = jobServiceOptionsFromEnv();
    database = readDatabaseConfig();
  } catch (error) {
    log.error(error instanceof ConfigError ? error.message : `Configuration problem: ${(error as Error).message}`);
    return 2;
  }

  const modelDir = await weightsForStart(jobOptions.modelDir);
  if (!modelDir) return 1;
  // /compare runs the engine in its own thread, which finds the weights through the environment.
  process.env.STYLEBOT_MODEL_DIR = modelDir;
  try {
    costBook = await calibrateAtFirstStart(join(jobOptions.dataDir, COST_BOOK_FILE));
    budgeted = budgetedDefaults(config.defaults, costBook, jobOptions.jobTimeoutS);
  } catch (error) {
    log.error(`Configuration problem: ${(error as Error).message}`);
    return 2;
  }

  let store;
  try {
    store = await openStore(database, `front ${hostname()}:${process.pid}`);
  } catch (error) {
    log.error((error as Error).message);
    return 1;
  }
  // The person at the studio (loopback) or the token holder is an admin, like a configured STYLEBOT_ADMINS entry.
  const admins = [...config.admins, `web:${LOCAL_USER}`];
  const jobs = createJobService({ ...jobOptions, modelDir, admins, store, costBook, releaseOnClose: true });
  metrics.watch(jobs);
  // The process's one logger: handed to the commands and both adapters (internal errors are logged with their id).
  const context: CommandContext = { jobs: countingQuotaRefusals(jobs, metrics), limits: config.limits, ...budgeted, logger };
  const bots: RunningBot[] = [];
  const artistsDir = jobOptions.artistsDir ?? resolveArtistsDir(process.env, jobOptions.dataDir);

  const { startStudio } = await import('../platforms/web/server.js');
  let studio;
  try {
    studio = await startStudio({
      ...config.web,
      jobs,
      context,
      artistsDir,
      metrics,
      tokens: PersonalTokens.of(jobs),
      ...config.api,
      connections: () => bots,
    });
  } catch (error) {
    log.error(`Could not start the studio: ${(error as Error).message}`);
    await jobs.close();
    return 1;
  }
  await jobs.start();
  log.info(`Stylebot Studio: ${studio.url}${config.web.token ? ' (log in with STYLEBOT_WEB_TOKEN)' : ''}`);

  try {
    if (config.discord) {
      const { startDiscordBot } = await import('../platforms/discord/bot.js');
      const bot = await startDiscordBot({ ...config.discord, jobs, context, admins: config.admins, logger });
      bots.push({ name: 'discord', stop: bot.stop, ready: bot.ready });
      log.info('Discord bot connected.');
    }
    if (config.slack) {
      const { startSlackBot } = await import('../platforms/slack/bot.js');
      const bot = await startSlackBot({ ...config.slack, jobs, context, admins: config.admins, logger });
      bots.push({ name: 'slack', stop: bot.stop, ready: bot.ready });
      log.info(
        config.slack.appToken ? 'Slack bot connected (Socket Mode).' : `Slack bot listening on port ${bot.port ?? config.slack.port}.`,
      );
    }
  } catch (error) {
    log.error(`Could not start: ${(error as Error).message}`);
    await stopAll(bots, studio.close, jobs.close.bind(jobs));
    return 1;
  }
  if (!config.discord && !config.slack) {
    log.info('No chat bot configured (DISCORD_TOKEN and DISCORD_APP_ID, or SLACK_BOT_TOKEN): the studio runs alone.');
  }

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      log.info(`${signal}: stopping; queued and running jobs resume at the next start.`);
      resolve();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  await stopAll(bots, studio.close, jobs.close.bind(jobs));
  metrics.unwatch();
  return 0;
}

async function stopAll(bots: RunningBot[], closeStudio: () => Promise<void>, closeJobs: () => Promise<void>): Promise<void> {
  for (const bot of bots) {
    await bot.stop().catch((error: Error) => log.error(`${bot.name} did not stop cleanly: ${error.message}`));
  }
  await closeStudio().catch((error: Error) => log.error(`The studio did not stop cleanly: ${error.message}`));
  await closeJobs();
}

const hasWeights = (dir: string) => existsSync(join(dir, MANIFEST_FILE));

/**
 * The weights folder to run with: STYLEBOT_MODEL_DIR, else models/vgg19, else ../shared/models/vgg19 of a
 * development checkout. When none holds weights, downloads them (as `stylebot models fetch`) into
 * STYLEBOT_MODEL_DIR or models/vgg19 with a progress bar. Returns undefined after printing what to do when that fails.
 */
export async function weightsForStart(configured: string | undefined): Promise<string | undefined> {
  const target = resolveTargetDir(configured);
  const candidates = configured ? [target] : [target, join(REPO_ROOT, '..', 'shared', 'models', 'vgg19')];
  const found = candidates.find(hasWeights);
  if (found) return found;

  const source = readModelSource('vgg19');
  log.info(`No VGG-19 weights in ${candidates.join(' or ')}: downloading them once (about 80 MB) into ${target}.`);
  const bar = new DownloadBar(process.stderr);
  try {
    const result = await fetchVgg19({ dir: target, onProgress: (received, total) => bar.update(received, total) });
    bar.finish();
    log.info(`Weights ready: ${result.tensors} tensors in ${result.dir} (MD5 ${result.md5} checked).`);
    return result.dir;
  } catch (error) {
    bar.finish();
    log.error(
      [
        `Could not get the VGG-19 weights: ${(error as Error).message}`,
        'The engine needs them once. Either:',
        '  - run `npm start` again when this machine is online (or `npx stylebot models fetch`), or',
        `  - copy ${source.file} (MD5 ${source.md5}) from another machine`,
        `    and run \`npx stylebot models convert ${source.file}\`, or`,
        '  - set STYLEBOT_MODEL_DIR to a folder that already holds converted weights (weights_manifest.json).',
      ].join('\n'),
    );
    return undefined;
  }
}

/** The backend and threads this process's engines will run with: the cost book's key for this machine. */
function expectedEngine(env: NodeJS.ProcessEnv): { backend: string; threads: number } {
  return { backend: expectedBackend(env), threads: threadsFromEnv(env, defaultThreads(Number(env.STYLEBOT_WORKERS) || 1)) };
}

/**
 * The cost book in `file`, measured first when it holds nothing for this machine's backend and threads: a first start
 * runs `stylebot calibrate` (a few seconds of small pictures) in a child process, so its memory goes with it, before
 * the default size is chosen. STYLEBOT_CALIBRATE=off skips it (jobs then refine the table's costs); a calibration that
 * fails or takes over CALIBRATE_TIMEOUT_MS is logged and the table used.
 */
async function calibrateAtFirstStart(file: string, env: NodeJS.ProcessEnv = process.env): Promise<CostBook> {
  const book = CostBook.open(file);
  const { backend, threads } = expectedEngine(env);
  const mode = env.STYLEBOT_CALIBRATE?.trim().toLowerCase() || 'auto';
  if (mode !== 'auto' && mode !== 'off') throw new Error(`STYLEBOT_CALIBRATE must be auto or off (got "${env.STYLEBOT_CALIBRATE}")`);
  if (mode === 'off' || book.samples(backend, threads).length > 0) return book;
  log.info(
    `First start on this machine: measuring what an iteration costs on ${backend} (a few seconds; STYLEBOT_CALIBRATE=off skips it).`,
  );
  const outcome = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'bin', 'stylebot.js'), 'calibrate', '--backend', env.STYLEBOT_BACKEND?.trim() || 'auto'],
      {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), CALIBRATE_TIMEOUT_MS);
    child.on('error', (error) => (stderr += String(error)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  if (outcome.code !== 0) {
    log.warn(
      `The first-start calibration did not finish (exit ${outcome.code}): ${outcome.stderr.trim().split('\n').at(-1) ?? ''}; using the measured table until jobs refine it.`,
    );
    return book;
  }
  return CostBook.open(file);
}

/** The longest a first-start calibration may take (it takes a few seconds on a 2-core CPU). */
const CALIBRATE_TIMEOUT_MS = 120_000;

/**
 * Chat and studio defaults: a job whose requester names neither budget nor iterations paints for STYLEBOT_TARGET_JOB_S
 * (default DEFAULT_BUDGET_S, 60 s) at the largest size that is good in that time on the backend the workers will most
 * likely use (estimate.ts budgetSize: 512 px on a 2-core CPU), at most STYLEBOT_DEFAULT_SIZE (kept as it is when set
 * explicitly); STYLEBOT_DEFAULT_ITERATIONS set explicitly turns the default budget off. A request over the job time
 * limit, or a budget too short for its size, is refused before it is queued.
 */
function budgetedDefaults(
  configured: CommandContext['defaults'],
  costBook: CostBook,
  jobTimeoutS = 1800,
  env: NodeJS.ProcessEnv = process.env,
): Pick<CommandContext, 'defaults' | 'refuseOverLimit'> {
  const { backend, threads } = expectedEngine(env);
  // The book learns from every finished job of this process: refusals price with what it knows now.
  const costNow = () => costBook.cost(backend, threads);
  const cost = costNow();
  const measured = costBook.samples(backend, threads).length > 0;
  const limitMs = jobTimeoutS * 1000;
  const refuse = (job: { size: number; iterations: number; budget?: number }) => {
    const cost = costNow();
    if (!job.budget) return refuseOverLimit(cost, job, limitMs);
    if (job.budget * 1000 > limitMs)
      return `A budget of ${job.budget} s is over the ${formatDuration(limitMs).replace('about ', '')} job limit; ask for ${jobTimeoutS} s or less.`;
    if (finalIterationsWithin(cost, job.budget * 1000, job.size) >= FINAL_SCALE_FLOOR) return null;
    return `${job.budget} s is too short to paint ${job.size} px on ${cost.backend}; size ${budgetSize(cost, job.budget * 1000, job.size)} fits, or give it more time.`;
  };
  const targetS = Number(env.STYLEBOT_TARGET_JOB_S?.trim() || DEFAULT_BUDGET_S);
  if (!(targetS > 0)) throw new Error(`STYLEBOT_TARGET_JOB_S must be a positive number of seconds (got "${env.STYLEBOT_TARGET_JOB_S}")`);
  if (env.STYLEBOT_DEFAULT_ITERATIONS) return { defaults: configured, refuseOverLimit: refuse };
  const size = env.STYLEBOT_DEFAULT_SIZE ? configured.size : budgetSize(cost, targetS * 1000, configured.size);
  log.info(
    `Default picture on ${cost.backend}: ${size} px painted for ${targetS} s (STYLEBOT_TARGET_JOB_S), at most ${configured.iterations} iterations` +
      (measured ? ", priced with this machine's measurements." : '; `stylebot calibrate` measures this machine (every job refines it).'),
  );
  return { defaults: { ...configured, size, budget: targetS }, refuseOverLimit: refuse };
}

// `stylebot worker`: a process that only paints. It leases jobs from the shared store (PostgreSQL named by
// STYLEBOT_DATABASE_URL, or the SQLite file in STYLEBOT_DATA_DIR on the same host), runs STYLEBOT_WORKERS engines, and stores the results, whose
// delivery the fronts (`stylebot serve`) take from the outbox. Run one per GPU host.
import { loggerFromEnv } from '../logger.js';
import { ConfigError, loadDotEnv, readDatabaseConfig, redactPassword } from '../config.js';
import { jobServiceOptionsFromEnv } from '../jobs/index.js';
import { defaultWorkerName } from '../jobs/service.js';
import { createJobService, openStore } from '../app/compose.js';

const HELP = `stylebot worker: run engine jobs from the shared store (one per GPU host).

Environment (and .env):
  STYLEBOT_WORKERS       engines in this process (default 1 on a GPU backend, one per core on wasm/cpu)
  STYLEBOT_WORKER_NAME   this worker's name in job leases (default host:pid)
  STYLEBOT_LEASE_S       a lease lasts this long and is renewed every third of it; the jobs of a worker that
                         died run again elsewhere after it (default 30)
  STYLEBOT_DATABASE_URL  the PostgreSQL database shared with the bots and the other workers
                         (postgres://user:password@host:5432/stylebot; STYLEBOT_DATABASE_POOL connections, default 10)
  STYLEBOT_DATA_DIR      without STYLEBOT_DATABASE_URL: the folder of the SQLite database shared with the bots
                         on this host (default ./data)
  STYLEBOT_BACKEND, STYLEBOT_MODEL_DIR, STYLEBOT_JOB_TIMEOUT_S, STYLEBOT_PROGRESS_MS: as for "stylebot serve".
Stops on SIGINT/SIGTERM, handing its running jobs back to the queue.`;

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(HELP);
    return 0;
  }
  if (argv.length) {
    console.error(`stylebot worker takes no arguments (got "${argv.join(' ')}"); it is configured by the environment. See --help.`);
    return 2;
  }
  loadDotEnv();
  // Every line from here on is a pino record (JSON, or readable with STYLEBOT_LOG_FORMAT=pretty).
  const logger = loggerFromEnv(process.env);
  let options;
  let database;
  try {
    options = jobServiceOptionsFromEnv();
    database = readDatabaseConfig();
  } catch (error) {
    logger.error(error instanceof ConfigError ? error.message : (error as Error).message);
    return 2;
  }
  if (options.workers === 0) {
    logger.error('STYLEBOT_WORKERS is 0: a worker with no engine would do nothing. Give 1 or more, or leave it unset.');
    return 2;
  }
  const name = options.workerName ?? defaultWorkerName();
  let store;
  try {
    store = await openStore(database, `worker ${name}`);
  } catch (error) {
    logger.error((error as Error).message);
    return 1;
  }
  const service = createJobService({ ...options, workerName: name, holdEvents: false, releaseOnClose: true, store });
  await service.start();
  const where = database.postgresUrl ? `PostgreSQL at ${redactPassword(database.postgresUrl)}` : `SQLite in ${options.dataDir}`;
  logger.info(`stylebot worker ${name}: taking jobs from the store (${where}).`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  logger.info(`stylebot worker ${name}: stopping; its running jobs go back to the queue.`);
  await service.close();
  return 0;
}

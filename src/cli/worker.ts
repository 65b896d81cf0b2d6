// `stylebot worker`: engine work only, for GPU hosts. Leases jobs from the shared store (PostgreSQL via
// STYLEBOT_DATABASE_URL), paints them on STYLEBOT_WORKERS engine threads, renews the leases, saves progress and
// results there; fronts deliver them. Named STYLEBOT_WORKER_NAME (default host:pid) in leases and in job records.
import { ConfigError, loadDotEnv, readDatabaseConfig, redactPassword } from '../config.js';
import { createJobService, jobServiceOptionsFromEnv } from '../jobs/index.js';
import { defaultWorkerName } from '../jobs/service.js';
import { openStore } from './store.js';

const HELP = `stylebot worker: run engine jobs from the shared job store, with no chat connection.

Start one per GPU host, beside any number of "stylebot serve" fronts on the same database:
  STYLEBOT_DATABASE_URL   postgres://user:password@host:5432/stylebot (required for workers on other hosts)
  STYLEBOT_WORKERS        engine threads in this process (default 1 on a GPU backend, one per core on wasm)
  STYLEBOT_WORKER_NAME    this worker's name in job records (default host:pid)
  STYLEBOT_MODEL_DIR, STYLEBOT_BACKEND, STYLEBOT_JOB_TIMEOUT_S, STYLEBOT_PROGRESS_MS as for serve.
Without STYLEBOT_DATABASE_URL it works on the SQLite database in STYLEBOT_DATA_DIR (same host only).
SIGINT or SIGTERM stops it; jobs it was painting are run again by another worker.`;

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
  let database;
  let jobOptions;
  try {
    database = readDatabaseConfig();
    jobOptions = jobServiceOptionsFromEnv();
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `Configuration problem: ${(error as Error).message}`);
    return 2;
  }
  if (jobOptions.workers === 0) {
    console.error('STYLEBOT_WORKERS=0 leaves a worker nothing to do: give it at least one engine.');
    return 2;
  }
  const name = jobOptions.workerName ?? defaultWorkerName();
  let store;
  try {
    store = await openStore(database, `worker ${name}`);
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  const jobs = createJobService({ ...jobOptions, workerName: name, store });
  await jobs.start();
  const where = database.postgresUrl ? `PostgreSQL at ${redactPassword(database.postgresUrl)}` : `SQLite in ${jobOptions.dataDir}`;
  console.log(`Worker ${name} ready: jobs from ${where}.`);

  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      console.log(`${signal}: worker ${name} stopping; its running jobs will run again elsewhere.`);
      resolve();
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
  await jobs.close();
  return 0;
}

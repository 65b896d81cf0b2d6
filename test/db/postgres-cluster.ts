// A throwaway PostgreSQL cluster for tests and benchmarks: Debian's server binaries, initdb in a temp folder,
// the server on a free 127.0.0.1 port with its socket in the same folder, trust authentication, stopped and
// deleted afterwards. As root (CI) the cluster belongs to the `postgres` user, since the server refuses root.
//
//   npx tsx test/db/postgres-cluster.ts start   prints shell assignments (STYLEBOT_TEST_DATABASE_URL, ...)
//   npx tsx test/db/postgres-cluster.ts stop DIR stops the cluster in DIR and deletes it
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface TestCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres: a superuser connection to the maintenance database. */
  url: string;
  /** The temp folder holding the data directory, the socket and the log. */
  dir: string;
  stop(): void;
}

/** The newest installed server's bin folder (/usr/lib/postgresql/<major>/bin), or null when none is installed. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0]!, 'bin') : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a server binary as the cluster's owner: `postgres` when we are root, else ourselves. */
function runAsOwner(bin: string, args: string[], asPostgres: boolean): void {
  const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Creates and starts a cluster. `durable: false` (tests) turns fsync and synchronous commit off, which a
 * throwaway cluster does not need; benchmarks keep the defaults so their numbers mean what production's would.
 * Throws with the server's own message when initdb or pg_ctl fail.
 */
export async function startTestCluster(options: { durable?: boolean } = {}): Promise<TestCluster> {
  const bin = findPostgresBin();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  const asPostgres = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'stylebot-pg-'));
  chmodSync(dir, 0o700);
  if (asPostgres) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const port = await freePort();
  try {
    runAsOwner(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', ...(options.durable ? [] : ['--no-sync'])],
      asPostgres,
    );
    const settings = [
      `-p ${port}`,
      `-k ${dir}`,
      "-c listen_addresses='127.0.0.1'",
      '-c max_connections=200',
      ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
    ].join(' ');
    runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start'], asPostgres);
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`could not start a PostgreSQL cluster: ${e.stderr?.toString().trim() || e.message}`);
  }
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    stop() {
      if (stopped) return;
      stopped = true;
      stopTestCluster(dir);
    },
  };
}

/** Stops the server of a cluster made by startTestCluster (fast shutdown) and deletes its folder. */
export function stopTestCluster(dir: string): void {
  const bin = findPostgresBin();
  const data = join(dir, 'data');
  if (bin && existsSync(join(data, 'postmaster.pid'))) {
    try {
      runAsOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], process.getuid?.() === 0);
    } catch {
      // already stopped
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [command, arg] = process.argv.slice(2);
  if (command === 'start') {
    const cluster = await startTestCluster({ durable: arg === '--durable' });
    console.log(`STYLEBOT_TEST_DATABASE_URL='${cluster.url}'`);
    console.log(`STYLEBOT_TEST_PG_DIR='${cluster.dir}'`);
  } else if (command === 'stop' && arg) {
    stopTestCluster(arg);
  } else {
    console.error('usage: postgres-cluster.ts start [--durable] | stop DIR');
    process.exitCode = 2;
  }
}

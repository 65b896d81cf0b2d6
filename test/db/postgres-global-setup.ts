// vitest globalSetup: a throwaway PostgreSQL cluster for the PostgreSQL tests, so `npm test` covers them on any
// machine with Debian's server binaries. CI (.ci/run) starts its own and sets STYLEBOT_TEST_DATABASE_URL; then, or
// when the run names only test files that have nothing to do with PostgreSQL, nothing is started here.
import type { TestProject } from 'vitest/node';
import { findPostgresBin, startTestCluster } from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the test cluster ('' when none: the PostgreSQL tests skip). */
    postgresUrl: string;
    /** Why there is no cluster, printed by the tests that skip. */
    postgresSkipReason: string;
  }
}

/** File filters given on the command line (`vitest run test/a.test.ts`), if any. */
function fileFilters(): string[] {
  const args = process.argv.slice(2);
  return args.filter((a, i) => !a.startsWith('-') && !['run', 'watch', 'dev', 'related'].includes(a) && !args[i - 1]?.startsWith('--'));
}

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const given = process.env.STYLEBOT_TEST_DATABASE_URL?.trim();
  if (given) {
    project.provide('postgresUrl', given);
    project.provide('postgresSkipReason', '');
    return undefined;
  }
  const filters = fileFilters();
  if (filters.length && !filters.some((f) => /postgres|pg|scale|store|e2e|test\/db/i.test(f))) {
    project.provide('postgresUrl', '');
    project.provide('postgresSkipReason', 'no PostgreSQL test was selected');
    return undefined;
  }
  if (!findPostgresBin()) {
    project.provide('postgresUrl', '');
    project.provide(
      'postgresSkipReason',
      'no PostgreSQL server binaries under /usr/lib/postgresql and STYLEBOT_TEST_DATABASE_URL is not set (apt-get install postgresql)',
    );
    return undefined;
  }
  try {
    const cluster = await startTestCluster();
    project.provide('postgresUrl', cluster.url);
    project.provide('postgresSkipReason', '');
    return () => cluster.stop();
  } catch (err) {
    project.provide('postgresUrl', '');
    project.provide('postgresSkipReason', (err as Error).message);
    return undefined;
  }
}

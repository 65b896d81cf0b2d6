import { defineConfig } from 'vitest/config';

// The engine tests run the real VGG-19 on wasm: give them room, and keep the number of test
// processes at the core count of a CI machine (2). The JSON report feeds .ci/run's summary line.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A throwaway PostgreSQL cluster for the PostgreSQL store tests (skipped with a reason where none can start).
    globalSetup: ['test/db/postgres-global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/results.json' },
  },
});

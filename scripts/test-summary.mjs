// Prints the plain line CI reads ("N passed, N failed") from vitest's JSON report, plus the container checks'
// report (scripts/container-check.sh writes test-results/container.json) when there is one.
// Exits non-zero when the report is missing, when anything failed, or when no test ran.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/results.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`no test report at ${file}: ${error.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
let passed = report.numPassedTests ?? 0;
// Suites that fail to load count as failures too: their tests never ran.
let failed = (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
let skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);

const containerFile = process.argv[3] ?? file.replace(/results\.json$/, 'container.json');
let container;
try {
  container = JSON.parse(readFileSync(containerFile, 'utf8'));
} catch {
  // no container checks in this run
}
if (container?.skipped) {
  console.log(`container checks skipped: ${container.skipped}`);
  skipped += 1;
}
for (const check of container?.checks ?? []) {
  if (check.ok) passed += 1;
  else {
    failed += 1;
    console.log(`container check failed: ${check.name}: ${check.detail}`);
  }
}
// The last line must be exactly "N passed, N failed"; skipped tests (e.g. webgpu ones without an adapter) go before it.
if (skipped) console.log(`${skipped} skipped`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);

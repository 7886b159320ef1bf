#!/usr/bin/env node
// `npm test`: every test (unit, integration, end-to-end in headless Chromium) in one run.
// Installs what the tests need when missing, then fails if any test failed or if the
// end-to-end tests did not run: they are never silently skipped.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { ensureTestDeps } from './ensure-test-deps.mjs';

const REPORT = 'test-results/vitest.json';

try {
  process.env.CHROME_PATH = ensureTestDeps();
} catch (error) {
  console.error(error.message);
  process.exit(1);
}

// Types first: a type error fails the run before the slower tests start.
const typecheck = spawnSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' });
if (typecheck.status !== 0) {
  console.error('Type check failed (npx tsc --noEmit).');
  process.exit(1);
}

rmSync(REPORT, { force: true });
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${REPORT}`, ...process.argv.slice(2)], { stdio: 'inherit' });

let report;
try {
  report = JSON.parse(readFileSync(REPORT, 'utf8'));
} catch {
  console.error('No test report was written: the test run itself failed.');
  process.exit(run.status || 1);
}

const count = { passed: 0, failed: 0, skipped: 0 };
const e2e = { passed: 0, failed: 0, skipped: 0 };
for (const file of report.testResults) {
  const isE2e = file.name.includes('/tests/e2e/');
  for (const test of file.assertionResults) {
    const status = test.status === 'passed' ? 'passed' : test.status === 'failed' ? 'failed' : 'skipped';
    count[status] += 1;
    if (isE2e) e2e[status] += 1;
  }
  // A file that failed to load has no assertions but still failed.
  if (file.status === 'failed' && file.assertionResults.length === 0) count.failed += 1;
}

console.log(`\nend-to-end: ${e2e.passed} passed, ${e2e.failed} failed, ${e2e.skipped} skipped`);
console.log(`tests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`);
if (e2e.passed === 0 || e2e.skipped > 0) {
  console.error('The end-to-end tests did not all run: that is a failure, not a skip.');
  process.exit(1);
}
process.exit(run.status !== 0 || count.failed > 0 ? 1 : 0);

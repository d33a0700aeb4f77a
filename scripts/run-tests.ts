/**
 * Runs every vitest suite once and ends with the one line CI reads: `N passed, N failed`.
 * Skipped tests (Electron where no binary exists, say) are counted and named, never hidden.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { name: string; status: string; message?: string; assertionResults: { fullName: string; status: string }[] }[];
}

mkdirSync('test-results', { recursive: true });
const out = 'test-results/vitest.json';
const run = spawnSync('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...process.argv.slice(2)], {
  stdio: 'inherit',
});

let report: VitestJson | undefined;
try {
  report = JSON.parse(readFileSync(out, 'utf8')) as VitestJson;
} catch {
  report = undefined;
}
if (!report) {
  console.log(`vitest did not write a report (exit ${run.status})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0);
let failed = report.numFailedTests + brokenFiles.length;
if (run.status !== 0 && failed === 0) {
  // Unhandled errors (an 'error' event nobody listened to, say) fail the run without failing a test.
  console.log(`vitest exited with ${run.status} although no test failed: unhandled errors above`);
  failed = 1;
}
for (const f of brokenFiles) console.log(`suite failed to load: ${f.name}\n${f.message ?? ''}`);
const skipped = report.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'skipped' || a.status === 'pending'));
if (skipped.length) {
  console.log(`\n${skipped.length} skipped:`);
  for (const s of skipped) console.log(`  skipped: ${s.fullName}`);
}
console.log(`${report.numPassedTests} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);

/**
 * Runs every vitest suite once and ends with the one line CI reads: `N passed, N failed`.
 * Skipped tests (Electron where no binary exists, say) are counted and named, never hidden.
 * Before that line: each suite's (test file's) wall time, slowest first, and the whole run's.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, mkdirSync } from 'node:fs';
import { relative } from 'node:path';

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  testResults: { name: string; status: string; message?: string; startTime?: number; endTime?: number; assertionResults: { fullName: string; status: string }[] }[];
}

/** Each test file's duration, slowest first, as aligned lines (vitest's JSON report gives start and end in ms). */
export function suiteDurations(report: Pick<VitestJson, 'testResults'>, cwd = process.cwd()): string[] {
  const rows = report.testResults
    .filter((f) => typeof f.startTime === 'number' && typeof f.endTime === 'number')
    .map((f) => ({ name: relative(cwd, f.name) || f.name, ms: f.endTime! - f.startTime! }))
    .sort((a, b) => b.ms - a.ms);
  const width = Math.max(0, ...rows.map((r) => (r.ms / 1000).toFixed(1).length));
  return rows.map((r) => `  ${(r.ms / 1000).toFixed(1).padStart(width)} s  ${r.name}`);
}

// Imported by its test for suiteDurations: only run when executed.
if (import.meta.main) main();

function main(): never {
  mkdirSync('test-results', { recursive: true });
  const startedAt = Date.now();
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
  const durations = suiteDurations(report);
  if (durations.length) {
    console.log(`\nsuite durations (${durations.length} files, slowest first; the whole run took ${((Date.now() - startedAt) / 1000).toFixed(1)} s):`);
    for (const line of durations) console.log(line);
  }
  console.log(`${report.numPassedTests} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

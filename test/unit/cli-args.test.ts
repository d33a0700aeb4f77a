/** The command line's own contract: --version, and usage mistakes exit 2 before anything starts. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ferry = (...args: string[]) => spawnSync(process.execPath, ['bin/ferry.js', ...args], { encoding: 'utf8', timeout: 30_000 });

describe('ferry command line', () => {
  it('prints the package version', () => {
    const r = ferry('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version);
  });

  it.each([
    ['backend', '--port', '99999'],
    ['serve', '--port', 'abc'],
    ['backend', '--port', '-1'],
  ])('%s %s %s is a usage error (exit 2) that names the rule', (...args) => {
    const r = ferry(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--port.*from 0 to 65535/s);
  });

  it('an unknown option and a missing required one exit 2 too; --help exits 0', () => {
    expect(ferry('upload', '.', '--bogus').status).toBe(2);
    expect(ferry('upload', '.').status).toBe(2);
    expect(ferry('--help').status).toBe(0);
  });
});

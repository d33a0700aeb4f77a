/**
 * `./dev` on the happy path prints only what the user needs: one line per set-up step, never npm's
 * own chatter (progress, audit, funding, the `> ferry@0.1.0 start` banner). When a step fails, the
 * whole npm output is shown. A fake `npm` on PATH stands in for the real one: these tests must never
 * install anything.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of ./dev in a scratch checkout, with an `npm` that logs its arguments and makes noise. */
function scratch(opts: { ciFails?: boolean } = {}) {
  const root = mkdtempSync(join(tmpdir(), 'ferry-dev-'));
  dirs.push(root);
  copyFileSync('dev', join(root, 'dev'));
  chmodSync(join(root, 'dev'), 0o755);
  writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion": 3}\n');
  const bin = join(root, 'fakebin');
  mkdirSync(bin);
  const calls = join(root, 'npm-calls.txt');
  writeFileSync(
    join(bin, 'npm'),
    `#!/usr/bin/env bash
echo "$*" >> ${JSON.stringify(calls)}
if [ "$1" = ci ]; then
  echo "npm warn deprecated inflight@1.0.6: This module is not supported"
  echo "added 812 packages, and audited 813 packages in 41s" >&2
  ${opts.ciFails ? 'echo "npm error code ECONNRESET" >&2; exit 1' : 'mkdir -p node_modules'}
  exit 0
fi
if [ "$1" = run ]; then echo "the script ran"; fi
`,
  );
  chmodSync(join(bin, 'npm'), 0o755);
  const run = (...args: string[]) =>
    spawnSync('bash', [join(root, 'dev'), ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
      // The real node (24) first after the fake npm, so ./dev does not try to install node@24.
      env: { ...process.env, PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin` },
    });
  return { root, run, calls: () => readFileSync(calls, 'utf8').trim().split('\n') };
}

describe('./dev', () => {
  it('installs once, quietly, and runs the script without npm banners', () => {
    const s = scratch();
    const first = s.run('start');
    expect(first.status).toBe(0);
    expect(first.stderr).toBe('ferry: installing dependencies (npm ci, once per lockfile change)…\n');
    expect(first.stdout).toBe('the script ran\n');
    expect(s.calls()).toEqual(['ci --no-audit --no-fund', 'run --silent start --']);

    const second = s.run('test', '--grep', 'x');
    expect(second.status).toBe(0);
    expect(second.stderr).toBe('');
    expect(s.calls().slice(2)).toEqual(['run --silent test -- --grep x']);
  });

  it('shows npm’s whole output when the install fails, and stops', () => {
    const s = scratch({ ciFails: true });
    const r = s.run('start');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('npm error code ECONNRESET');
    expect(r.stderr).toContain('added 812 packages');
    expect(r.stderr).toMatch(/installing dependencies .* failed/);
    expect(s.calls()).toEqual(['ci --no-audit --no-fund']);
  });

  it('package.json decides every install script npm would warn about', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { allowScripts?: Record<string, boolean> };
    // `npm install-scripts ls` (npm 11) listed exactly these three on this lockfile.
    expect(pkg.allowScripts).toEqual({ 'classic-level': true, esbuild: true, 'electron-winstaller': false });
  });
});

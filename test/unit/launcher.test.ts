/**
 * main/launcher/launch.ts with a fake fork: the readiness signal is backend.json naming the forked
 * child's pid with /health answering; a stale file, another pid or an early exit is not readiness.
 * The real fork is covered by test/integration/cli-upload.test.ts (auto-start, reuse, stop). Time
 * is a fake clock: each poll's sleep moves it and may make the child do its next thing.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dataPaths } from '../../main/config/paths.ts';
import { ensureEmbeddedBackend, launchEmbeddedBackend, runningBackendPid, type BackendChild, type ForkBackend } from '../../main/launcher/launch.ts';

let health: Server;
let api: string;
let dataDir: string;

beforeAll(async () => {
  health = createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 404).end('{"ok":true}'));
  await new Promise<void>((r) => health.listen(0, '127.0.0.1', r));
  api = `http://127.0.0.1:${(health.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => health.close(() => r())));
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'ferry-launcher-'));
  mkdirSync(dataPaths(dataDir).backendDir, { recursive: true });
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const writeInfo = (info: object) => writeFileSync(dataPaths(dataDir).backendInfo, JSON.stringify(info));

/** A clock whose sleep returns at once, having moved time and run `onPoll` with the poll's number. */
function fakeClock(onPoll: (n: number) => void = () => {}) {
  let t = Date.now();
  let polls = 0;
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
      onPoll(++polls);
    },
  };
}

/** A child that "becomes ready" by writing backend.json with `pid` when `ready()` is called. */
function fakeChild(pid: number) {
  let exit: (code: number | null) => void = () => {};
  const killed: string[] = [];
  const child: BackendChild = {
    pid: () => pid,
    exited: new Promise((r) => (exit = r)),
    kill: () => {
      killed.push('SIGTERM');
      exit(null);
    },
  };
  return { child, killed, exit: (code: number) => exit(code), ready: () => writeInfo({ api, token: 't', pid }) };
}

describe('launchEmbeddedBackend', () => {
  it('is ready when backend.json names the forked pid and /health answers; stop kills that child', async () => {
    const c = fakeChild(process.pid + 100_000);
    let args: readonly string[] = [];
    const fork: ForkBackend = (a, env) => {
      args = a;
      expect(env.MALLOC_ARENA_MAX).toBeDefined();
      // Another process's file first: not ours, so not ready.
      writeInfo({ api, token: 'other', pid: 1 });
      return c.child;
    };
    const handle = await launchEmbeddedBackend(dataDir, { fork, timeoutMs: 5000, clock: fakeClock((n) => n === 3 && c.ready()) });
    expect(args).toEqual(['backend', '--data-dir', dataDir]);
    expect([handle.api, handle.token]).toEqual([api, 't']);
    await handle.stop();
    expect(c.killed).toEqual(['SIGTERM']);
  });

  it('a backend.json left by an earlier run is not readiness', async () => {
    writeInfo({ api, token: 'stale' });
    const old = new Date(Date.now() - 60_000);
    utimesSync(dataPaths(dataDir).backendInfo, old, old);
    const c = fakeChild(process.pid + 100_001);
    await expect(launchEmbeddedBackend(dataDir, { fork: () => c.child, timeoutMs: 60_000, clock: fakeClock() })).rejects.toThrow('did not become ready in 60 s');
    expect(c.killed).toEqual(['SIGTERM']);
  });

  it('a child that exits before it is ready fails the launch with its code and log', async () => {
    const c = fakeChild(process.pid + 100_002);
    const fork: ForkBackend = () => ({ ...c.child, logHint: '/some/backend.log' });
    await expect(launchEmbeddedBackend(dataDir, { fork, clock: fakeClock((n) => n === 2 && c.exit(3)) })).rejects.toThrow('embedded backend exited (3) before it was ready; see /some/backend.log');
  });
});

describe('ensureEmbeddedBackend', () => {
  it('reuses a live, healthy backend without forking, and its stop leaves it running', async () => {
    writeInfo({ api, token: 'live', pid: process.pid });
    const handle = await ensureEmbeddedBackend(dataDir, {
      fork: () => {
        throw new Error('must not fork');
      },
    });
    expect(handle.token).toBe('live');
    await handle.stop();
  });

  it('forks when the recorded pid is gone (a kill -9 left the file)', async () => {
    writeInfo({ api, token: 'dead', pid: 2 ** 22 + 12345 });
    expect(runningBackendPid(dataDir)).toBeUndefined();
    const c = fakeChild(process.pid + 100_003);
    const handle = await ensureEmbeddedBackend(dataDir, { fork: () => c.child, clock: fakeClock(() => c.ready()) });
    expect(handle.token).toBe('t');
  });
});

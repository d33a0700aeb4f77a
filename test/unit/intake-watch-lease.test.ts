/**
 * Watch leases between two fake processes on one data directory: one holder at a time, a fresh
 * heartbeat keeps it, a dead pid or a stopped heartbeat makes it stale (and takeable), files 0600.
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WatchLeases, pidAlive, type LeaseDeps } from '../../main/intake/watch-lease.ts';

async function two() {
  const dataDir = await mkdtemp(join(tmpdir(), 'ferry-lease-'));
  const clock = { t: 1_000_000 };
  const alive = new Set([101, 202]);
  const deps = (pid: number): LeaseDeps => ({ now: () => clock.t, isAlive: (p) => alive.has(p), pid, host: 'box' });
  const opts = { heartbeatMs: 3000, staleMs: 15_000 };
  return { dataDir, clock, alive, a: new WatchLeases(dataDir, deps(101), opts), b: new WatchLeases(dataDir, deps(202), opts) };
}

describe('WatchLeases', () => {
  it('one live holder at a time; the other sees who holds it', async () => {
    const { a, b, dataDir } = await two();
    expect(a.status('/w')).toEqual({ state: 'free' });
    expect(a.acquire('/w', 'ferry watch')).toMatchObject({ state: 'held', mine: true });
    expect(b.acquire('/w', 'app')).toMatchObject({ state: 'held', mine: false, lease: { pid: 101, holder: 'ferry watch' } });
    const files = await readdir(join(dataDir, 'watch-leases'));
    expect(files).toHaveLength(1);
    expect((await stat(join(dataDir, 'watch-leases', files[0]!))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'watch-leases'))).mode & 0o777).toBe(0o700);
  });

  it('a heartbeat keeps it fresh; a stopped one goes stale and can be taken over', async () => {
    const { a, b, clock } = await two();
    a.acquire('/w', 'ferry watch');
    for (let i = 0; i < 10; i++) {
      clock.t += 3000;
      expect(a.heartbeat('/w')).toBe(true);
    }
    expect(b.status('/w').state).toBe('held');
    clock.t += 16_000; // a hung holder
    expect(b.status('/w')).toMatchObject({ state: 'stale', why: 'no heartbeat for 16 s' });
    expect(b.acquire('/w', 'app')).toMatchObject({ state: 'held', mine: true });
    expect(a.heartbeat('/w')).toBe(false); // the old holder learns it lost the folder
  });

  it('a holder that died is stale at once; release removes only your own lease', async () => {
    const { a, b, alive } = await two();
    a.acquire('/w', 'ferry watch');
    b.release('/w');
    expect(b.status('/w').state).toBe('held');
    alive.delete(101);
    expect(b.status('/w')).toMatchObject({ state: 'stale', why: 'process 101 is gone', lease: { pid: 101 } });
    b.acquire('/w', 'app');
    b.release('/w');
    expect(a.status('/w')).toEqual({ state: 'free' });
  });

  it('pidAlive sees this process and not a pid that is gone', () => {
    expect(pidAlive(process.pid)).toBe(true);
    expect(pidAlive(2 ** 22 + 12345)).toBe(false);
  });
});

describe('WatchSupervisor', () => {
  it('keeps the lease of a folder it watches fresh, even when started alone (ferry watch), and gives it up on close', async () => {
    const { vi } = await import('vitest');
    const { openDatabase } = await import('../../main/store/db.ts');
    const { QueueStore } = await import('../../main/store/queue-store.ts');
    const { WatchSupervisor } = await import('../../main/intake/watch-supervisor.ts');
    const dataDir = await mkdtemp(join(tmpdir(), 'ferry-supervisor-'));
    const dir = await mkdtemp(join(tmpdir(), 'ferry-watched-'));
    const clock = { t: 1_000_000 };
    const opts = { heartbeatMs: 1000, staleMs: 3000 };
    const deps = (pid: number) => ({ now: () => clock.t, isAlive: () => true, pid, host: 'box' });
    const store = new QueueStore(openDatabase(':memory:'));
    const id = store.intake.upsertWatch(dir, 'album1', false);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const events: string[] = [];
      const sup = new WatchSupervisor({
        intake: store.intake,
        leases: new WatchLeases(dataDir, deps(101), opts),
        holder: 'ferry watch',
        addFile: async () => false,
        emit: (e) => void events.push(e.type),
      });
      expect(await sup.start(id)).toBe(true);
      const app = new WatchLeases(dataDir, deps(202), opts);
      for (let i = 0; i < 10; i++) {
        clock.t += 1000;
        vi.advanceTimersByTime(1000);
      }
      expect(app.status(dir)).toMatchObject({ state: 'held', lease: { pid: 101, holder: 'ferry watch', heartbeatAt: clock.t } });
      expect(sup.view(id)!.watcher).toMatchObject({ state: 'here', pid: 101 });
      await sup.close();
      expect(app.status(dir)).toEqual({ state: 'free' });
      expect(events).toContain('watch');
    } finally {
      vi.useRealTimers();
    }
  });
});

/**
 * Who watches a folder, told truthfully. A watched folder's row in the queue database only says the
 * user wants it watched; whether a process is watching it right now is a lease file in the data
 * directory (`watch-leases/<hash of the folder>.json`, 0600): the holder's pid, host and a heartbeat
 * it rewrites every few seconds. A folder is On only while a live process holds a fresh lease; a
 * lease whose process is gone (or whose heartbeat stopped) is stale, so the UI can say the watch
 * died and offer to take it over. Clock and liveness check are injected for the tests.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface LeaseRecord {
  dir: string;
  pid: number;
  host: string;
  /** what holds it: `ferry watch`, the desktop app, `ferry serve` */
  holder: string;
  startedAt: number;
  heartbeatAt: number;
}

/** What a folder's lease says now. */
export type LeaseState =
  | { state: 'free' }
  | { state: 'held'; lease: LeaseRecord; mine: boolean }
  | { state: 'stale'; lease: LeaseRecord; why: string };

export interface LeaseDeps {
  now(): number;
  /** true while a process with this pid runs on this machine */
  isAlive(pid: number): boolean;
  pid: number;
  host: string;
}

export interface LeaseOptions {
  /** how often the holder rewrites its heartbeat */
  heartbeatMs: number;
  /** a heartbeat older than this is dead even if the pid runs (a hung process, a reused pid) */
  staleMs: number;
}

export const defaultLeaseOptions: LeaseOptions = { heartbeatMs: 3000, staleMs: 15_000 };

/** The real process table: signal 0 checks existence without touching the process. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // it exists, it just isn't ours
  }
}

export const realLeaseDeps: LeaseDeps = { now: () => Date.now(), isAlive: pidAlive, pid: process.pid, host: hostname() };

/** The lease files of one data directory. */
export class WatchLeases {
  private readonly root: string;
  private readonly deps: LeaseDeps;
  private readonly opts: LeaseOptions;

  constructor(dataDir: string, deps: LeaseDeps = realLeaseDeps, opts: LeaseOptions = defaultLeaseOptions) {
    this.root = join(dataDir, 'watch-leases');
    this.deps = deps;
    this.opts = opts;
  }

  private file(dir: string): string {
    return join(this.root, `${createHash('sha256').update(dir).digest('hex').slice(0, 24)}.json`);
  }

  private read(dir: string): LeaseRecord | undefined {
    try {
      const r = JSON.parse(readFileSync(this.file(dir), 'utf8')) as LeaseRecord;
      return r.dir === dir && Number.isInteger(r.pid) ? r : undefined;
    } catch {
      return undefined;
    }
  }

  /** Written whole to a temp file and renamed: a reader never sees half a lease. */
  private write(r: LeaseRecord): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(r.dir)}.${this.deps.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(r), { mode: 0o600 });
    renameSync(tmp, this.file(r.dir));
  }

  /** The folder's lease as it stands. */
  status(dir: string): LeaseState {
    const lease = this.read(dir);
    if (!lease) return { state: 'free' };
    const mine = lease.pid === this.deps.pid && lease.host === this.deps.host;
    const age = this.deps.now() - lease.heartbeatAt;
    if (lease.host === this.deps.host && !mine && !this.deps.isAlive(lease.pid)) return { state: 'stale', lease, why: `process ${lease.pid} is gone` };
    if (age > this.opts.staleMs) return { state: 'stale', lease, why: `no heartbeat for ${Math.round(age / 1000)} s` };
    return { state: 'held', lease, mine };
  }

  /**
   * Takes the folder's lease if no live process holds it (`force` takes a stale one too, which a
   * plain acquire also does: a dead holder holds nothing). Returns the state after trying.
   */
  acquire(dir: string, holder: string): LeaseState {
    const now = this.status(dir);
    if (now.state === 'held' && !now.mine) return now;
    const t = this.deps.now();
    this.write({ dir, pid: this.deps.pid, host: this.deps.host, holder, startedAt: now.state === 'held' ? now.lease.startedAt : t, heartbeatAt: t });
    // Two processes acquiring at once: the rename that landed last wins, and the other sees it here.
    return this.status(dir);
  }

  /** Rewrites the heartbeat; false when the lease is no longer ours (taken over after we stalled). */
  heartbeat(dir: string): boolean {
    const lease = this.read(dir);
    if (!lease || lease.pid !== this.deps.pid || lease.host !== this.deps.host) return false;
    this.write({ ...lease, heartbeatAt: this.deps.now() });
    return true;
  }

  /** Gives the lease up if it is ours. */
  release(dir: string): void {
    const lease = this.read(dir);
    if (lease && lease.pid === this.deps.pid && lease.host === this.deps.host) rmSync(this.file(dir), { force: true });
  }

  get heartbeatMs(): number {
    return this.opts.heartbeatMs;
  }
}

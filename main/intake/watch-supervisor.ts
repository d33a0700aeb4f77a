/**
 * The watched folders of one engine host: a FolderWatcher for each enabled folder this process holds
 * the lease of (watch-lease.ts), a heartbeat for those leases, and a look every few seconds at the
 * others, so the view says truthfully who watches what: this process, another live one (named), or
 * nobody because the process that held it is gone (then enabling it here takes it over). Problems as
 * they happen (a folder gone, a file not whole yet or sent at the ceiling) go out as notices.
 */
import type { EngineEvent, UploadTarget, WatchedFolder, WatcherState } from '../../shared/engine-api.ts';
import { stat } from 'node:fs/promises';
import type { Clock } from '../engine/clock.ts';
import type { IntakeStore } from '../store/intake-store.ts';
import type { Ready } from './readiness.ts';
import type { FolderWatcher, WatchOptions } from './watcher.ts';
import type { LeaseState, WatchLeases } from './watch-lease.ts';

export interface SupervisorDeps {
  intake: IntakeStore;
  leases: WatchLeases;
  /** what holds the leases here: `ferry watch`, `ferry serve`, the desktop app */
  holder: string;
  watchOptions?: Partial<WatchOptions>;
  /** the watchers' clock (default real time) */
  clock?: Clock;
  /** true when this version of a file is queued already for that target (its path+size+mtime row) */
  known?(path: string, size: number, mtimeMs: number, target: UploadTarget): boolean;
  /** queues the version of a file the watcher of folder `watchId` let through; answers whether a row was added */
  addFile(watchId: number, ready: Ready, target: UploadTarget): Promise<boolean>;
  emit(e: EngineEvent): void;
}

/** How a lease reads in the view. */
function watcherState(s: LeaseState): WatcherState {
  switch (s.state) {
    case 'free':
      return { state: 'none' };
    case 'held':
      return { state: s.mine ? 'here' : 'elsewhere', pid: s.lease.pid, holder: s.lease.holder, heartbeatAt: s.lease.heartbeatAt };
    case 'stale':
      return { state: 'stopped', pid: s.lease.pid, holder: s.lease.holder, heartbeatAt: s.lease.heartbeatAt, why: s.why };
  }
}

/** What a view event is sent on a change of: missing, who watches, which process. */
const signature = (v: WatchedFolder | undefined) => JSON.stringify([v?.missing, v?.watcher?.state, v?.watcher && 'pid' in v.watcher ? v.watcher.pid : undefined]);

/** Starts, stops and describes the watched folders. */
export class WatchSupervisor {
  private readonly d: SupervisorDeps;
  private readonly watchers = new Map<number, FolderWatcher>();
  private readonly seen = new Map<number, string>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(d: SupervisorDeps) {
    this.d = d;
  }

  /** Starts every enabled folder whose lease is free (or whose holder is gone), then keeps the leases fresh. */
  async startAll(): Promise<void> {
    for (const w of this.d.intake.listWatches()) if (w.enabled) await this.start(w.id);
    this.ensureTicking();
  }

  /** Heartbeats run from the first folder watched here (a `ferry watch` starts only its own, not `startAll`). */
  private ensureTicking(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.d.leases.heartbeatMs);
    this.timer.unref();
  }

  /** A folder as the view shows it: missing or not, and who watches it. */
  view(id: number): WatchedFolder | undefined {
    const w = this.d.intake.getWatch(id);
    if (!w) return undefined;
    const fw = this.watchers.get(id);
    return { ...w, missing: fw?.missing ?? false, watcher: watcherState(this.d.leases.status(w.dir)) };
  }

  list(): WatchedFolder[] {
    return this.d.intake.listWatches().map((w) => this.view(w.id)!);
  }

  private announce(id: number): void {
    const v = this.view(id);
    if (!v) return;
    this.seen.set(id, signature(v));
    this.d.emit({ type: 'watch', watch: v });
  }

  /** Watches the folder here if it is enabled and no live process holds it; true when it is watched here. */
  async start(id: number): Promise<boolean> {
    const w = this.d.intake.getWatch(id);
    if (!w || !w.enabled) return false;
    if (this.watchers.has(id)) return true;
    this.ensureTicking();
    const lease = this.d.leases.acquire(w.dir, this.d.holder);
    if (lease.state !== 'held' || !lease.mine) {
      this.announce(id);
      return false;
    }
    // chokidar is loaded only when a folder is watched: `ferry upload` never pays its memory.
    const { FolderWatcher } = await import('./watcher.ts');
    if (this.watchers.has(id)) return true;
    const known = this.d.known?.bind(this.d);
    const target = FolderWatcher.targetOf(w);
    const fw = new FolderWatcher(
      w,
      (path: string, target: UploadTarget, ready: Ready) => {
        if (ready.forced) {
          const why = ready.verdict.state === 'partial' ? ready.verdict.reason : 'not whole';
          this.d.emit({ type: 'notice', level: 'warning', path, message: `still not whole after waiting (${why}); sent anyway, processing will judge it` });
        }
        void this.d.addFile(id, ready, target).then(async (added) => {
          if (!added) {
            // Changed between the gate's last look and the queue's: follow the new version (its
            // change event may have come while the gate still held the old one, and been merged).
            const now = await stat(path).catch(() => undefined);
            if (now && (now.size !== ready.size || Math.trunc(now.mtimeMs) !== ready.mtimeMs)) fw.notice(path);
            return;
          }
          this.d.intake.setWatchActivity(id, `queued ${path}`);
          this.announce(id);
        }, () => undefined);
      },
      () => {
        const missing = this.watchers.get(id)?.missing ?? false;
        this.d.emit({ type: 'notice', level: missing ? 'warning' : 'info', path: w.dir, message: missing ? 'the folder is gone; watching for it to come back' : 'the folder is back; watching it again' });
        this.announce(id);
      },
      { ...this.d.watchOptions, ...(known ? { known: (p: string, size: number, mtimeMs: number) => known(p, size, mtimeMs, target) } : {}) },
      this.d.clock,
      (path, verdict) => {
        if (verdict.state === 'partial') this.d.emit({ type: 'notice', level: 'info', path, message: `waiting: not whole yet (${verdict.reason})` });
      },
    );
    this.watchers.set(id, fw);
    fw.start();
    this.announce(id);
    return true;
  }

  /** Stops watching the folder here and gives its lease up. */
  async stop(id: number): Promise<void> {
    const fw = this.watchers.get(id);
    this.watchers.delete(id);
    await fw?.close();
    const w = this.d.intake.getWatch(id);
    if (w && fw) this.d.leases.release(w.dir);
  }

  /** Heartbeats for our leases; for the rest, a view event when who-watches changed (a watch died, say). */
  private tick(): void {
    for (const w of this.d.intake.listWatches()) {
      if (this.watchers.has(w.id) && !this.d.leases.heartbeat(w.dir)) {
        // Taken over while this process stalled: the other holder watches it now.
        void this.stop(w.id).then(() => this.announce(w.id));
        continue;
      }
      if (this.seen.get(w.id) !== signature(this.view(w.id))) this.announce(w.id);
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.watchers.keys()].map((id) => this.stop(id)));
  }
}

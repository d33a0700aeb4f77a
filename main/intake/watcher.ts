/**
 * Watched folders. chokidar reports files appearing and changing; the readiness gate (readiness.ts)
 * lets each through once it has stopped changing *and* its format says it is whole (on the injected
 * clock, so tests own its time); files
 * already there at start come through as `add` too, and the queue's path+size+mtime dedupe makes
 * that a reconciliation: none missed, none sent twice. A folder that disappears (an unmounted drive)
 * is checked every few seconds and watched again when it comes back.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { UploadTarget, WatchedFolder } from '../../shared/engine-api.ts';
import { realClock, type Clock } from '../engine/clock.ts';
import { isIgnoredName } from './add-paths.ts';
import type { Verdict } from './completeness.ts';
import { ReadinessGate, defaultReadiness, diskReadinessDeps, type Ready, type ReadinessOptions } from './readiness.ts';

export interface WatchOptions extends ReadinessOptions {
  /** how often a missing folder is looked for */
  recheckMs: number;
  /** true when this version of a file is queued already: the files a folder holds at start skip the gate */
  known?: (path: string, size: number, mtimeMs: number) => boolean;
}

export const defaultWatchOptions: WatchOptions = { ...defaultReadiness, recheckMs: 2000 };

/** One watched folder; calls `onFile` for each finished file. */
export class FolderWatcher {
  readonly folder: Omit<WatchedFolder, 'missing'>;
  missing = false;
  private watcher: FSWatcher | undefined;
  private readonly stopped = new AbortController();
  private readonly gate: ReadinessGate;
  private readonly clock: Clock;
  private readonly onFile: (path: string, target: UploadTarget, ready: Ready) => void;
  private readonly onChange: () => void;
  private readonly opts: WatchOptions;

  constructor(
    folder: Omit<WatchedFolder, 'missing'>,
    onFile: (path: string, target: UploadTarget, ready: Ready) => void,
    onChange: () => void,
    opts: Partial<WatchOptions> = {},
    clock: Clock = realClock,
    /** a file its format says is not whole yet, once per version (the CLI prints it) */
    onWaiting: (path: string, verdict: Verdict) => void = () => {},
  ) {
    this.folder = folder;
    this.onFile = onFile;
    this.onChange = onChange;
    this.opts = { ...defaultWatchOptions, ...opts };
    this.clock = clock;
    this.gate = new ReadinessGate(diskReadinessDeps(clock, this.opts.known), this.opts, (r) => this.onFile(r.path, this.target, r), onWaiting);
  }

  get target(): UploadTarget {
    return FolderWatcher.targetOf(this.folder);
  }

  /** Where a folder's files go: the generated-media route for ComfyUI folders (filed in the album if one is set), else the album. */
  static targetOf(folder: Pick<WatchedFolder, 'comfyui' | 'albumId'>): UploadTarget {
    return folder.comfyui ? { kind: 'generation', ...(folder.albumId ? { albumId: folder.albumId } : {}) } : { kind: 'album', albumId: folder.albumId ?? '' };
  }

  /** Follows a file again (it changed after the gate let an earlier version through). */
  notice(path: string): void {
    this.gate.notice(path);
  }

  /** Watches the folder (or marks it missing) and looks for it every `recheckMs` from then on. */
  start(): void {
    this.attach();
    void this.recheckLoop();
  }

  private async recheckLoop(): Promise<void> {
    const stop = this.stopped.signal;
    while (!stop.aborted) {
      try {
        await this.clock.sleep(this.opts.recheckMs, stop);
      } catch {
        return;
      }
      this.recheck();
    }
  }

  private isDir(): boolean {
    try {
      return existsSync(this.folder.dir) && statSync(this.folder.dir).isDirectory();
    } catch {
      return false;
    }
  }

  private attach(): void {
    if (!this.isDir()) {
      this.setMissing(true);
      return;
    }
    this.setMissing(false);
    const w = watch(this.folder.dir, {
      ignoreInitial: false,
      ignored: (path: string) => path !== this.folder.dir && isIgnoredName(basename(path)),
    });
    w.on('add', (path: string) => this.gate.notice(path));
    w.on('change', (path: string) => this.gate.notice(path));
    w.on('error', () => this.recheck());
    this.watcher = w;
  }

  private recheck(): void {
    const present = this.isDir();
    if (!present && !this.missing) {
      void this.watcher?.close();
      this.watcher = undefined;
      this.setMissing(true);
    } else if (present && this.missing) {
      this.attach();
    }
  }

  private setMissing(missing: boolean): void {
    if (this.missing === missing) return;
    this.missing = missing;
    this.onChange();
  }

  /** Stops watching; nothing more is reported. */
  async close(): Promise<void> {
    this.stopped.abort();
    this.gate.close();
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

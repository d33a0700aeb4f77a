/**
 * Watched folders. chokidar reports files appearing and changing; `WriteFinish` reports each once it
 * has stopped changing (on the injected clock, so tests own its time); files
 * already there at start come through as `add` too, and the queue's path+size+mtime dedupe makes
 * that a reconciliation: none missed, none sent twice. A folder that disappears (an unmounted drive)
 * is checked every few seconds and watched again when it comes back.
 */
import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { UploadTarget, WatchedFolder } from '../../shared/engine-api.ts';
import { realClock, type Clock } from '../engine/clock.ts';
import { isIgnoredName } from './add-paths.ts';
import { WriteFinish } from './write-finish.ts';

export interface WatchOptions {
  /** how long a file must stop growing before it is reported; trades latency for safety */
  stabilityMs: number;
  /** how often a growing file is looked at */
  pollMs: number;
  /** how often a missing folder is looked for */
  recheckMs: number;
}

export const defaultWatchOptions: WatchOptions = { stabilityMs: 1000, pollMs: 100, recheckMs: 2000 };

/** One watched folder; calls `onFile` for each finished file. */
export class FolderWatcher {
  readonly folder: Omit<WatchedFolder, 'missing'>;
  missing = false;
  private watcher: FSWatcher | undefined;
  private readonly stopped = new AbortController();
  private readonly writes: WriteFinish;
  private readonly clock: Clock;
  private readonly onFile: (path: string, target: UploadTarget) => void;
  private readonly onChange: () => void;
  private readonly opts: WatchOptions;

  constructor(
    folder: Omit<WatchedFolder, 'missing'>,
    onFile: (path: string, target: UploadTarget) => void,
    onChange: () => void,
    opts: Partial<WatchOptions> = {},
    clock: Clock = realClock,
  ) {
    this.folder = folder;
    this.onFile = onFile;
    this.onChange = onChange;
    this.opts = { ...defaultWatchOptions, ...opts };
    this.clock = clock;
    this.writes = new WriteFinish({
      clock,
      stat: (path) => stat(path).then((st) => (st.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : undefined), () => undefined),
      stabilityMs: this.opts.stabilityMs,
      pollMs: this.opts.pollMs,
      onFinished: (path) => this.onFile(path, this.target),
    });
  }

  get target(): UploadTarget {
    return this.folder.comfyui
      ? { kind: 'generation', ...(this.folder.albumId ? { albumId: this.folder.albumId } : {}) }
      : { kind: 'album', albumId: this.folder.albumId ?? '' };
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
    w.on('add', (path: string) => this.writes.seen(path));
    w.on('change', (path: string) => this.writes.seen(path));
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
    this.writes.stop();
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

/**
 * Watched folders. chokidar reports a file once it has stopped growing (`awaitWriteFinish`); files
 * already there at start come through as `add` too, and the queue's path+size+mtime dedupe makes
 * that a reconciliation: none missed, none sent twice. A folder that disappears (an unmounted drive)
 * is checked every few seconds and watched again when it comes back.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { UploadTarget, WatchedFolder } from '../../shared/engine-api.ts';
import { isIgnoredName } from './add-paths.ts';

export interface WatchOptions {
  /** how long a file must stop growing before it is reported; trades latency for safety */
  stabilityMs: number;
  /** how often a missing folder is looked for */
  recheckMs: number;
}

export const defaultWatchOptions: WatchOptions = { stabilityMs: 1000, recheckMs: 2000 };

/** One watched folder; calls `onFile` for each finished file. */
export class FolderWatcher {
  readonly folder: Omit<WatchedFolder, 'missing'>;
  missing = false;
  private watcher: FSWatcher | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly onFile: (path: string, target: UploadTarget) => void;
  private readonly onChange: () => void;
  private readonly opts: WatchOptions;

  constructor(
    folder: Omit<WatchedFolder, 'missing'>,
    onFile: (path: string, target: UploadTarget) => void,
    onChange: () => void,
    opts: WatchOptions = defaultWatchOptions,
  ) {
    this.folder = folder;
    this.onFile = onFile;
    this.onChange = onChange;
    this.opts = opts;
  }

  get target(): UploadTarget {
    return this.folder.comfyui
      ? { kind: 'generation', ...(this.folder.albumId ? { albumId: this.folder.albumId } : {}) }
      : { kind: 'album', albumId: this.folder.albumId ?? '' };
  }

  start(): void {
    this.attach();
    this.timer = setInterval(() => this.recheck(), this.opts.recheckMs);
    this.timer.unref();
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
      awaitWriteFinish: { stabilityThreshold: this.opts.stabilityMs, pollInterval: 100 },
      ignored: (path: string) => path !== this.folder.dir && isIgnoredName(basename(path)),
    });
    w.on('add', (path: string) => this.onFile(path, this.target));
    w.on('change', (path: string) => this.onFile(path, this.target));
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

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

/**
 * "Has this file finished being written?" A file is reported once its size and mtime have not
 * changed for `stabilityMs`, looked at every `pollMs`. This is chokidar's `awaitWriteFinish`, done
 * here on the injected clock so that tests own its time (chokidar's own runs on real timers).
 */
import type { Clock } from '../engine/clock.ts';

export interface WriteFinishDeps {
  clock: Clock;
  /** the file's size and mtime, or undefined when it is gone (renamed away, deleted) */
  stat(path: string): Promise<{ size: number; mtimeMs: number } | undefined>;
  /** how long a file must stop changing before it is reported; trades latency for safety */
  stabilityMs: number;
  pollMs: number;
  onFinished(path: string): void;
}

/** Follows files that are being written and reports each once it has settled. */
export class WriteFinish {
  private readonly d: WriteFinishDeps;
  private readonly following = new Set<string>();
  private readonly stopped = new AbortController();

  constructor(d: WriteFinishDeps) {
    this.d = d;
  }

  /** The file appeared or changed: report it once it settles (a file already followed just carries on). */
  seen(path: string): void {
    if (this.following.has(path) || this.stopped.signal.aborted) return;
    this.following.add(path);
    void this.follow(path).finally(() => this.following.delete(path));
  }

  /** Files still being followed. */
  get pending(): number {
    return this.following.size;
  }

  /** Stops following everything; nothing more is reported. */
  stop(): void {
    this.stopped.abort();
  }

  private async follow(path: string): Promise<void> {
    const { clock, stabilityMs, pollMs } = this.d;
    const stop = this.stopped.signal;
    let last = await this.d.stat(path);
    let since = clock.now();
    while (last && !stop.aborted) {
      try {
        await clock.sleep(pollMs, stop);
      } catch {
        return;
      }
      const now = await this.d.stat(path);
      if (!now || stop.aborted) return;
      if (now.size !== last.size || now.mtimeMs !== last.mtimeMs) {
        last = now;
        since = clock.now();
      } else if (clock.now() - since >= stabilityMs) {
        this.d.onFinished(path);
        return;
      }
    }
  }
}

/**
 * When a file that appeared in a watched folder may be uploaded: it has stopped changing *and* its
 * format says it is whole (completeness.ts). A file whose format says "not yet" keeps waiting while
 * its writer pauses (a PNG written in two halves 4 s apart, a JPEG in chunks), up to a ceiling after
 * which it goes anyway and processing judges it. A format this module does not know falls back to
 * stability alone. Time comes from the injected clock, so the tests run on a fake one.
 */
import { open, stat } from 'node:fs/promises';
import type { Clock } from '../engine/clock.ts';
import { checkComplete, type ByteSource, type Verdict } from './completeness.ts';

export interface ReadinessOptions {
  /**
   * unchanged this long and whole by its format: ready. Short, since the format vouches for it: the
   * writer has already written the end marker, and a later rewrite is a new version (supersede.ts).
   */
  settleMs: number;
  /** unchanged this long and of an unknown format: ready on stability alone */
  stabilityMs: number;
  /** unchanged this long but still not whole: uploaded anyway, and processing judges it */
  ceilingMs: number;
  /** how often a waiting file is looked at */
  pollMs: number;
}

export const defaultReadiness: ReadinessOptions = { settleMs: 300, stabilityMs: 1000, ceilingMs: 60_000, pollMs: 100 };

/** Why a file was let through. */
export interface Ready {
  path: string;
  size: number;
  mtimeMs: number;
  verdict: Verdict;
  /** true when the ceiling let a file through that its format says is not whole */
  forced: boolean;
  /** true when the queue already had this version, so nothing was waited for or read */
  known?: boolean;
}

export interface ReadinessDeps {
  clock: Clock;
  stat(path: string): Promise<{ size: number; mtimeMs: number } | undefined>;
  check(path: string, size: number): Promise<Verdict>;
  /** true when this exact version (path, size, mtime) is queued already */
  known?(path: string, size: number, mtimeMs: number): boolean;
}

/** Follows files from their first event until they are ready, calling `onReady` once per settled version. */
export class ReadinessGate {
  private readonly waiting = new Set<string>();
  private readonly stop = new AbortController();

  private readonly deps: ReadinessDeps;
  private readonly opts: ReadinessOptions;
  private readonly onReady: (r: Ready) => void;
  private readonly onWaiting: (path: string, verdict: Verdict) => void;

  /** `onWaiting`: a file found not whole, once per version (for logs and the CLI). */
  constructor(deps: ReadinessDeps, opts: ReadinessOptions, onReady: (r: Ready) => void, onWaiting: (path: string, verdict: Verdict) => void = () => {}) {
    this.deps = deps;
    this.opts = opts;
    this.onReady = onReady;
    this.onWaiting = onWaiting;
  }

  /** A watcher saw the file appear or change. */
  notice(path: string): void {
    // A file already followed is stat-ed every poll anyway: its new event changes nothing.
    if (this.waiting.has(path) || this.stop.signal.aborted) return;
    this.waiting.add(path);
    void this.follow(path)
      .catch(() => undefined)
      .finally(() => this.waiting.delete(path));
  }

  /** Paths not yet let through. */
  pending(): string[] {
    return [...this.waiting];
  }

  close(): void {
    this.stop.abort();
  }

  private async follow(path: string): Promise<void> {
    const { clock } = this.deps;
    let last: { size: number; mtimeMs: number } | undefined;
    let changedAt = clock.now();
    let verdict: Verdict | undefined;
    let told = false;
    while (!this.stop.signal.aborted) {
      const st = await this.deps.stat(path);
      if (!st) return; // gone (renamed away, deleted): nothing to upload
      // A version the queue already has (a folder's files reported again at start): passed on at once,
      // unread; the queue's dedupe makes it a no-op.
      if (!last && this.deps.known?.(path, st.size, st.mtimeMs)) {
        this.onReady({ path, ...st, verdict: { state: 'unknown' }, forced: false, known: true });
        return;
      }
      if (!last || st.size !== last.size || st.mtimeMs !== last.mtimeMs) {
        last = st;
        changedAt = clock.now();
        verdict = undefined;
        told = false;
      }
      const quiet = clock.now() - changedAt;
      if (quiet >= this.opts.settleMs) {
        verdict ??= await this.deps.check(path, st.size);
        const ready =
          verdict.state === 'whole' ||
          (verdict.state === 'unknown' && quiet >= this.opts.stabilityMs) ||
          (verdict.state === 'partial' && quiet >= this.opts.ceilingMs);
        if (ready) {
          // The check took time: let through only the version it looked at.
          const again = await this.deps.stat(path);
          if (again && again.size === st.size && again.mtimeMs === st.mtimeMs) {
            this.onReady({ path, ...st, verdict, forced: verdict.state === 'partial' });
            return;
          }
        } else if (verdict.state === 'partial' && !told) {
          told = true;
          this.onWaiting(path, verdict);
        }
      }
      await clock.sleep(this.opts.pollMs, this.stop.signal).catch(() => undefined);
    }
  }
}

/** A file on disk as a ByteSource of the given size (what was stat-ed, not what it grows to). */
export async function fileVerdict(path: string, size: number): Promise<Verdict> {
  const fh = await open(path, 'r');
  try {
    const src: ByteSource = {
      size,
      async read(position, length) {
        const buf = new Uint8Array(Math.max(0, length));
        const { bytesRead } = await fh.read(buf, 0, buf.length, position);
        return buf.subarray(0, bytesRead);
      },
    };
    return await checkComplete(src);
  } finally {
    await fh.close();
  }
}

/** The real file system for a gate. */
export function diskReadinessDeps(clock: Clock, known?: ReadinessDeps['known']): ReadinessDeps {
  return {
    clock,
    ...(known ? { known } : {}),
    stat: async (path) => {
      try {
        const st = await stat(path);
        return st.isFile() ? { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) } : undefined;
      } catch {
        return undefined;
      }
    },
    check: (path, size) => fileVerdict(path, size).catch((): Verdict => ({ state: 'unknown' })),
  };
}

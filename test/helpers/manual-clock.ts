/**
 * Fake time that moves only when the test says so: `sleep` waits until `advance` carries `now` past
 * its deadline. (The engine tests' clock advances by itself on every sleep; a watchdog needs time
 * that stands still while bytes move.)
 */
import type { Clock } from '../../main/engine/clock.ts';

interface Sleeper {
  at: number;
  resolve(): void;
}

/** A clock for tests that own time. */
export class ManualClock implements Clock {
  t = 1_000_000;
  private sleepers: Sleeper[] = [];

  now = (): number => this.t;

  sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const s: Sleeper = { at: this.t + ms, resolve };
      const onAbort = () => {
        this.sleepers = this.sleepers.filter((x) => x !== s);
        reject(signal!.reason as Error);
      };
      s.resolve = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(s);
    });

  /** Sleeps in progress (not yet due). */
  get pending(): number {
    return this.sleepers.length;
  }

  /** Moves time forward by `ms`, waking every sleeper due by then (each gets a turn to sleep again). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.sleepers.filter((s) => s.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.t = Math.max(this.t, due.at);
      this.sleepers = this.sleepers.filter((s) => s !== due);
      due.resolve();
      // let the woken code run (and perhaps sleep again) before looking at the next deadline
      for (let i = 0; i < 5; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

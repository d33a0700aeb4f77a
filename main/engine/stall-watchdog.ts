/**
 * The stall watchdog of one request: it fires when no byte has moved for more than `stallMs` by the
 * injected clock. It looks every `checkEveryMs(stallMs)` (a quarter of it, between 50 ms and 1 s),
 * so it fires up to that much after the threshold: slack that keeps a loaded machine's slow answer
 * from counting as a stall (a false stall re-sends a part S3 already has).
 */
import type { Clock } from './clock.ts';
import { StallError } from './errors.ts';

/** A running watchdog: tell it about progress; stop it when the request ends. */
export interface StallWatchdog {
  /** bytes moved just now */
  progress(): void;
  stop(): void;
}

/** How often the watchdog looks, for a given threshold. */
export function checkEveryMs(stallMs: number): number {
  return Math.min(1000, Math.max(50, stallMs / 4));
}

/** Starts watching; `onStall` is called once, with a `StallError`, after more than `stallMs` without progress. */
export function startStallWatchdog(clock: Clock, stallMs: number, onStall: (err: StallError) => void): StallWatchdog {
  let last = clock.now();
  const stopped = new AbortController();
  const every = checkEveryMs(stallMs);
  void (async () => {
    for (;;) {
      try {
        await clock.sleep(every, stopped.signal);
      } catch {
        return;
      }
      if (stopped.signal.aborted) return;
      if (clock.now() - last > stallMs) {
        onStall(new StallError(stallMs));
        return;
      }
    }
  })();
  return {
    progress: () => {
      last = clock.now();
    },
    stop: () => stopped.abort(),
  };
}

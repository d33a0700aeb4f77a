/**
 * The stall watchdog of one request: it fires when no byte has moved for `stallMs` by the injected
 * clock. It sleeps until the moment the stall would be due and, if bytes moved meanwhile, sleeps the
 * rest, so it wakes once per `stallMs` of quiet rather than polling.
 */
import type { Clock } from './clock.ts';
import { StallError } from './errors.ts';

/** A running watchdog: tell it about progress; stop it when the request ends. */
export interface StallWatchdog {
  /** bytes moved just now */
  progress(): void;
  stop(): void;
}

/** Starts watching; `onStall` is called once, with a `StallError`, after `stallMs` without progress. */
export function startStallWatchdog(clock: Clock, stallMs: number, onStall: (err: StallError) => void): StallWatchdog {
  let last = clock.now();
  const stopped = new AbortController();
  void (async () => {
    for (;;) {
      const wait = last + stallMs - clock.now();
      if (wait <= 0) {
        onStall(new StallError(stallMs));
        return;
      }
      try {
        await clock.sleep(wait, stopped.signal);
      } catch {
        return;
      }
      if (stopped.signal.aborted) return;
    }
  })();
  return {
    progress: () => {
      last = clock.now();
    },
    stop: () => stopped.abort(),
  };
}

/**
 * Time, injected: the engine, the transport's stall watchdog, the token bucket and the retry waits
 * all read `now` and `sleep` from a `Clock`, so unit tests run them on fake time.
 */

/** The time source every timed part of the engine is given. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason if it is aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Real time; tests pass a fake one instead. */
export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolveSleep, reject) => {
      if (signal?.aborted) return reject(signal.reason as Error);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolveSleep();
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        reject(signal!.reason as Error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * The retry loop around every network call of a run: classify the failure (`retry.ts`), then hold
 * for the backend (offline), back off on the injected clock, re-sign, start over, or give up.
 */
import { assertNever } from '../../shared/errors.ts';
import type { QueueStore } from '../store/queue-store.ts';
import type { Connectivity } from './connectivity.ts';
import { abortErrorOf } from './errors.ts';
import { backoffDelay, classify, errorInfoOf, type BackoffPolicy, type CallSite } from './retry.ts';
import type { Clock } from './token-bucket.ts';

/** Thrown inside a run when the server forgot the upload: the file starts over from `requesting`. */
export class RestartUpload extends Error {}

/** What a failed call means for the caller: try again (after a wait), or with a fresh URL. */
export type RetryOutcome = 'network-offline' | 'backoff' | 'resign';

export interface RetryLoopDeps {
  store: QueueStore;
  clock: Clock;
  random: () => number;
  connectivity: Connectivity;
  backoff: BackoffPolicy;
  maxAttempts: () => number;
  /** marks the row changed (its attempts and last error) for the next flush */
  touch(id: number): void;
}

/** Retries calls of one engine by class of failure; waits run on the injected clock. */
export class RetryLoop {
  private readonly d: RetryLoopDeps;

  constructor(d: RetryLoopDeps) {
    this.d = d;
  }

  /** Calls `fn` until it succeeds, retrying by class of failure; throws what retrying cannot fix. */
  async run<T>(id: number, site: CallSite, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; ) {
      if (signal.aborted) throw abortErrorOf(signal);
      try {
        return await fn();
      } catch (err) {
        const cls = await this.afterFailure(id, err, site, attempt, signal);
        if (cls !== 'network-offline') attempt++;
      }
    }
  }

  /**
   * Decides what a failed call means and waits accordingly; returns normally when the call should be
   * tried again, throws when it should not. An offline wait does not use up an attempt.
   */
  async afterFailure(id: number, err: unknown, site: CallSite, attempt: number, signal: AbortSignal): Promise<RetryOutcome> {
    if (signal.aborted) throw abortErrorOf(signal);
    const cls = classify(err, site);
    switch (cls) {
      case 'aborted':
      case 'fatal':
        throw err;
      case 'restart':
        throw new RestartUpload(String((err as Error).message));
      case 'network': {
        const net = this.d.connectivity;
        if (!(await net.probeOnce(signal))) {
          net.goOffline();
          await net.waitOnline(signal);
          return 'network-offline';
        }
        break;
      }
      case 'backoff':
      case 'resign':
        break;
      default:
        assertNever(cls, 'failure class');
    }
    this.d.store.recordAttempt(id, errorInfoOf(err));
    this.d.touch(id);
    if (attempt + 1 >= this.d.maxAttempts()) throw err;
    if (cls === 'resign' && attempt === 0) return 'resign';
    const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs;
    await this.d.clock.sleep(backoffDelay(attempt, this.d.random, this.d.backoff, retryAfter), signal).catch(() => {
      throw abortErrorOf(signal);
    });
    return cls === 'resign' ? 'resign' : 'backoff';
  }
}

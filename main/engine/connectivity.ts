/**
 * Whether the backend is reachable. When a call gets no answer and /health does not answer either,
 * the engine goes offline: every run waits on one "online" promise while a single prober hits
 * /health with backoff, and everything resumes by itself when it answers. Nothing fails for being
 * offline.
 */
import type { EngineEvent } from '../../shared/engine-api.ts';
import type { ApiClient } from './api-client.ts';
import { abortErrorOf } from './errors.ts';
import { backoffDelay, type BackoffPolicy } from './retry.ts';
import type { Clock } from './token-bucket.ts';

export interface ConnectivityDeps {
  api: Pick<ApiClient, 'health'>;
  clock: Clock;
  random: () => number;
  probe: BackoffPolicy;
  /** aborted when the engine stops: probing ends and waiters are released */
  stop: AbortSignal;
  emit(e: EngineEvent): void;
  /** called once the backend answers again (wake the poller, schedule the queue) */
  onBackOnline(): void;
}

/** The online flag, the single /health prober, and the runs waiting for the backend to come back. */
export class Connectivity {
  online = true;
  private waiters: (() => void)[] = [];
  private probing = false;

  private readonly d: ConnectivityDeps;

  constructor(d: ConnectivityDeps) {
    this.d = d;
  }

  /** One /health call: true when the backend answered. */
  async probeOnce(signal: AbortSignal): Promise<boolean> {
    try {
      await this.d.api.health(signal);
      return true;
    } catch {
      if (signal.aborted) throw abortErrorOf(signal);
      return false;
    }
  }

  /** The backend is unreachable: hold everything, probe /health with backoff, resume when it answers. */
  goOffline(): void {
    if (this.online) {
      this.online = false;
      this.d.emit({ type: 'online', online: false });
    }
    if (this.probing) return;
    this.probing = true;
    void this.probeUntilOnline();
  }

  private async probeUntilOnline(): Promise<void> {
    const stop = this.d.stop;
    for (let attempt = 0; !stop.aborted; attempt++) {
      try {
        await this.d.clock.sleep(backoffDelay(attempt, this.d.random, this.d.probe), stop);
        await this.d.api.health(stop);
        break;
      } catch {
        // still offline
      }
    }
    this.probing = false;
    if (stop.aborted) return;
    this.online = true;
    this.d.emit({ type: 'online', online: true });
    this.releaseWaiters();
    this.d.onBackOnline();
  }

  /** Resolves once the backend is reachable; rejects with the abort reason if `signal` fires first. */
  waitOnline(signal: AbortSignal): Promise<void> {
    if (this.online) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortErrorOf(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(abortErrorOf(signal));
        else resolve();
      });
    });
  }

  /** Lets every waiter go (each rejects if its own signal was aborted): on reconnect and on stop. */
  releaseWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

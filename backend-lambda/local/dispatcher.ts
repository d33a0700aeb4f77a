/**
 * Delivers S3 events to process-upload off the request path, like S3 → Lambda does: bounded
 * concurrency, retries with backoff for thrown errors, and `idle()` for callers that need to know
 * every event so far has been handled. Optionally, new events wait while uploads are streaming
 * (`yieldTo`), for a bounded time.
 */
import pLimit from 'p-limit';
import type { S3Event } from 'aws-lambda';

export interface DispatcherOptions {
  concurrency: number;
  /** attempts per event, the first included (Lambda's async invoke makes 3) */
  attempts: number;
  backoffMs: number;
  handle(event: S3Event): Promise<unknown>;
  /**
   * After an event's last attempt threw (not when the dispatcher stops: a restart redelivers
   * those), so its record can end `failed` instead of waiting for the clean-up (SPEC §5).
   */
  onGiveUp?(event: S3Event, err: unknown): Promise<unknown>;
  log?(message: string, err?: unknown): void;
  /**
   * Processing (Sharp) and the request path share the machine's cores: while the last upload
   * request (`lastActivity()`, epoch ms) is less than `quietMs` old, an event's first attempt waits,
   * but never more than `maxDeferMs` after it arrived, so thumbnails still come during a long burst.
   */
  yieldTo?: { lastActivity(): number; quietMs: number; maxDeferMs: number };
}

export class EventDispatcher {
  private readonly opts: DispatcherOptions;
  private readonly limit: ReturnType<typeof pLimit>;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** wakes events waiting for quiet (stop() runs them at once rather than leave idle() hanging) */
  private readonly wakers = new Set<() => void>();

  constructor(opts: DispatcherOptions) {
    this.opts = opts;
    this.limit = pLimit(opts.concurrency);
  }

  /** Queues an event; returns at once. */
  dispatch(event: S3Event): void {
    if (this.stopped) return;
    this.inFlight++;
    void this.run(event, 1, Date.now());
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Waits, inside a concurrency slot, until the request path is quiet or the event's deferral is used up. */
  private async waitForQuiet(arrivedAt: number): Promise<void> {
    const y = this.opts.yieldTo;
    if (!y) return;
    // Bounded: each pass returns or sleeps until a deadline no later than arrivedAt + maxDeferMs.
    while (!this.stopped) {
      const now = Date.now();
      const wakeAt = Math.min(y.lastActivity() + y.quietMs, arrivedAt + y.maxDeferMs);
      if (now >= wakeAt) return;
      await this.sleep(wakeAt - now);
    }
  }

  private async run(event: S3Event, attempt: number, arrivedAt?: number): Promise<void> {
    try {
      await this.limit(async () => {
        // Only first attempts wait: a retry has already waited out its backoff.
        if (arrivedAt !== undefined) await this.waitForQuiet(arrivedAt);
        return this.opts.handle(event);
      });
    } catch (err) {
      if (attempt < this.opts.attempts && !this.stopped) {
        this.opts.log?.(`event failed (attempt ${attempt} of ${this.opts.attempts}), retrying`, err);
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void this.run(event, attempt + 1);
        }, this.opts.backoffMs * 2 ** (attempt - 1));
        this.timers.add(timer);
        return;
      }
      this.opts.log?.(`event given up after ${attempt} attempts`, err);
      if (!this.stopped && this.opts.onGiveUp) await this.opts.onGiveUp(event, err).catch((e: unknown) => this.opts.log?.('could not mark the given-up event failed', e));
    }
    this.settle();
  }

  private settle(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once every event dispatched so far has been handled (or given up on). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops retrying and waits for handlers already running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.wakers]) wake();
    for (const t of this.timers) {
      clearTimeout(t);
      this.settle();
    }
    this.timers.clear();
    await this.idle();
  }
}

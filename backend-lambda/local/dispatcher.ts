/**
 * Delivers S3 events to process-upload off the request path, like S3 → Lambda does: bounded
 * concurrency, retries with backoff for thrown errors, and `idle()` for callers that need to know
 * every event so far has been handled. Optionally (`share`), fewer handlers run while uploads stream.
 */
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
   * Processing (Sharp) and the request path share the machine's cores: while `busy()` (uploads are
   * streaming), at most `concurrency` handlers run instead of the full number, so processing goes on
   * beside the uploads (cores never idle) without starving them. `busy()` turns false by time alone,
   * so while handlers wait for it the dispatcher looks again every `recheckMs`. With `concurrency`
   * 0 (a machine whose cores the uploads need), one handler still starts once the oldest waiting
   * event has waited `maxDeferMs`, so a long stream of uploads still gets thumbnails as it goes.
   */
  share?: { busy(): boolean; concurrency: number; recheckMs: number; maxDeferMs?: number };
}

/**
 * p-limit's shape with a limit that can change: `opts.share` lowers it while uploads are busy.
 * Waiting tasks start in arrival order.
 */
function adaptiveLimit(opts: Pick<DispatcherOptions, 'concurrency' | 'share'>, stopped: () => boolean) {
  const queue: { start: () => void; since: number }[] = [];
  let running = 0;
  let recheck: NodeJS.Timeout | undefined;
  const starved = () => opts.share?.maxDeferMs !== undefined && queue.length > 0 && Date.now() - queue[0]!.since >= opts.share.maxDeferMs;
  const limitNow = () => {
    if (!opts.share || stopped() || !opts.share.busy()) return opts.concurrency;
    return Math.min(Math.max(opts.share.concurrency, starved() ? 1 : 0), opts.concurrency);
  };
  const pump = () => {
    while (queue.length > 0 && running < limitNow()) {
      running++;
      queue.shift()!.start();
    }
    if (queue.length > 0 && opts.share && !recheck) {
      recheck = setTimeout(() => {
        recheck = undefined;
        pump();
      }, opts.share.recheckMs);
    }
  };
  const limit = async <T>(fn: () => Promise<T>): Promise<T> => {
    await new Promise<void>((start) => {
      queue.push({ start, since: Date.now() });
      pump();
    });
    try {
      return await fn();
    } finally {
      running--;
      pump();
    }
  };
  return Object.assign(limit, {
    /** stop(): the busy limit no longer applies, so waiting tasks run now rather than leave idle() pending */
    flush: () => {
      clearTimeout(recheck);
      recheck = undefined;
      pump();
    },
  });
}

export class EventDispatcher {
  private readonly opts: DispatcherOptions;
  private readonly limit: ReturnType<typeof adaptiveLimit>;
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private stopped = false;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(opts: DispatcherOptions) {
    this.opts = opts;
    this.limit = adaptiveLimit(opts, () => this.stopped);
  }

  /** Queues an event; returns at once. */
  dispatch(event: S3Event): void {
    if (this.stopped) return;
    this.inFlight++;
    void this.run(event, 1);
  }

  private async run(event: S3Event, attempt: number): Promise<void> {
    try {
      await this.limit(() => this.opts.handle(event));
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
    this.limit.flush();
    for (const t of this.timers) {
      clearTimeout(t);
      this.settle();
    }
    this.timers.clear();
    await this.idle();
  }
}

/**
 * Status polling: rows in `processing` are asked about with POST /media/status, 100 per call, oldest
 * first. The backend finishes them roughly in the order they arrived, so a pass goes on to the next
 * 100 only while most of a page came back settled, and the next pass waits about as long as the last
 * pass's pace says a page of 100 needs to settle (between `poll.minMs` and `poll.paceMaxMs`), so each call
 * finds many answers: a folder of 1,000 small files costs ~10–15 polls, not one per file per interval.
 * While nothing settles the wait grows to `poll.maxMs`; while files are still uploading it is at least
 * `poll.busyMs`.
 */
import type { EngineEvent } from '../../shared/engine-api.ts';
import { IllegalTransitionError, pendingStates } from '../../shared/file-states.ts';
import type { QueueStore } from '../store/queue-store.ts';
import type { ApiClient } from './api-client.ts';
import type { Connectivity } from './connectivity.ts';
import type { EngineOptions } from './options.ts';
import { backoffDelay, classify } from './retry.ts';
import type { RowStates } from './row-states.ts';
import type { Clock } from './token-bucket.ts';

export interface StatusPollerDeps {
  store: QueueStore;
  api: Pick<ApiClient, 'mediaStatus'>;
  clock: Clock;
  random: () => number;
  options: Pick<EngineOptions, 'poll' | 'backoff'>;
  connectivity: Connectivity;
  rows: RowStates;
  /** files the engine is running (hashing, requesting, uploading) */
  activeCount(): number;
  emit(e: EngineEvent): void;
  /** aborted when the engine stops */
  stop: AbortSignal;
}

/** IDs per POST /media/status (the route's limit). */
const PAGE = 100;

/** The poller loop; `wake()` cuts its current wait short (the last upload just finished, or back online). */
export class StatusPoller {
  private wakeUp: (() => void) | undefined;

  private readonly d: StatusPollerDeps;

  constructor(d: StatusPollerDeps) {
    this.d = d;
  }

  /** Ends the current wait at once. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Polls until the engine stops. */
  async run(): Promise<void> {
    const { stop, options: o } = this.d;
    let interval = o.poll.minMs;
    let attempt = 0;
    let lastPass = this.d.clock.now();
    while (!stop.aborted) {
      const wait = this.d.activeCount() > 0 ? Math.max(interval, o.poll.busyMs) : interval;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        this.d.clock.sleep(wait, stop).then(resolve, resolve);
      });
      this.wakeUp = undefined;
      if (stop.aborted) break;
      if (!this.d.connectivity.online) {
        await this.d.connectivity.waitOnline(stop).catch(() => undefined);
        continue;
      }
      let changed = 0;
      try {
        const pass = await this.pollOnce(stop);
        changed = pass.changed;
        attempt = 0;
        const now = this.d.clock.now();
        const elapsed = Math.max(1, now - lastPass);
        lastPass = now;
        if (pass.seen === 0) interval = o.poll.minMs;
        else if (pass.changed === 0) interval = Math.min(o.poll.maxMs, interval * 1.5);
        else {
          // The time a page (or what is left, if less) needs at the pace just seen.
          const page = Math.min(PAGE, this.d.store.totals().byState.processing);
          interval = Math.min(o.poll.paceMaxMs, Math.max(o.poll.minMs, (page * elapsed) / pass.changed));
        }
      } catch (err) {
        if (stop.aborted) break;
        const net = this.d.connectivity;
        if (classify(err, 'api') === 'network' && !(await net.probeOnce(stop).catch(() => true))) net.goOffline();
        interval = backoffDelay(attempt++, this.d.random, o.backoff);
      }
      if (changed > 0) this.maybeBatchFinished();
    }
  }

  /** One pass: processing rows oldest first, a keyset page of 100 per call, on while most of a page settled. */
  private async pollOnce(stop: AbortSignal): Promise<{ changed: number; seen: number }> {
    let changed = 0;
    let seen = 0;
    for (let after = 0; ; ) {
      const rows = this.d.store.pageInState('processing', after, PAGE);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      seen += rows.length;
      const byMedia = new Map(rows.filter((r) => r.mediaId).map((r) => [r.mediaId!, r.id]));
      if (byMedia.size === 0) continue;
      const before = changed;
      const media = await this.d.api.mediaStatus([...byMedia.keys()], stop);
      for (const m of media) {
        const id = byMedia.get(m.mediaId);
        if (id === undefined) continue;
        try {
          if (this.d.rows.applyMedia(id, m)) changed++;
        } catch (err) {
          // The user cancelled the row while this answer was on its way: the cancel stands.
          if (!(err instanceof IllegalTransitionError)) throw err;
        }
      }
      // Younger pages are less done than this one: not worth a call unless this one mostly was.
      if ((changed - before) * 2 < rows.length) break;
    }
    return { changed, seen };
  }

  private maybeBatchFinished(): void {
    if (this.d.activeCount() > 0) return;
    const t = this.d.store.totals();
    if (pendingStates.some((s) => t.byState[s] > 0) || t.byState.processing > 0) return;
    const counts = this.d.rows.takeBatchCounts();
    if (counts) this.d.emit({ type: 'batch-finished', ...counts });
  }
}

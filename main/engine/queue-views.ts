/**
 * The queue as the UI sees it: rows with live progress, totals, and the coalesced events that carry
 * them (changed rows, progress and totals every `flushMs`, never per chunk).
 */
import type { EngineEvent, QueueItem, QueueTotals } from '../../shared/engine-api.ts';
import type { FileRow, QueueStore } from '../store/queue-store.ts';
import type { ProgressTracker } from './progress.ts';
import { WindowRate, estimateEta } from './throughput.ts';
import type { Clock } from './token-bucket.ts';

export interface QueueViewsDeps {
  store: QueueStore;
  progress: ProgressTracker;
  clock: Clock;
  emit(e: EngineEvent): void;
  /** true while the engine runs the file (its last error is shown while it retries) */
  isActive(id: number): boolean;
  /** the record's ThumbHash and colour once processed, if this session saw them */
  placeholderOf(id: number): { thumbhash: string; dominantColor?: string } | undefined;
}

/** Builds items and totals, and sends what changed since the last flush. */
export class QueueViews {
  private readonly dirty = new Set<number>();
  private totalsDirty = true;
  private lastTotalsAt = 0;
  // The queue's rate and ETA come from windows over counts that only grow (bytes sent, files
  // settled): the sum of per-file rates read 0 B/s while many small files moved, and an ETA from
  // bytes alone said nothing about the thumbnails still to make (issue 14).
  private readonly byteRate = new WindowRate(8_000, 1_000, { fromFirstChange: true });
  private readonly settleRate = new WindowRate(10_000, 1_000, { fromFirstChange: true });
  private sentEver = 0;
  private lastSent: number | undefined;
  private settledEver = 0;

  private readonly d: QueueViewsDeps;

  constructor(d: QueueViewsDeps) {
    this.d = d;
  }

  /** Marks a row changed; the next flush sends it. */
  touch(id: number): void {
    this.dirty.add(id);
    this.totalsDirty = true;
  }

  /** A file reached a final state (uploaded, failed, skipped, cancelled): one more for the ETA's rate. */
  noteSettled(): void {
    this.settledEver++;
  }

  /** Rows were added or removed in bulk: the next flush sends totals. */
  invalidateTotals(): void {
    this.totalsDirty = true;
  }

  /** A row as the UI sees it, with live progress for files in flight. */
  toItem(row: FileRow): QueueItem {
    const live = this.d.progress.get(row.id);
    const item: QueueItem = {
      id: row.id,
      path: row.path,
      size: row.size,
      state: row.state,
      bytesSent: live ? live.bytes : row.state === 'processing' || row.state === 'uploaded' ? row.size : row.bytesSent,
      rate: live?.rate ?? 0,
      etaSeconds: live?.etaSeconds ?? null,
      attempts: row.attempts,
      updatedAt: row.updatedAt,
    };
    if (row.error && (row.state === 'failed' || this.d.isActive(row.id))) item.error = row.error;
    if (row.mediaId) item.mediaId = row.mediaId;
    if (row.albumId) item.albumId = row.albumId;
    if (row.skipReason) item.skipReason = row.skipReason;
    if (row.thumbnail) item.thumbnail = row.thumbnail;
    Object.assign(item, this.d.placeholderOf(row.id));
    return item;
  }

  /** Counts and bytes per state (from SQLite) with the live bytes and rate of files in flight. */
  totals(): QueueTotals {
    const { store, progress } = this.d;
    const t = store.totals();
    const live = progress.totals();
    let sentLive = 0;
    for (const id of progress.ids()) {
      const row = store.get(id);
      if (row && row.state !== 'processing') sentLive += (progress.get(id)?.bytes ?? 0) - row.bytesSent;
    }
    const bytesSent = t.bytesSent + Math.max(0, sentLive);
    const left = t.bytesTotal - bytesSent;
    // Clearing or dismissing rows lowers bytesSent: only growth counts.
    this.sentEver += Math.max(0, bytesSent - (this.lastSent ?? bytesSent));
    this.lastSent = bytesSent;
    const now = this.d.clock.now();
    this.byteRate.record(now, this.sentEver);
    this.settleRate.record(now, this.settledEver);
    const s = t.byState;
    // Paused files wait for the user, not for the uploader: they are not in the ETA.
    const filesLeft = s.queued + s.hashing + s.requesting + s.uploading + s.processing;
    const windowed = this.byteRate.rate();
    const rate = left > 0 ? Math.round(windowed ?? live.rate) : 0;
    const etaSeconds = estimateEta({ bytesLeft: left, bytesPerSecond: windowed ?? (live.rate || null), filesLeft, filesPerSecond: this.settleRate.rate() });
    return { ...t, bytesSent, rate, etaSeconds: filesLeft === 0 ? null : etaSeconds };
  }

  /** Sends the coalesced changes since the last flush: changed rows, live progress, totals. */
  flush(): void {
    const { progress, clock, store, emit } = this.d;
    progress.sample(clock.now());
    const ids = new Set([...this.dirty, ...progress.ids()]);
    this.dirty.clear();
    if (ids.size > 0) {
      const items = store.getMany([...ids].slice(0, 500)).map((r) => this.toItem(r));
      if (items.length) emit({ type: 'items', items });
    }
    const now = clock.now();
    // Totals aggregate the whole table; at most once a second unless a row changed state.
    if (this.totalsDirty || (progress.ids().length > 0 && now - this.lastTotalsAt >= 1000)) {
      this.totalsDirty = false;
      this.lastTotalsAt = now;
      emit({ type: 'totals', totals: this.totals() });
    }
  }
}

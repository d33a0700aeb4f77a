/**
 * A row's state changes, written through the store's transition check, then told to whoever must
 * react at once (the CLI ends when its last file settles) and marked for the next coalesced flush.
 */
import { assertNever, type ErrorInfo } from '../../shared/errors.ts';
import type { FileState } from '../../shared/file-states.ts';
import type { Media } from '../../shared/api.ts';
import type { FilePatch, QueueStore } from '../store/queue-store.ts';

export interface RowStatesDeps {
  store: QueueStore;
  /** marks the row changed for the next flush */
  touch(id: number): void;
}

/** Writes state changes and counts the batch's outcomes (for the `batch-finished` event). */
export class RowStates {
  readonly listeners = new Set<(id: number, state: FileState) => void>();
  /**
   * Each file's latest outcome since the last batch notice, by id: a file that failed and then went
   * through on a retry is one upload, not one upload and one failure (the notice said "3 failed"
   * after every file had gone through, issue 14).
   */
  private outcomes = new Map<number, 'uploaded' | 'failed'>();
  /** placeholders of rows uploaded in this session, painted until their thumbnail loads (memory only: a nicety) */
  readonly placeholders = new Map<number, { thumbhash: string; dominantColor?: string }>();

  private readonly d: RowStatesDeps;

  constructor(d: RowStatesDeps) {
    this.d = d;
  }

  /** Moves the row to `state` with `patch` in the same write; throws on an illegal transition. */
  set(id: number, state: FileState, patch: FilePatch = {}): void {
    this.d.store.transition(id, state, patch);
    this.d.touch(id);
    for (const l of this.listeners) l(id, state);
  }

  /** The row failed for good with `error`. */
  fail(id: number, error: ErrorInfo): void {
    this.set(id, 'failed', { error });
    this.outcomes.set(id, 'failed');
  }

  /** True when the media record settled the row (uploaded or failed by processing). */
  applyMedia(id: number, media: Media): boolean {
    switch (media.status) {
      case 'uploaded':
        this.set(id, 'uploaded', { thumbnail: media.thumbnails?.small ?? media.thumbnails?.cover ?? null, bytesSent: media.size });
        if (media.thumbhash) this.placeholders.set(id, { thumbhash: media.thumbhash, ...(media.dominantColor ? { dominantColor: media.dominantColor } : {}) });
        this.outcomes.set(id, 'uploaded');
        return true;
      case 'failed':
        this.fail(id, media.error ?? { code: 'PROCESSING_FAILED', message: 'processing failed' });
        return true;
      case 'pending':
        return false;
      default:
        return assertNever(media.status, 'media status');
    }
  }

  /** The outcomes counted since the last call, then zero; undefined when there were none. */
  takeBatchCounts(): { uploaded: number; failed: number } | undefined {
    if (this.outcomes.size === 0) return undefined;
    const c = { uploaded: 0, failed: 0 };
    for (const o of this.outcomes.values()) c[o]++;
    this.outcomes = new Map();
    return c;
  }
}

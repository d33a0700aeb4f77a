/**
 * Groups album upload requests into `POST /albums/{albumId}/media/uploads` calls (≤ 100 files each).
 * A file hashed and ready asks `request()`; the batcher sends what is ready for that album at once
 * (no waiting for a full batch when the queue is short) unless a batch for that album is already on
 * its way or enough files already hold URLs and wait for an upload slot (`hold`): then the ready ones
 * gather and go together when that changes, so a big folder costs ~1 request per 100 files while
 * the first PUTs start one round trip after the first hash.
 *
 * A failed batch call rejects every file in it, and each file's own retry loop (retry-loop.ts) asks
 * again, so a retried file rejoins the next batch. A file's own `{error}` becomes an HttpError with
 * that code, classified like the single-file route's answer.
 */
import type { BatchUploadEntry, BatchUploadResult } from '../../shared/api.ts';
import { MAX_BATCH_FILES } from '../../shared/api.ts';
import type { ErrorCode } from '../../shared/errors.ts';
import type { ApiClient } from './api-client.ts';
import { abortErrorOf, HttpError } from './errors.ts';

interface Waiting {
  entry: BatchUploadEntry;
  signal: AbortSignal;
  resolve(r: Exclude<BatchUploadResult, { error: unknown }>): void;
  reject(err: unknown): void;
  cleanup(): void;
}

export interface UploadBatcherDeps {
  api: Pick<ApiClient, 'requestAlbumUploads'>;
  /** true while enough files hold URLs and wait for a slot: ready files gather instead of going now */
  hold(): boolean;
  /** files per request (the route's limit) */
  maxBatch?: number;
}

/** The HTTP status the single-file route answers with for an entry's error code (retry.ts classifies by it). */
function statusOf(code: ErrorCode): number {
  const statuses: Partial<Record<ErrorCode, number>> = {
    INVALID_REQUEST: 400,
    UNAUTHORIZED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    CONFLICT: 409,
    FILE_TOO_LARGE: 413,
    UNSUPPORTED_MEDIA_TYPE: 415,
    RATE_LIMITED: 429,
  };
  return statuses[code] ?? 500;
}

export class UploadBatcher {
  private readonly d: UploadBatcherDeps;
  private readonly ready = new Map<string, Waiting[]>();
  private readonly inFlight = new Set<string>();
  private scheduled = false;
  /** batch calls sent, for tests and the bench's request count */
  requests = 0;

  constructor(d: UploadBatcherDeps) {
    this.d = d;
  }

  /** Files waiting to be sent, all albums. */
  get waiting(): number {
    let n = 0;
    for (const q of this.ready.values()) n += q.length;
    return n;
  }

  /** Asks for one file's upload; resolves with its created or duplicate result, rejects with its error. */
  request(albumId: string, entry: BatchUploadEntry, signal: AbortSignal): Promise<Exclude<BatchUploadResult, { error: unknown }>> {
    if (signal.aborted) return Promise.reject(abortErrorOf(signal));
    return new Promise((resolve, reject) => {
      const queue = this.ready.get(albumId) ?? [];
      this.ready.set(albumId, queue);
      const onAbort = () => {
        // Not sent yet: it simply leaves the queue. Already sent: its answer is dropped, and the
        // pending record it made is failed by the backend's clean-up job (as with the single route).
        const i = queue.indexOf(waiting);
        if (i >= 0) queue.splice(i, 1);
        reject(abortErrorOf(signal));
      };
      const waiting: Waiting = { entry, signal, resolve, reject, cleanup: () => signal.removeEventListener('abort', onAbort) };
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(waiting);
      this.poke();
    });
  }

  /** Looks again at what may go now (a slot was taken, a batch answered, a file became ready). */
  poke(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // One turn of the event loop: files that finish hashing together go in one request.
    setImmediate(() => {
      this.scheduled = false;
      for (const albumId of [...this.ready.keys()]) this.maybeSend(albumId);
    });
  }

  private maybeSend(albumId: string): void {
    const queue = this.ready.get(albumId);
    if (!queue?.length) {
      this.ready.delete(albumId);
      return;
    }
    const max = this.d.maxBatch ?? MAX_BATCH_FILES;
    if (this.inFlight.has(albumId)) return;
    if (queue.length < max && this.d.hold()) return;
    const batch = queue.splice(0, max);
    this.inFlight.add(albumId);
    void this.send(albumId, batch).finally(() => {
      this.inFlight.delete(albumId);
      this.poke();
    });
  }

  private async send(albumId: string, batch: Waiting[]): Promise<void> {
    this.requests++;
    // The call is not aborted with any one file: the others in it still want their answers.
    let results: BatchUploadResult[];
    try {
      results = await this.d.api.requestAlbumUploads(
        albumId,
        batch.map((w) => w.entry),
      );
    } catch (err) {
      for (const w of batch) {
        w.cleanup();
        w.reject(err);
      }
      return;
    }
    batch.forEach((w, i) => {
      w.cleanup();
      const r = results[i];
      if (w.signal.aborted) return;
      if (!r) w.reject(new HttpError(500, `no result for ${w.entry.filename}`, { code: 'INTERNAL' }));
      else if ('error' in r) w.reject(new HttpError(statusOf(r.error.code), r.error.message, { code: r.error.code }));
      else w.resolve(r);
    });
  }
}

/**
 * The upload engine: an explicit per-file state machine (queued → hashing → requesting → uploading →
 * processing → uploaded | failed | skipped, with paused and cancelled on the side) over injected I/O:
 * clock, random source, HTTP transport and API client (STYLE.md §5). Every step's outcome is written
 * to the queue before the next begins, so a crash resumes from the last finished step: a hashed file
 * is not hashed again, a requested upload is not requested again, a finished part is not sent again.
 */
import type { FileState, QueueItem, QueueTotals, EngineEvent, UploadTarget } from '../../shared/engine-api.ts';
import { assertNever, type ErrorInfo } from '../../shared/errors.ts';
import type { Media, SingleUpload, UploadResponse } from '../../shared/api.ts';
import { partRange } from '../../shared/multipart.ts';
import type { ApiClient } from './api-client.ts';
import { AbortedError, FatalError, abortErrorOf, type AbortReason } from './errors.ts';
import { backoffDelay, classify, errorInfoOf, type BackoffPolicy, type CallSite } from './retry.ts';
import type { Clock } from './token-bucket.ts';
import type { Transport } from './transport.ts';
import { ProgressTracker } from './progress.ts';
import { UploadSlots } from './slots.ts';
import { finalStates, freshAttempt, type FileRow, type QueueStore } from '../store/queue-store.ts';

/** Everything the engine touches outside itself. */
export interface EngineDeps {
  store: QueueStore;
  api: ApiClient;
  transport: Transport;
  clock: Clock;
  random: () => number;
  /** sha256 (hex) of a file, or of the byte range [start, end) of it (a multipart part) */
  hashFile(path: string, signal: AbortSignal, range?: { start: number; end: number }): Promise<string>;
  statFile(path: string): Promise<{ size: number; mtimeMs: number }>;
}

export interface EngineOptions {
  /** files sending bytes at once */
  concurrency: number;
  /**
   * files hashed and requested while waiting for an upload slot (default: `concurrency`), so a slot
   * that frees up sends the next file at once instead of waiting on the API first. With 100 ms of
   * API latency, 150 × 1 MB went from 3.9–4.0 s to 2.8–3.1 s (docs/benchmarks/upload.md).
   */
  prepareAhead?: number;
  /** parts in flight per multipart file */
  partConcurrency: number;
  /** retries of one call before the file fails (offline waits do not count) */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** /health probing while offline */
  probe: BackoffPolicy;
  /**
   * POST /media/status polling: starts at minMs, slows to maxMs while nothing changes, and waits at
   * least busyMs while files are still uploading (each poll costs the backend a read per file, and
   * on the embedded backend that CPU comes out of the uploads: ~10 % of a 150-file run at 300 ms).
   */
  poll: { minMs: number; maxMs: number; busyMs: number };
  /** false: never poll (`ferry upload --no-wait` stops once the bytes are in S3) */
  statusPolling: boolean;
  /** how often progress events go out (coalesced; never per chunk) */
  flushMs: number;
}

/** What callers pass: any subset, poll settings included. */
export type EngineOptionsInput = Partial<Omit<EngineOptions, 'poll'>> & { poll?: Partial<EngineOptions['poll']> };

export const defaultEngineOptions: EngineOptions = {
  concurrency: 4,
  partConcurrency: 4,
  maxAttempts: 8,
  backoff: { baseMs: 500, capMs: 30_000 },
  probe: { baseMs: 1000, capMs: 30_000 },
  poll: { minMs: 300, maxMs: 5_000, busyMs: 1_500 },
  statusPolling: true,
  flushMs: 250,
};

/** A presigned URL with less life than this left is renewed before its body is sent. */
const URL_MARGIN_MS = 30_000;

/** Thrown inside a run when the server forgot the upload: the file starts over from `requesting`. */
class RestartUpload extends Error {}

interface Active {
  controller: AbortController;
  done: Promise<void>;
}

/** The engine. Build it, `start()` it, feed it rows through the store, listen to its events. */
export class Engine {
  private readonly d: EngineDeps;
  private readonly o: EngineOptions;
  private readonly active = new Map<number, Active>();
  /** placeholders of rows uploaded in this session, painted until their thumbnail loads (not stored: a nicety) */
  private readonly placeholders = new Map<number, { thumbhash: string; dominantColor?: string }>();
  private readonly progress = new ProgressTracker();
  private readonly uploadSlots = new UploadSlots(() => this.o.concurrency);
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly stateListeners = new Set<(id: number, state: FileState) => void>();
  private readonly dirty = new Set<number>();
  private readonly stopController = new AbortController();
  private onlineWaiters: (() => void)[] = [];
  private probing = false;
  private pollWake: (() => void) | undefined;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private pollLoop: Promise<void> | undefined;
  private started = false;
  private totalsDirty = true;
  private lastTotalsAt = 0;
  private batchCounts = { uploaded: 0, failed: 0 };
  online = true;
  paused: boolean;

  constructor(deps: EngineDeps, options: EngineOptionsInput = {}) {
    this.d = deps;
    this.o = { ...defaultEngineOptions, ...options, poll: { ...defaultEngineOptions.poll, ...options.poll } };
    this.paused = deps.store.getFlag('paused') === '1';
  }

  /** Requeues rows a crash left mid-work and starts scheduling, polling and event flushing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.d.store.requeueActive();
    this.flushTimer = setInterval(() => this.flush(), this.o.flushMs);
    this.flushTimer.unref?.();
    this.pollLoop = this.o.statusPolling ? this.runPoller() : Promise.resolve();
    this.kick();
  }

  /** Aborts work in flight (rows go back to queued, parts kept) and waits for it to settle. */
  async stop(): Promise<void> {
    this.stopController.abort(new AbortedError('shutdown'));
    for (const a of this.active.values()) a.controller.abort(new AbortedError('shutdown'));
    this.pollWake?.();
    for (const w of this.onlineWaiters) w();
    await Promise.allSettled([...[...this.active.values()].map((a) => a.done), this.pollLoop]);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flush();
  }

  /**
   * Called synchronously on every state change, after it is written. For a caller that must react at
   * once (the CLI ends when its last file settles); `onEvent` is coalesced every `flushMs`.
   */
  onStateChange(listener: (id: number, state: FileState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(e: EngineEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a listener's bug must not stop the uploads
      }
    }
  }

  /** Marks a row changed; the next flush sends it. */
  touch(id: number): void {
    this.dirty.add(id);
    this.totalsDirty = true;
  }

  setConcurrency(files: number, parts?: number): void {
    this.o.concurrency = Math.max(1, files);
    if (parts) this.o.partConcurrency = Math.max(1, parts);
    this.uploadSlots.drain();
    this.kick();
  }

  // ---- scheduling ---------------------------------------------------------------------------

  /** Starts queued rows while there are free slots. */
  kick(): void {
    if (!this.started || this.paused || !this.online || this.stopController.signal.aborted) return;
    const free = this.o.concurrency + (this.o.prepareAhead ?? this.o.concurrency) - this.active.size;
    if (free <= 0) return;
    const rows = this.d.store.nextInState('queued', free, new Set(this.active.keys()));
    for (const row of rows) this.launch(row);
  }

  private launch(row: FileRow): void {
    const controller = new AbortController();
    const entry: Active = { controller, done: Promise.resolve() };
    this.active.set(row.id, entry);
    entry.done = this.runFile(row.id, controller.signal)
      .catch((err: unknown) => this.settleError(row.id, err))
      .finally(() => {
        this.active.delete(row.id);
        this.progress.end(row.id);
        this.touch(row.id);
        this.kick();
      });
  }

  private setState(id: number, state: FileState, extra: Parameters<QueueStore['update']>[1] = {}): void {
    this.d.store.update(id, { ...extra, state });
    this.touch(id);
    for (const l of this.stateListeners) l(id, state);
  }

  /** Where a run that threw ends up: paused, cancelled, back in the queue, or failed with a reason. */
  private async settleError(id: number, err: unknown): Promise<void> {
    if (err instanceof AbortedError) {
      const row = this.d.store.get(id);
      if (!row) return;
      switch (err.reason) {
        case 'pause':
          this.setState(id, 'paused');
          return;
        case 'shutdown':
          if (!finalStates.includes(row.state)) this.setState(id, 'queued');
          return;
        case 'cancel':
          await this.abortRemote(row);
          this.setState(id, 'cancelled');
          return;
        default:
          assertNever(err.reason, 'abort reason');
      }
    }
    if (err instanceof RestartUpload) {
      // runFile already requested the upload afresh twice; a third "forgotten" answer is not transient.
      this.d.store.clearParts(id);
      this.d.store.update(id, { mediaId: null, objectKey: null, uploadType: null, uploadId: null, partSize: null, partCount: null, bytesSent: 0 });
      this.fail(id, { code: 'UPLOAD_EXPIRED', message: `the server kept forgetting this upload: ${err.message}` });
      return;
    }
    this.fail(id, errorInfoOf(err));
  }

  private fail(id: number, error: ErrorInfo): void {
    this.setState(id, 'failed', { error });
    this.batchCounts.failed++;
  }

  private async abortRemote(row: FileRow): Promise<void> {
    if (row.uploadType === 'multipart' && row.mediaId) {
      try {
        await this.d.api.abortUpload(row.mediaId);
      } catch {
        // best effort: the clean-up job aborts what is left pending
      }
    }
  }

  // ---- one file -----------------------------------------------------------------------------

  /** Runs one file from its persisted state to `processing` (or a final state). */
  private async runFile(id: number, signal: AbortSignal): Promise<void> {
    let restarts = 0;
    for (;;) {
      const row = this.d.store.get(id);
      if (!row) return;
      try {
        await this.advance(row, signal);
        return;
      } catch (err) {
        // The server forgot the upload (expired, aborted): request it again, a bounded number of times.
        if (err instanceof RestartUpload && restarts++ < 2) {
          this.d.store.clearParts(id);
          this.d.store.update(id, { mediaId: null, objectKey: null, uploadType: null, uploadId: null, partSize: null, partCount: null, bytesSent: 0 });
          continue;
        }
        throw err;
      }
    }
  }

  private async advance(row: FileRow, signal: AbortSignal): Promise<void> {
    // hashing: sha256 before the upload request (dedupe), never twice for the same path/size/mtime
    const st = await this.d.statFile(row.path).catch((err: unknown) => {
      throw new FatalError('FILE_NOT_FOUND', `${row.path}: ${(err as Error).message}`);
    });
    if (st.size !== row.size || Math.trunc(st.mtimeMs) !== row.mtimeMs) {
      if (row.mediaId) throw new FatalError('FILE_CHANGED', `${row.path} changed while it was being uploaded`);
      this.d.store.update(row.id, { size: st.size, mtimeMs: Math.trunc(st.mtimeMs), sha256: null });
      row = this.d.store.get(row.id)!;
    }
    let sha256 = row.sha256;
    if (!sha256) {
      sha256 = this.d.store.cachedHash(row.path, row.size, row.mtimeMs) ?? null;
      if (!sha256) {
        this.setState(row.id, 'hashing');
        sha256 = await this.d.hashFile(row.path, signal);
        this.d.store.saveHash(row.path, row.size, row.mtimeMs, sha256);
      }
      this.d.store.update(row.id, { sha256 });
    }
    if (signal.aborted) throw abortErrorOf(signal);

    // requesting
    let single: SingleUpload | undefined;
    if (!row.mediaId) {
      this.setState(row.id, 'requesting');
      const answer = await this.withRetry(row.id, 'api', signal, () => this.requestUpload(row, sha256, signal));
      if ('duplicateOf' in answer) {
        this.setState(row.id, 'skipped', { mediaId: answer.mediaId, skipReason: `duplicate of ${answer.duplicateOf}` });
        return;
      }
      const u = answer.upload;
      this.d.store.update(row.id, {
        mediaId: answer.mediaId,
        objectKey: answer.key,
        uploadType: u.type,
        uploadId: u.type === 'multipart' ? u.uploadId : null,
        partSize: u.type === 'multipart' ? u.partSize : null,
        partCount: u.type === 'multipart' ? u.partCount : null,
      });
      if (u.type === 'single') single = u;
      row = this.d.store.get(row.id)!;
    } else if (row.uploadType === 'single') {
      // Resuming after a crash: the bytes may already have arrived and been processed.
      const media = await this.withRetry(row.id, 'api', signal, () => this.d.api.getMedia(row.mediaId!, signal));
      if (this.applyMediaStatus(row.id, media)) return;
    }

    // uploading, once a slot is free (until then the file stays `requesting`, its URL in hand)
    const releaseSlot = await this.uploadSlots.acquire(signal);
    // A URL that expired while the file waited would cost a whole body sent for a 403.
    if (single && Date.parse(single.expiresAt) - this.d.clock.now() < URL_MARGIN_MS) single = undefined;
    let settled: boolean;
    try {
      settled = await this.upload(row, single, signal);
    } finally {
      releaseSlot();
    }
    if (settled) return;
    this.setState(row.id, 'processing', { bytesSent: row.size });
    // The last upload in flight wakes the poller at once; earlier ones wait for its (busy) interval.
    if (this.uploadSlots.busy === 0) this.pollWake?.();
  }

  /**
   * Sends the file's bytes (a multipart upload's missing parts, then completes it). True when that
   * settled the row: a completion can answer with the media already uploaded or failed.
   */
  private async upload(row: FileRow, single: SingleUpload | undefined, signal: AbortSignal): Promise<boolean> {
    this.setState(row.id, 'uploading');
    const mediaId = row.mediaId!;
    if (row.uploadType === 'multipart') {
      await this.uploadParts(row, signal);
      const parts = this.d.store.parts(row.id).map((p) => ({ partNumber: p.partNumber, etag: p.etag, ...(p.sha256 ? { sha256: p.sha256 } : {}) }));
      const media = await this.withRetry(row.id, 'api', signal, () => this.d.api.completeUpload(mediaId, parts, signal));
      return this.applyMediaStatus(row.id, media);
    }
    this.progress.begin(row.id, row.size, 0, this.d.clock.now());
    let attempt = 0;
    for (;;) {
      if (!single) single = await this.withRetry(row.id, 'api', signal, () => this.d.api.refreshUploadUrl(mediaId, signal));
      try {
        this.progress.set(row.id, 0);
        await this.d.transport.put({
          url: single.url,
          headers: single.headers,
          path: row.path,
          start: 0,
          end: row.size,
          signal,
          onProgress: (n) => this.progress.add(row.id, n),
        });
        break;
      } catch (err) {
        const cls = await this.afterFailure(row.id, err, 's3', attempt, signal);
        if (cls !== 'network-offline') attempt++;
        if (cls === 'resign') single = undefined;
      }
    }
    return false;
  }

  private requestUpload(row: FileRow, sha256: string, signal: AbortSignal): Promise<UploadResponse> {
    const filename = row.path.split(/[\\/]/).pop() ?? row.path;
    if (row.generationId !== null) {
      return this.d.api.requestGenerationUpload(
        row.generationId,
        {
          filename,
          mimeType: row.mimeType,
          size: row.size,
          index: row.genIndex ?? 0,
          sha256,
          ...(row.metadata ? { metadata: row.metadata } : {}),
          ...(row.albumId ? { albumId: row.albumId } : {}),
        },
        signal,
      );
    }
    if (!row.albumId) throw new FatalError('INVALID_REQUEST', 'row has no album and no generation');
    return this.d.api.requestAlbumUpload(row.albumId, { filename, mimeType: row.mimeType, size: row.size, sha256 }, signal);
  }

  /** Sends the missing parts, N at a time, each signed just before it goes and recorded as it lands. */
  private async uploadParts(row: FileRow, signal: AbortSignal): Promise<void> {
    const plan = { partSize: row.partSize!, partCount: row.partCount! };
    const done = new Set(this.d.store.parts(row.id).map((p) => p.partNumber));
    const sent = this.d.store.parts(row.id).reduce((n, p) => n + p.size, 0);
    this.progress.begin(row.id, row.size, sent, this.d.clock.now());
    const missing: number[] = [];
    for (let n = 1; n <= plan.partCount; n++) if (!done.has(n)) missing.push(n);

    const group = new AbortController();
    const groupSignal = AbortSignal.any([signal, group.signal]);
    const worker = async () => {
      for (let n = missing.shift(); n !== undefined; n = missing.shift()) {
        const { start, end } = partRange(plan, row.size, n);
        let attempt = 0;
        // Hashed once per part, just before its first send: the page cache still holds it for the PUT.
        const partSha256 = await this.d.hashFile(row.path, groupSignal, { start, end });
        for (;;) {
          const [signed] = await this.withRetry(row.id, 'api', groupSignal, () =>
            this.d.api.signParts(row.mediaId!, [n], groupSignal, { [String(n)]: partSha256 }),
          );
          if (!signed) throw new FatalError('INTERNAL', `no URL for part ${n}`);
          let partBytes = 0;
          try {
            const { etag } = await this.d.transport.put({
              url: signed.url,
              headers: signed.headers ?? {},
              path: row.path,
              start,
              end,
              signal: groupSignal,
              onProgress: (b) => {
                partBytes += b;
                this.progress.add(row.id, b);
              },
            });
            if (!etag) throw new FatalError('UPLOAD_REJECTED', `S3 gave no ETag for part ${n}`);
            this.d.store.savePart(row.id, n, etag, end - start, partSha256);
            break;
          } catch (err) {
            this.progress.add(row.id, -partBytes);
            if ((await this.afterFailure(row.id, err, 's3', attempt, groupSignal)) !== 'network-offline') attempt++;
          }
        }
      }
    };
    const workers = Array.from({ length: Math.min(this.o.partConcurrency, missing.length) }, () =>
      worker().catch((err: unknown) => {
        group.abort(err instanceof AbortedError ? err : new AbortedError('shutdown'));
        throw err;
      }),
    );
    const results = await Promise.allSettled(workers);
    const firstReal = results.find((r): r is PromiseRejectedResult => r.status === 'rejected' && !(r.reason instanceof AbortedError && !signal.aborted));
    if (signal.aborted) throw abortErrorOf(signal);
    if (firstReal) throw firstReal.reason;
    const anyRejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (anyRejected) throw anyRejected.reason;
  }

  /** True when the media record settled the row (uploaded or failed by processing). */
  private applyMediaStatus(id: number, media: Media): boolean {
    switch (media.status) {
      case 'uploaded':
        if (media.thumbhash) this.placeholders.set(id, { thumbhash: media.thumbhash, ...(media.dominantColor ? { dominantColor: media.dominantColor } : {}) });
        this.setState(id, 'uploaded', { thumbnail: media.thumbnails?.small ?? media.thumbnails?.cover ?? null, bytesSent: media.size });
        this.batchCounts.uploaded++;
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

  // ---- retries and offline ------------------------------------------------------------------

  /** Calls `fn` until it succeeds, retrying by class of failure; throws what retrying cannot fix. */
  private async withRetry<T>(id: number, site: CallSite, signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
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
  private async afterFailure(
    id: number,
    err: unknown,
    site: CallSite,
    attempt: number,
    signal: AbortSignal,
  ): Promise<'network-offline' | 'backoff' | 'resign'> {
    if (signal.aborted) throw abortErrorOf(signal);
    const cls = classify(err, site);
    switch (cls) {
      case 'aborted':
      case 'fatal':
        throw err;
      case 'restart':
        throw new RestartUpload(String((err as Error).message));
      case 'network': {
        if (!(await this.probeOnce(signal))) {
          this.goOffline();
          await this.waitOnline(signal);
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
    const row = this.d.store.get(id);
    this.d.store.update(id, { attempts: (row?.attempts ?? 0) + 1, error: errorInfoOf(err) });
    this.touch(id);
    if (attempt + 1 >= this.o.maxAttempts) throw err;
    if (cls === 'resign' && attempt === 0) return 'resign';
    const retryAfter = (err as { retryAfterMs?: number }).retryAfterMs;
    await this.d.clock.sleep(backoffDelay(attempt, this.d.random, this.o.backoff, retryAfter), signal).catch(() => {
      throw abortErrorOf(signal);
    });
    return cls === 'resign' ? 'resign' : 'backoff';
  }

  private async probeOnce(signal: AbortSignal): Promise<boolean> {
    try {
      await this.d.api.health(signal);
      return true;
    } catch {
      if (signal.aborted) throw abortErrorOf(signal);
      return false;
    }
  }

  /** The backend is unreachable: hold everything, probe /health with backoff, resume when it answers. */
  private goOffline(): void {
    if (this.online) {
      this.online = false;
      this.emit({ type: 'online', online: false });
    }
    if (this.probing) return;
    this.probing = true;
    void (async () => {
      const stop = this.stopController.signal;
      for (let attempt = 0; !stop.aborted; attempt++) {
        try {
          await this.d.clock.sleep(backoffDelay(attempt, this.d.random, this.o.probe), stop);
          await this.d.api.health(stop);
          break;
        } catch {
          // still offline
        }
      }
      this.probing = false;
      if (stop.aborted) return;
      this.online = true;
      this.emit({ type: 'online', online: true });
      const waiters = this.onlineWaiters;
      this.onlineWaiters = [];
      for (const w of waiters) w();
      this.pollWake?.();
      this.kick();
    })();
  }

  private waitOnline(signal: AbortSignal): Promise<void> {
    if (this.online) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortErrorOf(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.onlineWaiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) reject(abortErrorOf(signal));
        else resolve();
      });
    });
  }

  // ---- status polling -----------------------------------------------------------------------

  /** Polls POST /media/status in batches of 100 until each processing row is uploaded or failed. */
  private async runPoller(): Promise<void> {
    const stop = this.stopController.signal;
    let interval = this.o.poll.minMs;
    let attempt = 0;
    while (!stop.aborted) {
      const wait = this.active.size > 0 ? Math.max(interval, this.o.poll.busyMs) : interval;
      await new Promise<void>((resolve) => {
        this.pollWake = resolve;
        this.d.clock.sleep(wait, stop).then(resolve, resolve);
      });
      this.pollWake = undefined;
      if (stop.aborted) break;
      if (!this.online) {
        await this.waitOnline(stop).catch(() => undefined);
        continue;
      }
      let changed = 0;
      let seen = 0;
      try {
        for (let after = 0; ; ) {
          const rows = this.d.store.pageInState('processing', after, 100);
          if (rows.length === 0) break;
          after = rows[rows.length - 1]!.id;
          seen += rows.length;
          const byMedia = new Map(rows.filter((r) => r.mediaId).map((r) => [r.mediaId!, r.id]));
          if (byMedia.size === 0) continue;
          const media = await this.d.api.mediaStatus([...byMedia.keys()], stop);
          for (const m of media) {
            const id = byMedia.get(m.mediaId);
            if (id !== undefined && this.applyMediaStatus(id, m)) changed++;
          }
        }
        attempt = 0;
        interval = changed > 0 || seen === 0 ? this.o.poll.minMs : Math.min(this.o.poll.maxMs, interval * 1.5);
      } catch (err) {
        if (stop.aborted) break;
        if (classify(err, 'api') === 'network' && !(await this.probeOnce(stop).catch(() => true))) this.goOffline();
        interval = backoffDelay(attempt++, this.d.random, this.o.backoff);
      }
      if (changed > 0) this.maybeBatchFinished();
    }
  }

  private maybeBatchFinished(): void {
    if (this.active.size > 0) return;
    const t = this.d.store.totals();
    if (t.byState.queued + t.byState.processing + t.byState.hashing + t.byState.requesting + t.byState.uploading > 0) return;
    if (this.batchCounts.uploaded + this.batchCounts.failed === 0) return;
    this.emit({ type: 'batch-finished', ...this.batchCounts });
    this.batchCounts = { uploaded: 0, failed: 0 };
  }

  // ---- control ------------------------------------------------------------------------------

  pauseAll(): void {
    this.paused = true;
    this.d.store.setFlag('paused', '1');
    // Paused by "all" goes back to queued (not the per-file paused state), so resumeAll restarts it.
    for (const a of this.active.values()) a.controller.abort(new AbortedError('shutdown'));
    this.emit({ type: 'paused', paused: true });
  }

  resumeAll(): void {
    this.paused = false;
    this.d.store.setFlag('paused', '0');
    this.emit({ type: 'paused', paused: false });
    this.kick();
  }

  /** Aborts the file's run if it is in flight and waits for it to settle; false if it was not. */
  private async abortAndWait(id: number, reason: AbortReason): Promise<boolean> {
    const a = this.active.get(id);
    if (!a) return false;
    a.controller.abort(new AbortedError(reason));
    await a.done;
    return true;
  }

  /** Pauses one file: aborts it if in flight (its parts are kept) and keeps it out of the queue. */
  async pause(id: number): Promise<void> {
    if (await this.abortAndWait(id, 'pause')) return;
    const row = this.d.store.get(id);
    if (row && row.state === 'queued') this.setState(id, 'paused');
  }

  resume(id: number): void {
    const row = this.d.store.get(id);
    if (row?.state === 'paused') this.setState(id, 'queued');
    this.kick();
  }

  /** Cancels one file; a multipart upload in progress is aborted on the server too. */
  async cancel(id: number): Promise<void> {
    if (await this.abortAndWait(id, 'cancel')) return;
    const row = this.d.store.get(id);
    if (!row || finalStates.includes(row.state)) return;
    await this.abortRemote(row);
    this.setState(id, 'cancelled');
  }

  /** Puts a failed or cancelled file back in the queue from a fresh upload request (its hash is kept). */
  retry(id: number): boolean {
    const row = this.d.store.get(id);
    if (!row || (row.state !== 'failed' && row.state !== 'cancelled')) return false;
    this.d.store.clearParts(id);
    this.setState(id, 'queued', freshAttempt);
    this.kick();
    return true;
  }

  retryAllFailed(): number {
    let n = 0;
    for (;;) {
      const ids = this.d.store.idsInStates(['failed'], 1000);
      if (ids.length === 0) break;
      for (const id of ids) if (this.retry(id)) n++;
    }
    return n;
  }

  clearFinished(): number[] {
    const removed: number[] = [];
    for (;;) {
      const ids = this.d.store.idsInStates(['uploaded', 'skipped', 'cancelled'], 1000);
      if (ids.length === 0) break;
      this.d.store.deleteRows(ids);
      removed.push(...ids);
    }
    if (removed.length) {
      for (let i = 0; i < removed.length; i += 1000) this.emit({ type: 'removed', ids: removed.slice(i, i + 1000) });
      this.totalsDirty = true;
    }
    return removed;
  }

  // ---- views and events ---------------------------------------------------------------------

  /** A row as the UI sees it, with live progress for files in flight. */
  toItem(row: FileRow): QueueItem {
    const live = this.progress.get(row.id);
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
    if (row.error && (row.state === 'failed' || this.active.has(row.id))) item.error = row.error;
    if (row.mediaId) item.mediaId = row.mediaId;
    if (row.albumId) item.albumId = row.albumId;
    if (row.skipReason) item.skipReason = row.skipReason;
    if (row.thumbnail) item.thumbnail = row.thumbnail;
    Object.assign(item, this.placeholders.get(row.id));
    return item;
  }

  totals(): QueueTotals {
    const t = this.d.store.totals();
    const live = this.progress.totals();
    let sentLive = 0;
    for (const id of this.progress.ids()) {
      const row = this.d.store.get(id);
      if (row && row.state !== 'processing') sentLive += (this.progress.get(id)?.bytes ?? 0) - row.bytesSent;
    }
    const bytesSent = t.bytesSent + Math.max(0, sentLive);
    const left = t.bytesTotal - bytesSent;
    return { ...t, bytesSent, rate: live.rate, etaSeconds: live.rate > 1 ? Math.ceil(left / live.rate) : null };
  }

  /** Sends the coalesced changes since the last flush: changed rows, live progress, totals. */
  flush(): void {
    this.progress.sample(this.d.clock.now());
    const ids = new Set([...this.dirty, ...this.progress.ids()]);
    this.dirty.clear();
    if (ids.size > 0) {
      const items = this.d.store.getMany([...ids].slice(0, 500)).map((r) => this.toItem(r));
      if (items.length) this.emit({ type: 'items', items });
    }
    const now = this.d.clock.now();
    // Totals aggregate the whole table; at most once a second unless a row changed state.
    if (this.totalsDirty || (this.progress.ids().length > 0 && now - this.lastTotalsAt >= 1000)) {
      this.totalsDirty = false;
      this.lastTotalsAt = now;
      this.emit({ type: 'totals', totals: this.totals() });
    }
  }

  activeCount(): number {
    return this.active.size;
  }
}

/** The queue target string rows are deduplicated by: the same path to the same place is one row. */
export function targetKey(target: UploadTarget): string {
  switch (target.kind) {
    case 'album':
      return `album:${target.albumId}`;
    case 'generation':
      return `generation:${target.albumId ?? ''}`;
    default:
      return assertNever(target, 'upload target');
  }
}

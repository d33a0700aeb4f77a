/**
 * The upload engine: a scheduler over the leaf modules that do the work, on injected I/O (clock,
 * random source, HTTP transport, API client; STYLE.md §5). It decides which rows run and when, and
 * takes the user's controls (pause, resume, cancel, retry). One file's run is `file-run.ts`, the
 * retries `retry-loop.ts`, offline holding `connectivity.ts`, status polling `status-poller.ts`, the
 * UI's views and events `queue-views.ts`; the file state machine itself is `shared/file-states.ts`.
 */
import type { EngineEvent, FileState, QueueItem, QueueTotals } from '../../shared/engine-api.ts';
import { doneStates, isFinal, isRetryable, retryReset } from '../../shared/file-states.ts';
import type { FileRow } from '../store/queue-store.ts';
import { Connectivity } from './connectivity.ts';
import { AbortedError, type AbortReason } from './errors.ts';
import { runFile, type RunContext } from './file-run.ts';
import { abortRemote, settleRunError, type RunOutcomeDeps } from './run-outcome.ts';
import { resolveEngineOptions, type EngineDeps, type EngineOptions, type EngineOptionsInput } from './options.ts';
import { ProgressTracker } from './progress.ts';
import { QueueViews } from './queue-views.ts';
import { dropSuperseded, finishReplacement, type ReplacementDeps } from './replacements.ts';
import { RetryLoop } from './retry-loop.ts';
import { RowStates } from './row-states.ts';
import { UploadSlots } from './slots.ts';
import { UploadBatcher } from './upload-batcher.ts';
import { StatusPoller } from './status-poller.ts';

export { defaultEngineOptions, type EngineDeps, type EngineOptions, type EngineOptionsInput } from './options.ts';

interface Active {
  controller: AbortController;
  done: Promise<void>;
}

/** The engine. Build it, `start()` it, feed it rows through the store, listen to its events. */
export class Engine {
  private readonly d: EngineDeps;
  private readonly o: EngineOptions;
  private readonly active = new Map<number, Active>();
  private readonly listeners = new Set<(e: EngineEvent) => void>();
  private readonly stopController = new AbortController();
  private readonly net: Connectivity;
  private readonly rows: RowStates;
  private readonly views: QueueViews;
  private readonly poller: StatusPoller;
  private readonly run: RunContext;
  /** album upload requests in batches; its `requests` counts the batch calls */
  readonly batcher: UploadBatcher;
  private readonly outcome: RunOutcomeDeps;
  private readonly replacements: ReplacementDeps;
  private flushTimer: ReturnType<typeof setInterval> | undefined;
  private pollLoop: Promise<void> | undefined;
  private started = false;
  /** the last scheduling pass left queued rows behind (more files will want upload requests) */
  private moreQueued = false;
  paused: boolean;

  constructor(deps: EngineDeps, options: EngineOptionsInput = {}) {
    this.d = deps;
    this.o = resolveEngineOptions(options);
    this.paused = deps.store.getFlag('paused') === '1';
    const emit = (e: EngineEvent) => this.emit(e);
    const stop = this.stopController.signal;
    const progress = new ProgressTracker();
    this.views = new QueueViews({
      store: deps.store,
      progress,
      clock: deps.clock,
      emit,
      isActive: (id) => this.active.has(id),
      placeholderOf: (id) => this.rows.placeholders.get(id),
    });
    const touch = (id: number) => this.views.touch(id);
    this.rows = new RowStates({ store: deps.store, touch });
    this.rows.listeners.add((_id, state) => {
      if (isFinal(state)) this.views.noteSettled();
    });
    this.net = new Connectivity({
      api: deps.api,
      clock: deps.clock,
      random: deps.random,
      probe: this.o.probe,
      stop,
      emit,
      onBackOnline: () => {
        this.poller.wake();
        this.kick();
      },
    });
    this.poller = new StatusPoller({
      store: deps.store,
      api: deps.api,
      clock: deps.clock,
      random: deps.random,
      options: this.o,
      connectivity: this.net,
      rows: this.rows,
      activeCount: () => this.active.size,
      emit,
      stop,
    });
    const retry = new RetryLoop({
      store: deps.store,
      clock: deps.clock,
      random: deps.random,
      connectivity: this.net,
      backoff: this.o.backoff,
      maxAttempts: () => this.o.maxAttempts,
      touch,
    });
    const slots = new UploadSlots(
      () => this.o.concurrency,
      () => this.o.bytesInFlight,
    );
    const hashSlots = new UploadSlots(() => this.o.hashConcurrency);
    const preparing = { count: 0 };
    // Ready files gather into one request while more are being hashed and a full set of files with
    // URLs already waits behind the busy slots (enough to cover the next call's round trip);
    // otherwise what is ready goes at once.
    this.batcher = new UploadBatcher({
      api: deps.api,
      hold: () => (preparing.count > 0 || this.moreQueued) && slots.queued >= this.o.concurrency,
    });
    this.run = {
      d: deps,
      o: this.o,
      progress,
      slots,
      hashSlots,
      batcher: this.batcher,
      preparing,
      rows: this.rows,
      retry,
      // Only when nothing else is left to run: each poll is a request, and more answers will come.
      wakePoller: () => {
        if (this.active.size <= 1) this.poller.wake();
      },
    };
    this.outcome = { store: deps.store, api: deps.api, rows: this.rows };
    this.replacements = { store: deps.store, api: deps.api, emit, touch, cancelRun: async (id) => void (await this.abortAndWait(id, 'cancel')) };
    // A --replace upload deletes the record it replaces only once it is in itself.
    this.rows.listeners.add((id, state) => {
      if (state === 'uploaded') void finishReplacement(this.replacements, id).catch(() => undefined);
    });
  }

  /** True while the backend answers; false while the engine holds for it. */
  get online(): boolean {
    return this.net.online;
  }

  /** Requeues rows a crash left mid-work and starts scheduling, polling and event flushing. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.d.store.requeueActive();
    this.flushTimer = setInterval(() => this.flush(), this.o.flushMs);
    this.flushTimer.unref?.();
    this.pollLoop = this.o.statusPolling ? this.poller.run() : Promise.resolve();
    this.kick();
  }

  /** Aborts work in flight (rows go back to queued, parts kept) and waits for it to settle. */
  async stop(): Promise<void> {
    this.stopController.abort(new AbortedError('shutdown'));
    for (const a of this.active.values()) a.controller.abort(new AbortedError('shutdown'));
    this.poller.wake();
    this.net.releaseWaiters();
    await Promise.allSettled([...[...this.active.values()].map((a) => a.done), this.pollLoop]);
    if (this.flushTimer) clearInterval(this.flushTimer);
    this.flush();
  }

  /**
   * Called synchronously on every state change, after it is written. For a caller that must react at
   * once (the CLI ends when its last file settles); `onEvent` is coalesced every `flushMs`.
   */
  onStateChange(listener: (id: number, state: FileState) => void): () => void {
    this.rows.listeners.add(listener);
    return () => this.rows.listeners.delete(listener);
  }

  /** Listens to the coalesced events (rows, totals, online, paused, batch-finished, removed). */
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
    this.views.touch(id);
  }

  /** Changes how many files (and parts per file) are in flight; takes effect at once. */
  setConcurrency(files: number, parts?: number): void {
    this.o.concurrency = Math.max(1, files);
    if (parts) this.o.partConcurrency = Math.max(1, parts);
    this.run.slots.drain();
    this.kick();
  }

  // ---- scheduling ---------------------------------------------------------------------------

  /** Starts queued rows while there are free slots. */
  kick(): void {
    if (!this.started || this.paused || !this.net.online || this.stopController.signal.aborted) return;
    const free = this.o.concurrency + (this.o.prepareAhead ?? this.o.concurrency) - this.active.size;
    if (free <= 0) return;
    const rows = this.d.store.nextInState('queued', free, new Set(this.active.keys()));
    this.moreQueued = rows.length === free;
    for (const row of rows) this.launch(row);
  }

  private launch(row: FileRow): void {
    const controller = new AbortController();
    const entry: Active = { controller, done: Promise.resolve() };
    this.active.set(row.id, entry);
    entry.done = runFile(this.run, row.id, controller.signal)
      .catch((err: unknown) => settleRunError(this.outcome, row.id, err))
      .finally(() => {
        this.active.delete(row.id);
        this.run.progress.end(row.id);
        this.touch(row.id);
        this.kick();
        // A slot may have freed with nobody waiting for it: what is ready may have to go now.
        this.batcher.poke();
      });
  }

  // ---- control ------------------------------------------------------------------------------

  /** Stops everything: work in flight goes back to queued, and nothing starts until `resumeAll`. */
  pauseAll(): void {
    this.paused = true;
    this.d.store.setFlag('paused', '1');
    // Paused by "all" goes back to queued (not the per-file paused state), so resumeAll restarts it.
    for (const a of this.active.values()) a.controller.abort(new AbortedError('shutdown'));
    this.emit({ type: 'paused', paused: true });
  }

  /** Lifts `pauseAll` and schedules the queue again. */
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

  /** True when the row belongs to this engine's backend: the only rows its controls may touch. */
  private owns(id: number): boolean {
    const row = this.d.store.get(id);
    const bound = this.d.store.boundBackend;
    return Boolean(row) && (bound === undefined || row!.backend === null || row!.backend === bound);
  }

  /** Pauses one file: aborts it if in flight (its parts are kept) and keeps it out of the queue. */
  async pause(id: number): Promise<void> {
    if (!this.owns(id)) return;
    if (await this.abortAndWait(id, 'pause')) return;
    const row = this.d.store.get(id);
    if (row && row.state === 'queued') this.rows.set(id, 'paused');
  }

  /** Puts a paused file back in the queue. */
  resume(id: number): void {
    const row = this.d.store.get(id);
    if (row?.state === 'paused' && this.owns(id)) this.rows.set(id, 'queued');
    this.kick();
  }

  /** Cancels one file; a multipart upload in progress is aborted on the server too. */
  async cancel(id: number): Promise<void> {
    if (!this.owns(id)) return;
    if (await this.abortAndWait(id, 'cancel')) return;
    const row = this.d.store.get(id);
    if (!row || isFinal(row.state)) return;
    await abortRemote(this.d.api, row);
    this.rows.set(id, 'cancelled');
  }

  /** Puts a failed or cancelled file back in the queue from a fresh upload request (its hash is kept). */
  retry(id: number): boolean {
    const row = this.d.store.get(id);
    if (!row || !isRetryable(row.state) || !this.owns(id)) return false;
    this.d.store.transaction(() => {
      this.d.store.forgetUpload(id, retryReset);
      this.rows.set(id, 'queued');
    });
    this.kick();
    return true;
  }

  /** Retries every failed file; answers how many. */
  retryAllFailed(): number {
    let n = 0;
    for (;;) {
      const ids = this.d.store.idsInStates(['failed'], 1000);
      if (ids.length === 0) break;
      for (const id of ids) if (this.retry(id)) n++;
    }
    return n;
  }

  /**
   * Takes settled rows (uploaded, failed, skipped, cancelled) off the list, which is how a failed or
   * skipped row stops asking for attention; rows still moving are left alone (cancel those first).
   * Answers the ids removed. The backend is not touched: a failed record there is the album's filter's
   * business, an uploaded one stays uploaded.
   */
  dismiss(ids: readonly number[]): number[] {
    const removed = this.d.store.getMany([...new Set(ids)]).filter((r) => isFinal(r.state) && !this.active.has(r.id)).map((r) => r.id);
    if (removed.length === 0) return removed;
    this.d.store.deleteRows(removed);
    this.emit({ type: 'removed', ids: removed });
    this.views.invalidateTotals();
    return removed;
  }

  /** Cancels each of `ids` in turn (see `cancel`); settled rows are left as they are. */
  async cancelMany(ids: readonly number[]): Promise<void> {
    for (const id of new Set(ids)) await this.cancel(id);
  }

  /** Removes uploaded, skipped and cancelled rows; answers their ids. */
  clearFinished(): number[] {
    const removed: number[] = [];
    for (;;) {
      const ids = this.d.store.idsInStates(doneStates, 1000);
      if (ids.length === 0) break;
      this.d.store.deleteRows(ids);
      removed.push(...ids);
    }
    if (removed.length) {
      for (let i = 0; i < removed.length; i += 1000) this.emit({ type: 'removed', ids: removed.slice(i, i + 1000) });
      this.views.invalidateTotals();
    }
    return removed;
  }

  /** Drops the earlier attempts that new versions of their files supersede (see replacements.ts). */
  async supersede(rows: { id: number; deleteRemote: boolean }[]): Promise<void> {
    if (rows.length) await dropSuperseded(this.replacements, rows.filter((r) => this.owns(r.id)));
    this.views.invalidateTotals();
    this.kick();
  }

  // ---- views --------------------------------------------------------------------------------

  /** A row as the UI sees it, with live progress for files in flight. */
  toItem(row: FileRow): QueueItem {
    return this.views.toItem(row);
  }

  /** The queue's totals with live bytes and rate. */
  totals(): QueueTotals {
    return this.views.totals();
  }

  /** Sends the coalesced changes since the last flush: changed rows, live progress, totals. */
  flush(): void {
    this.views.flush();
  }

  /** Files the engine is running right now. */
  activeCount(): number {
    return this.active.size;
  }
}

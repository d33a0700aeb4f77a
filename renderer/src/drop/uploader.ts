/**
 * Sends dropped files to the local engine: a few streams at once (the browser reads each file from
 * disk as it goes, so a 2 GB video is never in page memory), files Ferry cannot take refused up
 * front with their reason, and the screen told at most every `flushMs`, so 10,000 files make a few
 * dozen renders, not tens of thousands.
 */
import { dropRefusal } from '../../../shared/drop.ts';
import type { DroppedFile } from './traverse.ts';

export interface SendJob {
  file: File;
  /** relative path inside the drop */
  path: string;
  batch: string;
  albumId: string;
}

/** Sends one file; calls `onBytes` with bytes sent so far; rejects with a message to show. */
export type SendFn = (job: SendJob, onBytes: (sent: number) => void) => Promise<void>;

export interface NotTaken {
  path: string;
  reason: string;
}

export interface DropSnapshot {
  /** files accepted for sending in this session of drops */
  files: number;
  /** of those, arrived at the engine and queued */
  sent: number;
  bytesTotal: number;
  bytesSent: number;
  /** files not taken (refused up front, or the send failed), newest last; capped at `maxListed` */
  notTaken: NotTaken[];
  /** how many were not taken in all (the list may hold fewer) */
  notTakenCount: number;
  /** streams running or waiting */
  busy: boolean;
}

export interface DropUploaderOptions {
  send: SendFn;
  onChange(s: DropSnapshot): void;
  concurrency?: number;
  flushMs?: number;
  /** ID of one drop (its staging folder); random by default */
  newBatchId?: () => string;
}

/** Bounds the list shown on screen; the count still says how many. */
export const maxListed = 200;

export function emptySnapshot(): DropSnapshot {
  return { files: 0, sent: 0, bytesTotal: 0, bytesSent: 0, notTaken: [], notTakenCount: 0, busy: false };
}

/** The drop queue (see the module comment). */
export class DropUploader {
  private readonly opts: DropUploaderOptions;
  private readonly waiting: SendJob[] = [];
  private readonly inFlight = new Map<SendJob, number>();
  private state = emptySnapshot();
  /** bytes of files already finished (sent or failed); in-flight bytes are added at flush */
  private settledBytes = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(opts: DropUploaderOptions) {
    this.opts = opts;
  }

  /** A new drop's batch ID. */
  newBatch(): string {
    return this.opts.newBatchId?.() ?? crypto.randomUUID().replaceAll('-', '');
  }

  /** Queues dropped files for `albumId`; files Ferry cannot take are listed with their reason instead. */
  add(files: DroppedFile[], albumId: string, batch: string): void {
    for (const f of files) {
      const name = f.path.slice(f.path.lastIndexOf('/') + 1);
      const refusal = dropRefusal(name, f.file.size);
      if (refusal) {
        this.notTaken(f.path, refusal);
        continue;
      }
      this.waiting.push({ file: f.file, path: f.path, batch, albumId });
      this.state.files++;
      this.state.bytesTotal += f.file.size;
    }
    this.pump();
    this.schedule();
  }

  /** Starts over the counters once everything has gone (the report then shows the next drop only). */
  reset(): void {
    if (this.waiting.length || this.inFlight.size) return;
    this.state = emptySnapshot();
    this.settledBytes = 0;
    this.flush();
  }

  private notTaken(path: string, reason: string): void {
    this.state.notTakenCount++;
    this.state.notTaken.push({ path, reason });
    if (this.state.notTaken.length > maxListed) this.state.notTaken.shift();
  }

  private pump(): void {
    const limit = this.opts.concurrency ?? 3;
    while (this.inFlight.size < limit && this.waiting.length) {
      const job = this.waiting.shift()!;
      this.inFlight.set(job, 0);
      void this.opts
        .send(job, (n) => {
          if (this.inFlight.has(job)) this.inFlight.set(job, n);
          this.schedule();
        })
        .then(
          () => {
            this.state.sent++;
            this.settledBytes += job.file.size;
          },
          (err: unknown) => {
            this.notTaken(job.path, err instanceof Error ? err.message : String(err));
            // A failed file no longer counts towards the bytes to send.
            this.state.bytesTotal -= job.file.size;
          },
        )
        .finally(() => {
          this.inFlight.delete(job);
          this.pump();
          this.schedule();
        });
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.opts.flushMs ?? 200);
  }

  private flush(): void {
    let inFlightBytes = 0;
    for (const n of this.inFlight.values()) inFlightBytes += n;
    this.state.bytesSent = this.settledBytes + inFlightBytes;
    this.state.busy = this.waiting.length > 0 || this.inFlight.size > 0;
    this.opts.onChange({ ...this.state, notTaken: [...this.state.notTaken] });
  }
}

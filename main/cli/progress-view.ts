/**
 * What the terminal bar of `ferry upload` shows, computed from the batch's rows: pure, so fake time
 * tests it. The bar is driven by files, not bytes: a file's bytes fill the first part of its share
 * and its thumbnails the rest, so the bar reaches 100 % only when the last file is settled (it sat
 * at 100 % for 35 s while thumbnails were made, issue 14). Speed and ETA come from windows over the
 * cumulative counts (throughput.ts) and are formatted here, never by cli-progress (whose NULL and
 * Infinity ETAs print as `LL` and `NF`).
 */
import prettyBytes from 'pretty-bytes';
import { isFinal, type FileState } from '../../shared/file-states.ts';
import { WindowRate, estimateEta, formatEtaShort } from '../engine/throughput.ts';

/** The part of a file's share of the bar its bytes fill; its thumbnails fill the rest. */
export const bytesShare = 0.5;

/** One row of the batch as the bar needs it. */
export interface BarRow {
  state: FileState;
  size: number;
  /** live bytes sent (the engine's view, in-flight bytes included) */
  bytesSent: number;
}

/** Whether a row is done for this command (with --no-wait, once its bytes are in S3). */
export function settledFor(state: FileState, noWait: boolean): boolean {
  return isFinal(state) || (noWait && state === 'processing');
}

/** The tokens the bar's format string uses. */
export interface BarFields {
  /** 0..1000; 1000 only when every row is settled */
  value: number;
  pct: string;
  done: number;
  files: number;
  sent: string;
  totalBytes: string;
  /** the bytes rate while bytes are moving, else what the backend is doing */
  stage: string;
  /** the ETA, formatted here (not `eta`: cli-progress fills that token itself, with its own estimate) */
  left: string;
}

/** Turns successive readings of a batch's rows into bar fields. */
export class BatchProgressView {
  private readonly bytes = new WindowRate(8_000, 1_000, { fromFirstChange: true });
  private readonly settled = new WindowRate(10_000, 1_000, { fromFirstChange: true });
  private readonly noWait: boolean;
  offline = false;
  /** bytes already in S3 at the first reading (a resumed run), and whether any moved since */
  private firstSent: number | undefined;
  private sentAny = false;

  constructor(noWait: boolean) {
    this.noWait = noWait;
  }

  /** The bar's fields for the rows as they are at `now` (ms). */
  read(rows: readonly BarRow[], now: number): BarFields {
    let done = 0;
    let units = 0;
    let bytesTotal = 0;
    let bytesSent = 0;
    let processing = 0;
    for (const r of rows) {
      const counted = r.state !== 'skipped' && r.state !== 'cancelled';
      const sent = r.state === 'processing' || r.state === 'uploaded' ? r.size : Math.min(r.size, r.bytesSent);
      if (counted) {
        bytesTotal += r.size;
        bytesSent += sent;
      }
      if (settledFor(r.state, this.noWait)) {
        done++;
        units += 1;
      } else if (r.state === 'processing') {
        processing++;
        units += bytesShare;
      } else {
        units += r.size > 0 ? bytesShare * (sent / r.size) : 0;
      }
    }
    this.bytes.record(now, bytesSent);
    if (this.firstSent === undefined) this.firstSent = bytesSent;
    if (bytesSent > this.firstSent) this.sentAny = true;
    this.settled.record(now, done);
    const files = rows.length;
    // Floor, not round: 99.96 % must not read 100 %.
    const value = files === 0 ? 1000 : done === files ? 1000 : Math.min(999, Math.floor((units / files) * 1000));
    const byteRate = this.bytes.rate();
    const bytesLeft = bytesTotal - bytesSent;
    let stage: string;
    if (this.offline) stage = 'offline, waiting';
    // "starting" until bytes first move (files are hashed and requested first): "0 B/s" there read
    // as a stall. After that a 0 is the truth (nothing moved over the whole window).
    else if (bytesLeft > 0) stage = byteRate === null || (byteRate === 0 && !this.sentAny) ? 'starting' : `${prettyBytes(byteRate)}/s`;
    else if (processing > 0) stage = `${processing} making thumbnails`;
    else stage = done === files ? 'done' : 'finishing';
    const eta = done === files ? 0 : this.offline ? null : estimateEta({ bytesLeft, bytesPerSecond: byteRate, filesLeft: files - done, filesPerSecond: this.settled.rate() });
    return {
      value,
      pct: String(Math.floor(value / 10)),
      done,
      files,
      sent: prettyBytes(bytesSent),
      totalBytes: prettyBytes(bytesTotal),
      stage,
      left: formatEtaShort(eta),
    };
  }
}

/** The bar's format string (cli-progress tokens; every value is computed above). */
export const barFormat = ' {bar} {pct}% | {done}/{files} files | {sent}/{totalBytes} | {stage} | ETA {left}';

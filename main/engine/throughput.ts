/**
 * Rates over a sliding window of cumulative counts (bytes sent, files processed) and the ETA they
 * give, uploads and thumbnails together. Pure: the caller passes the time, so fake time tests it.
 *
 * Why a window of cumulative counts rather than the per-file EWMA in progress.ts: small files start
 * and finish between two samples, so a sum of per-file rates read 0 B/s while 17–40 MB moved, and
 * cli-progress's own ETA over the first readings said 27 h (issue 14).
 */

/** A per-second rate over the last `windowMs` of (time, cumulative count) samples. */
export class WindowRate {
  private readonly samples: { t: number; n: number }[] = [];
  private readonly windowMs: number;
  private readonly minSpanMs: number;
  private readonly fromFirstChange: boolean;
  private changed = false;

  /**
   * `minSpanMs`: no rate until the samples span this long (the first readings are noise).
   * `fromFirstChange`: measure from the first increase, not from the first sample. For files
   * finishing, the time before the first one is pipeline latency (hash, request, send, process),
   * not throughput: counting it made a 10 s run's first ETA read 55 s.
   */
  constructor(windowMs = 8_000, minSpanMs = 1_000, opts: { fromFirstChange?: boolean } = {}) {
    this.windowMs = windowMs;
    this.minSpanMs = minSpanMs;
    this.fromFirstChange = opts.fromFirstChange ?? false;
  }

  /** Records the cumulative count at `now` (call it on every tick, moving or not, so a stall decays the rate). */
  record(now: number, cumulative: number): void {
    const last = this.samples[this.samples.length - 1];
    if (this.fromFirstChange && !this.changed && last && cumulative > last.n) {
      this.changed = true;
      this.samples.length = 0;
    }
    if (last && now <= last.t && this.samples.length > 0) {
      last.n = Math.max(last.n, cumulative);
      return;
    }
    this.samples.push({ t: now, n: cumulative });
    // Keep one sample at or before the window's start, so the span covers the whole window.
    while (this.samples.length > 2 && this.samples[1]!.t <= now - this.windowMs) this.samples.shift();
  }

  /** Units per second over the window; null until the samples span `minSpanMs`. */
  rate(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < this.minSpanMs) return null;
    return Math.max(0, (last.n - first.n) / ((last.t - first.t) / 1000));
  }
}

export interface EtaInput {
  /** bytes not yet in S3 */
  bytesLeft: number;
  bytesPerSecond: number | null;
  /** files not yet settled (uploading, processing, queued) */
  filesLeft: number;
  /** files reaching a final state per second, over the window */
  filesPerSecond: number | null;
}

/**
 * Seconds until the last file is settled, thumbnails included; null when there is nothing to base
 * it on yet. Uploads and processing overlap (a file is processed while the next one is sent), so
 * the answer is the later of "the bytes are in, then one more file is processed" and "every file
 * left is processed at the measured rate".
 */
export function estimateEta(i: EtaInput): number | null {
  if (i.filesLeft <= 0) return 0;
  const perFile = i.filesPerSecond && i.filesPerSecond > 0 ? 1 / i.filesPerSecond : null;
  let upload: number | null = 0;
  if (i.bytesLeft > 0) upload = i.bytesPerSecond && i.bytesPerSecond > 0 ? i.bytesLeft / i.bytesPerSecond : null;
  // Before the first file settles there is no processing rate: with bytes still moving, their ETA
  // is a lower bound worth showing only once files have started to finish.
  if (perFile === null) return null;
  const processing = i.filesLeft * perFile;
  if (upload === null) return null;
  return Math.ceil(Math.max(upload + perFile, processing));
}

/** An ETA for a terminal: `--` when unknown, `>1 day` rather than an absurd figure, else 45s, 3m05s, 2h05m. */
export function formatEtaShort(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '--';
  if (seconds > 86_400) return '>1 day';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
}

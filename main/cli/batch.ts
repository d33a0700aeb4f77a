/**
 * Follows one CLI batch (the rows of the files a command was given) until each is done, showing
 * progress (bars on a terminal, one line per finished file elsewhere) and building the report.
 */
import { relative } from 'node:path';
import prettyBytes from 'pretty-bytes';
import { isFinal, type FileState } from '../../shared/file-states.ts';
import type { EngineHostInternals } from '../engine/host.ts';
import type { FileRow } from '../store/queue-store.ts';

/** The `--json` report (SPEC §6). */
export interface BatchReport {
  uploaded: { path: string; mediaId: string }[];
  failed: { path: string; code: string; message: string }[];
  skipped: { path: string; reason: string }[];
}

export interface FollowOptions {
  /** stop waiting once bytes have arrived (processing), without waiting for thumbnails */
  noWait: boolean;
  json: boolean;
  /** progress bars (a TTY and not --json) */
  bars: boolean;
  /** resolves when the command should stop following (Ctrl-C) */
  interrupted: Promise<void>;
}

// With --no-wait the command stops once the bytes are in S3: processing counts as settled.
const settled = (s: FileState, noWait: boolean) => isFinal(s) || (noWait && s === 'processing');

function line(row: FileRow): string {
  const p = relative(process.cwd(), row.path) || row.path;
  switch (row.state) {
    case 'uploaded':
      return `uploaded  ${p}  ${row.mediaId}`;
    case 'processing':
      return `sent      ${p}  ${row.mediaId}`;
    case 'skipped':
      return `skipped   ${p}  (${row.skipReason ?? ''})`;
    case 'failed':
      return `failed    ${p}  ${row.error?.code}: ${row.error?.message}`;
    case 'cancelled':
      return `cancelled ${p}`;
    default:
      return `${row.state}  ${p}`;
  }
}

/** Waits until every row in `ids` has settled (or the command is interrupted); returns the report. */
export async function followBatch(host: EngineHostInternals, ids: number[], o: FollowOptions): Promise<{ report: BatchReport; interrupted: boolean }> {
  const reported = new Set<number>();
  let interrupted = false;
  void o.interrupted.then(() => (interrupted = true));
  const totalBytes = host.store.getMany(ids).reduce((n, r) => n + r.size, 0);
  // cli-progress loads only on a terminal; scripted runs never pay for it.
  const cliProgress = o.bars ? (await import('cli-progress')).default : undefined;
  const bar = cliProgress
    ? new cliProgress.SingleBar(
        {
          format: ' {bar} {percentage}% | {done}/{files} files | {sent}/{totalBytes} | {speed}/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(Math.max(1, totalBytes), 0, { done: 0, files: ids.length, sent: '0 B', totalBytes: prettyBytes(totalBytes), speed: '0 B' });
  let offline = false;
  const offOnline = host.onEvent((e) => {
    if (e.type === 'online') {
      offline = !e.online;
      const msg = e.online ? 'backend reachable again, resuming' : 'backend unreachable: holding the queue and retrying';
      if (!o.json) process.stderr.write((bar ? '\n' : '') + msg + '\n');
    }
  });
  // The table is read every 200 ms for the bar; the end of the batch is noticed at once instead
  // (waiting for the next read added ~100 ms on average to every command). Rows are read only when
  // the last one settles, not on every state change: a read of the batch is one query per row.
  const watched = new Set(ids);
  const settledIds = new Set<number>();
  let wake: (() => void) | undefined;
  const offState = host.engine.onStateChange((id, state) => {
    if (!watched.has(id)) return;
    if (settled(state, o.noWait)) settledIds.add(id);
    else settledIds.delete(id);
    if (settledIds.size === watched.size) wake?.();
  });
  try {
    for (;;) {
      const rows = host.store.getMany(ids);
      settledIds.clear();
      for (const r of rows) if (settled(r.state, o.noWait)) settledIds.add(r.id);
      let done = 0;
      let sent = 0;
      for (const r of rows) {
        const live = host.engine.toItem(r);
        sent += r.state === 'skipped' ? r.size : live.bytesSent;
        if (settled(r.state, o.noWait)) {
          done++;
          if (!reported.has(r.id)) {
            reported.add(r.id);
            if (!o.json && !bar) console.log(line(r));
            if (bar && (r.state === 'failed' || r.state === 'cancelled')) process.stderr.write('\n' + line(r) + '\n');
          }
        }
      }
      if (bar) {
        const t = host.engine.totals();
        bar.update(Math.min(totalBytes, sent), {
          done,
          sent: prettyBytes(Math.min(totalBytes, sent)),
          speed: prettyBytes(t.rate) + (offline ? ' (offline)' : ''),
        });
      }
      if (done === rows.length || interrupted) break;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => {
          wake = r;
          // Bars and per-file lines are drawn from the rows; a --json run prints only at the end, and
          // reading every row each tick cost it CPU the uploads needed (the slow tick is a backstop).
          timer = setTimeout(r, bar || !o.json ? 200 : 5_000);
        }),
        o.interrupted,
      ]);
      clearTimeout(timer);
      wake = undefined;
    }
  } finally {
    bar?.stop();
    offOnline();
    offState();
  }
  const report: BatchReport = { uploaded: [], failed: [], skipped: [] };
  for (const r of host.store.getMany(ids)) {
    if (r.state === 'uploaded' || (o.noWait && r.state === 'processing')) report.uploaded.push({ path: r.path, mediaId: r.mediaId ?? '' });
    else if (r.state === 'skipped') report.skipped.push({ path: r.path, reason: r.skipReason ?? 'skipped' });
    else if (r.state === 'failed') report.failed.push({ path: r.path, code: r.error?.code ?? 'INTERNAL', message: r.error?.message ?? '' });
    else if (r.state === 'cancelled') report.failed.push({ path: r.path, code: 'CANCELLED', message: 'cancelled' });
  }
  return { report, interrupted };
}

/** Resolves on the first SIGINT/SIGTERM; a second one exits at once. */
export function interruption(): Promise<void> {
  return new Promise((resolve) => {
    let seen = false;
    const onSignal = () => {
      if (seen) process.exit(130);
      seen = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

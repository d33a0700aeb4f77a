/**
 * Follows one CLI batch (the rows of the files a command was given) until each is done, showing
 * progress (bars on a terminal, one line per finished file elsewhere) and building the report.
 */
import { relative } from 'node:path';
import { retryHelps, type ErrorCode } from '../../shared/errors.ts';
import type { EngineHostInternals } from '../engine/host.ts';
import type { FileRow } from '../store/queue-store.ts';
import { BatchProgressView, barFormat, settledFor } from './progress-view.ts';

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

function line(row: FileRow, alreadyUploaded: boolean): string {
  const p = relative(process.cwd(), row.path) || row.path;
  switch (row.state) {
    case 'uploaded':
      return alreadyUploaded ? `already uploaded  ${p}  ${row.mediaId}` : `uploaded  ${p}  ${row.mediaId}`;
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
export async function followBatch(
  host: EngineHostInternals,
  ids: number[],
  o: FollowOptions,
): Promise<{ report: BatchReport; interrupted: boolean; alreadyUploaded: number }> {
  const reported = new Set<number>();
  let interrupted = false;
  void o.interrupted.then(() => (interrupted = true));
  // Rows already uploaded when the command starts were sent by an earlier run: a re-run says so
  // instead of claiming to have uploaded them (issue 14).
  const already = new Set(host.store.getMany(ids).filter((r) => r.state === 'uploaded').map((r) => r.id));
  // cli-progress loads only on a terminal; scripted runs never pay for it. A MultiBar (of one bar)
  // because its log() prints a line above the bar without tearing it.
  const cliProgress = o.bars ? (await import('cli-progress')).default : undefined;
  const multi = cliProgress
    ? new cliProgress.MultiBar({ format: barFormat, hideCursor: true, clearOnComplete: false, stopOnComplete: false }, cliProgress.Presets.shades_classic)
    : undefined;
  const view = new BatchProgressView(o.noWait);
  const bar = multi?.create(1000, 0, view.read([], Date.now()));
  const say = (text: string) => (multi ? multi.log(text + '\n') : console.log(text));
  const offOnline = host.onEvent((e) => {
    if (e.type === 'online') {
      view.offline = !e.online;
      const msg = e.online ? 'backend reachable again, resuming' : 'backend unreachable: holding the queue and retrying';
      if (!o.json) (multi ? say : (t: string) => process.stderr.write(t + '\n'))(msg);
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
    if (settledFor(state, o.noWait)) settledIds.add(id);
    else settledIds.delete(id);
    if (settledIds.size === watched.size) wake?.();
  });
  try {
    for (;;) {
      const rows = host.store.getMany(ids);
      settledIds.clear();
      let done = 0;
      for (const r of rows) {
        if (!settledFor(r.state, o.noWait)) continue;
        settledIds.add(r.id);
        done++;
        if (reported.has(r.id)) continue;
        reported.add(r.id);
        // On a terminal the bar counts successes; what needs reading (why a file was skipped or
        // failed) is printed above it, as it is when piped.
        if (o.json) continue;
        if (!bar) console.log(line(r, already.has(r.id)));
        else if (r.state === 'failed' || r.state === 'cancelled' || r.state === 'skipped') say(line(r, false));
      }
      if (bar) {
        const fields = view.read(
          rows.map((r) => ({ state: r.state, size: r.size, bytesSent: host.engine.toItem(r).bytesSent })),
          Date.now(),
        );
        bar.update(fields.value, fields);
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
    multi?.stop();
    offOnline();
    offState();
  }
  const report: BatchReport = { uploaded: [], failed: [], skipped: [] };
  let alreadyUploaded = 0;
  for (const r of host.store.getMany(ids)) {
    if (r.state === 'uploaded' || (o.noWait && r.state === 'processing')) {
      report.uploaded.push({ path: r.path, mediaId: r.mediaId ?? '' });
      if (already.has(r.id)) alreadyUploaded++;
    } else if (r.state === 'skipped') report.skipped.push({ path: r.path, reason: r.skipReason ?? 'skipped' });
    else if (r.state === 'failed') report.failed.push({ path: r.path, code: r.error?.code ?? 'INTERNAL', message: r.error?.message ?? '' });
    else if (r.state === 'cancelled') report.failed.push({ path: r.path, code: 'CANCELLED', message: 'cancelled' });
  }
  return { report, interrupted, alreadyUploaded };
}

/**
 * The last line of `ferry upload` and `ferry retry`: what this run did, in words that match it. Files
 * an earlier run sent are "already uploaded"; `ferry retry --all` is suggested only when a failure
 * is one a retry can fix (a damaged or unsupported file fails the same way again).
 */
export function summaryLine(report: BatchReport, alreadyUploaded: number): string {
  const sentNow = report.uploaded.length - alreadyUploaded;
  const parts: string[] = [];
  if (sentNow > 0 || alreadyUploaded === 0) parts.push(`${sentNow} uploaded`);
  if (alreadyUploaded > 0) parts.push(`${alreadyUploaded} already uploaded`);
  parts.push(`${report.skipped.length} skipped`, `${report.failed.length} failed`);
  const retryable = report.failed.filter((f) => retryHelps(f.code as ErrorCode)).length;
  const permanent = report.failed.length - retryable;
  let advice = '';
  if (retryable > 0) advice = ` (ferry retry --all to try ${retryable === report.failed.length ? 'them' : `the ${retryable} that may work`} again)`;
  else if (permanent > 0) advice = ` (${permanent === 1 ? 'it needs' : 'they need'} fixing first: see the reason${permanent === 1 ? '' : 's'} above)`;
  return parts.join(', ') + advice;
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

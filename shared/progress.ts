/**
 * One reading of "how far along is the queue", for every place that shows it as one number (the
 * taskbar/dock icon, the tray, the window title). Files drive it, thumbnails included: bytes fill
 * half of the work and files reaching a final state the other half, so it reads 100 % only when
 * the last file has its thumbnails (bytes alone said 100 % while thumbnails were still being made
 * for a minute, issue 14). Skipped and cancelled files are not work.
 */
import type { QueueTotals } from './engine-api.ts';

/** Files still to be worked on: waiting, being sent, or waiting for thumbnails. */
export function filesInProgress(t: QueueTotals): number {
  const s = t.byState;
  return s.queued + s.hashing + s.requesting + s.uploading + s.processing + s.paused;
}

/** 0..1 over the files that are work (see the module comment); 1 when there is nothing to do. */
export function overallProgress(t: QueueTotals): number {
  const s = t.byState;
  const settled = s.uploaded + s.failed;
  const work = settled + filesInProgress(t);
  if (work === 0) return 1;
  const bytes = t.bytesTotal > 0 ? Math.min(1, t.bytesSent / t.bytesTotal) : 1;
  const fraction = 0.5 * bytes + 0.5 * (settled / work);
  // Never 100 % with a file still out, however the halves round.
  return filesInProgress(t) > 0 ? Math.min(fraction, 0.999) : fraction;
}

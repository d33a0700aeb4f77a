/**
 * A path whose content changed after it was queued or uploaded: which attempt stands. The new
 * version supersedes an attempt that has not gone through (queued, in flight, failed, cancelled,
 * skipped): that row is dropped and a pending or failed record it left on the server is deleted, so
 * an album never shows a failed tile for a file that later went through. An uploaded record is kept
 * unless the user asked for replacement (`--replace`): then the new version is uploaded and the old
 * record deleted only once the new one is in, so a failed replacement never loses the picture.
 */
import type { FileState } from '../../shared/engine-api.ts';
import { assertNever } from '../../shared/errors.ts';

export type NewVersionPlan =
  /** drop the old row (abort it if in flight), delete its server record if it left one, queue the new version */
  | { kind: 'supersede'; deleteRemote: boolean }
  /** keep the uploaded record; the new version is recorded as skipped with this reason */
  | { kind: 'keep'; reason: string }
  /** queue the new version; when it is uploaded, delete the old record and row */
  | { kind: 'replace-after'; reason: string };

/** What to do with the earlier attempt `old` when a new version of its file arrives. */
export function planNewVersion(old: { state: FileState; mediaId: string | null }, replace: boolean): NewVersionPlan {
  const id = old.mediaId ?? 'its record';
  switch (old.state) {
    case 'queued':
    case 'paused':
    case 'hashing':
    case 'requesting':
    case 'uploading':
    case 'failed':
    case 'cancelled':
    case 'skipped':
      // A skipped row's mediaId is a duplicate answer (no record of ours): nothing to delete.
      return { kind: 'supersede', deleteRemote: old.mediaId !== null && old.state !== 'skipped' };
    case 'processing':
    case 'uploaded':
      return replace
        ? { kind: 'replace-after', reason: `replaces ${id} (the file changed after it was uploaded)` }
        : { kind: 'keep', reason: `changed after it was uploaded as ${id}; kept that upload (--replace uploads the new version in its place)` };
    default:
      return assertNever(old.state, 'file state');
  }
}

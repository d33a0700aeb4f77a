/** Display helpers: sizes, rates, durations and what to do about an error. */
import type { ErrorCode } from '../../shared/errors.ts';
import type { FileState } from '../../shared/engine-api.ts';

const units = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (decimal units, as file managers show them). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '—';
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${u === 0 ? v : v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** Bytes per second, or an empty string when idle. */
export function formatRate(bps: number): string {
  return bps > 0 ? `${formatBytes(bps)}/s` : '';
}

/** Seconds left as "45 s", "3 min", "2 h 5 min"; empty when unknown. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s left`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min left`;
  const h = Math.floor(seconds / 3600);
  return `${h} h ${Math.round((seconds - h * 3600) / 60)} min left`;
}

/** "2026-11-24T15:00:00Z" → "3 min ago" relative to `now`. */
export function formatAgo(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 'never';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86_400) return `${Math.round(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

/** The last path segment, for either separator. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** The folder part of a path, for the muted second line of a row. */
export function dirName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i > 0 ? path.slice(0, i) : '';
}

export const stateLabels: Record<FileState, string> = {
  queued: 'Queued',
  hashing: 'Checking',
  requesting: 'Starting',
  uploading: 'Uploading',
  processing: 'Making thumbnails',
  uploaded: 'Done',
  failed: 'Failed',
  skipped: 'Skipped',
  paused: 'Paused',
  cancelled: 'Cancelled',
};

/** What the user can do about an error, in one sentence. */
export function errorAdvice(code: ErrorCode): string {
  switch (code) {
    case 'FILE_NOT_FOUND':
      return 'The file was moved or deleted. Put it back and press Retry, or Cancel it.';
    case 'FILE_CHANGED':
      return 'The file changed while uploading. Press Retry to send the new version.';
    case 'NETWORK':
      return 'The connection dropped. Ferry retries on its own; press Retry to try now.';
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return 'The backend refused the token. Check the token in Settings, then press Retry.';
    case 'NOT_FOUND':
      return 'The target album no longer exists. Pick another album and add the file again.';
    case 'FILE_TOO_LARGE':
      return 'The file is larger than the backend accepts. It cannot be uploaded as is.';
    case 'UNSUPPORTED_MEDIA_TYPE':
      return 'Ferry accepts JPEG, PNG, WebP, GIF, AVIF, MP4, WebM and MOV files. Convert it, or Cancel it.';
    case 'UNSUPPORTED_IMAGE':
      return 'The image could not be decoded: it looks damaged or incomplete. Open it to check, re-export it, then press Retry.';
    case 'CONTENT_TYPE_MISMATCH':
      return "The file's contents do not match its extension (a text file named .png, say). Rename or convert it, then add it again.";
    case 'CHECKSUM_MISMATCH':
    case 'SIZE_MISMATCH':
      return 'The bytes arrived damaged. Press Retry to send the file again.';
    case 'IMAGE_TOO_LARGE':
      return 'The image has too many pixels for thumbnails. Downscale it, or Cancel it.';
    case 'EMPTY_FILE':
      return 'The file is empty. Check the original, or Cancel it.';
    case 'UPLOAD_EXPIRED':
      return 'The upload took too long and expired. Press Retry to start it again.';
    case 'UPLOAD_MISSING':
      return 'The file never arrived in storage (or was deleted before it was processed). Press Retry to send it again.';
    case 'RATE_LIMITED':
      return 'The backend is busy. Ferry slows down and retries; press Retry to try now.';
    case 'CANCELLED':
      return 'You cancelled this file. Press Retry to upload it after all.';
    case 'UPLOAD_REJECTED':
    case 'INVALID_REQUEST':
    case 'BODY_TOO_LARGE':
    case 'CONFLICT':
      return 'The backend rejected the upload. Press Retry; if it fails again, check the backend log.';
    case 'PROCESSING_FAILED':
    case 'INTERNAL':
      return 'The backend failed to process it. Press Retry; if it fails again, check the backend log.';
    default: {
      const _exhaustive: never = code;
      return String(_exhaustive);
    }
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * What adding files did, in words: files Ferry does not upload are said apart from files already in
 * the queue (a `.txt` in a fresh data dir read "skipped 1 already queued", issue 14).
 */
export function addedNotice(res: { added: number; skipped: number; unsupported: number }): string {
  const types = 'Ferry uploads JPEG, PNG, WebP, GIF and AVIF images and MP4, WebM and MOV videos.';
  if (res.added === 0 && res.skipped === 0) return `Nothing to upload there. ${types}`;
  const queued = res.skipped - res.unsupported;
  const parts = [`Added ${plural(res.added, 'file')}`];
  if (queued > 0) parts.push(`${queued} ${queued === 1 ? 'was' : 'were'} already in the queue`);
  if (res.unsupported > 0) parts.push(`skipped ${plural(res.unsupported, 'file')} that ${res.unsupported === 1 ? 'is' : 'are'} not a photo or video`);
  return `${parts.join('; ')}.${res.unsupported > 0 ? ` ${types}` : ''}`;
}

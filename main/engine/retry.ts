/**
 * The retry matrix (STYLE.md §5): what each failure means for the file. Pure functions, so the table
 * of cases in test/unit/engine-retry.test.ts covers it without a network or a clock.
 */
import { AbortedError, FatalError, HttpError, NetworkError, StallError } from './errors.ts';
import type { ErrorCode, ErrorInfo } from '../../shared/errors.ts';

/**
 * - `network`: no answer; the engine probes /health to tell offline (hold, no attempt spent) from a flaky link (back off)
 * - `backoff`: 5xx, 429, SlowDown, a stall: wait with exponential backoff and jitter, then again
 * - `resign`: the presigned URL expired or was refused: get a fresh one and send again
 * - `restart`: the server forgot the upload (pending record expired, multipart aborted): request a new one
 * - `fatal`: retrying cannot help (413, 415, bad request, auth)
 * - `aborted`: paused, cancelled or shutting down
 */
export type FailureClass = 'network' | 'backoff' | 'resign' | 'restart' | 'fatal' | 'aborted';

/** Where the failing call went: the HTTP API or a presigned S3 URL. */
export type CallSite = 'api' | 's3';

/** S3 error codes that mean "this signature is no good any more". */
const s3ResignCodes = new Set(['AccessDenied', 'ExpiredToken', 'RequestExpired', 'SignatureDoesNotMatch', 'RequestTimeTooSkewed']);

/** Classifies one failure. */
export function classify(err: unknown, site: CallSite): FailureClass {
  if (err instanceof AbortedError) return 'aborted';
  if (err instanceof FatalError) return 'fatal';
  if (err instanceof NetworkError) return 'network';
  if (err instanceof StallError) return 'backoff';
  if (err instanceof HttpError) {
    const s = err.status;
    if (s === 429 || s >= 500 || err.s3Code === 'SlowDown') return 'backoff';
    if (site === 's3') {
      if (s === 403 || (err.s3Code && s3ResignCodes.has(err.s3Code))) return 'resign';
      // 404 NoSuchUpload: the multipart upload was aborted (clean-up job); start over.
      if (s === 404) return 'restart';
      return 'fatal';
    }
    if (s === 404 || s === 409) return 'restart';
    if (s === 408) return 'backoff';
    return 'fatal';
  }
  return 'fatal';
}

/** The error a failed row shows for a fatal failure or for running out of attempts. */
export function errorInfoOf(err: unknown): ErrorInfo {
  if (err instanceof FatalError) return { code: err.code, message: err.message };
  if (err instanceof HttpError) {
    const code: ErrorCode =
      err.code ??
      (err.status === 413
        ? 'FILE_TOO_LARGE'
        : err.status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : err.status === 401
            ? 'UNAUTHORIZED'
            : err.status === 403
              ? 'UPLOAD_REJECTED'
              : err.status === 429
                ? 'RATE_LIMITED'
                : err.status >= 500
                  ? 'INTERNAL'
                  : 'INVALID_REQUEST');
    return { code, message: err.message };
  }
  if (err instanceof NetworkError || err instanceof StallError) return { code: 'NETWORK', message: err.message };
  if (err && typeof err === 'object' && 'code' in err && (err as { code: unknown }).code === 'ENOENT') {
    return { code: 'FILE_NOT_FOUND', message: String((err as { message?: unknown }).message) };
  }
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) };
}

export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 500, capMs: 30_000 };

/**
 * Delay before retry number `attempt` (0-based): exponential, capped, with "equal jitter" (half fixed,
 * half random) so many files failing together do not retry in lockstep. A server's Retry-After wins
 * when it asks for longer.
 */
export function backoffDelay(attempt: number, random: () => number, policy: BackoffPolicy = defaultBackoff, retryAfterMs?: number): number {
  const exp = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const delay = exp / 2 + (random() * exp) / 2;
  return Math.max(delay, retryAfterMs ?? 0);
}

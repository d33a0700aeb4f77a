/** Typed failures the engine tells apart; retry.ts decides what each one means. */
import type { ErrorCode } from '../../shared/errors.ts';

/** An HTTP answer that was not 2xx, from the API or from S3. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode | undefined;
  /** S3's XML `<Code>` (SlowDown, ExpiredToken, AccessDenied...) when there is one */
  readonly s3Code: string | undefined;
  readonly retryAfterMs: number | undefined;
  constructor(status: number, message: string, opts: { code?: ErrorCode; s3Code?: string; retryAfterMs?: number } = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = opts.code;
    this.s3Code = opts.s3Code;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The request never got an answer: refused, reset, DNS, TLS, socket timeout. */
export class NetworkError extends Error {
  readonly errno: string | undefined;
  constructor(message: string, errno?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
    this.errno = errno;
  }
}

/** The watchdog saw no bytes move for too long. */
export class StallError extends Error {
  constructor(ms: number) {
    super(`no progress for ${Math.round(ms / 1000)} s`);
    this.name = 'StallError';
  }
}

export type AbortReason = 'pause' | 'cancel' | 'shutdown';

/** Work stopped on purpose (pause, cancel, shutdown): never a failure, never retried. */
export class AbortedError extends Error {
  readonly reason: AbortReason;
  constructor(reason: AbortReason) {
    super(`aborted: ${reason}`);
    this.name = 'AbortedError';
    this.reason = reason;
  }
}

/**
 * The login behind the API token is gone (refresh token revoked or expired): nothing is wrong with
 * the file. It is an abort with the `shutdown` reason, so wherever the engine meets it the row goes
 * back to `queued` with its parts kept, never to `failed`; the token provider has already paused the
 * engine (host.ts) so nothing is started again until the user signs in.
 */
export class AuthRequiredError extends AbortedError {
  constructor(message: string) {
    super('shutdown');
    this.name = 'AuthRequiredError';
    this.message = message;
  }
}

/** A failure that retrying cannot fix; the file is marked failed with this code. */
export class FatalError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'FatalError';
    this.code = code;
  }
}

/** Turns an AbortSignal's reason into the AbortedError it carries (or a shutdown one). */
export function abortErrorOf(signal: AbortSignal): AbortedError {
  return signal.reason instanceof AbortedError ? signal.reason : new AbortedError('shutdown');
}

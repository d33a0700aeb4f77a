/** Every error code Ferry puts on the wire, in API answers, media records and the UI. */
export const errorCodes = [
  // request errors (HTTP API)
  'INVALID_REQUEST',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'FILE_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'RATE_LIMITED',
  'BODY_TOO_LARGE',
  'INTERNAL',
  // processing outcomes (media.error.code)
  'UNSUPPORTED_IMAGE',
  'CONTENT_TYPE_MISMATCH',
  'CHECKSUM_MISMATCH',
  'SIZE_MISMATCH',
  'IMAGE_TOO_LARGE',
  'EMPTY_FILE',
  'UPLOAD_EXPIRED',
  'CANCELLED',
  'PROCESSING_FAILED',
  'UPLOAD_MISSING',
  // client-side outcomes (engine, CLI, UI)
  'FILE_NOT_FOUND',
  'FILE_CHANGED',
  'NETWORK',
  'UPLOAD_REJECTED',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

/** The serialized error every boundary carries: HTTP bodies, IPC answers, queue rows. */
export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** Ends an exhaustive switch: the compiler proves `value` can't exist. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * Failures that fail the same way when the same file is sent again: the file itself is the problem
 * (damaged, empty, too big, a type Ferry does not take) or its album is gone. Retry is not offered
 * for these; the CLI once suggested `ferry retry --all` for them (issue 14).
 */
const needsFixFirst: ReadonlySet<ErrorCode> = new Set([
  'FILE_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'UNSUPPORTED_IMAGE',
  'CONTENT_TYPE_MISMATCH',
  'IMAGE_TOO_LARGE',
  'EMPTY_FILE',
  'NOT_FOUND',
]);

/** Whether sending the same file again can succeed. */
export function retryHelps(code: ErrorCode): boolean {
  return !needsFixFirst.has(code);
}

import type { ErrorCode, ErrorInfo } from '../../shared/errors.ts';
import { assertNever } from '../../shared/errors.ts';

/** A request the API refuses; carries its wire code, and the HTTP status comes from `statusOf`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
  toJSON(): { error: ErrorInfo } {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** Processing found something wrong with the uploaded bytes: the record becomes `failed` with this code. */
export class ProcessingError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ProcessingError';
    this.code = code;
  }
}

/** The one place error codes map to HTTP statuses. */
export function statusOf(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_REQUEST':
    case 'SIZE_MISMATCH':
    case 'CHECKSUM_MISMATCH':
    case 'EMPTY_FILE':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
    case 'FILE_NOT_FOUND':
    case 'UPLOAD_MISSING':
      return 404;
    case 'CONFLICT':
    case 'FILE_CHANGED':
    case 'UPLOAD_EXPIRED':
    case 'CANCELLED':
      return 409;
    case 'FILE_TOO_LARGE':
    case 'IMAGE_TOO_LARGE':
    case 'BODY_TOO_LARGE':
      return 413;
    case 'UNSUPPORTED_MEDIA_TYPE':
    case 'UNSUPPORTED_IMAGE':
    case 'CONTENT_TYPE_MISMATCH':
      return 415;
    case 'RATE_LIMITED':
      return 429;
    case 'INTERNAL':
    case 'PROCESSING_FAILED':
    case 'NETWORK':
    case 'UPLOAD_REJECTED':
      return 500;
    default:
      return assertNever(code, 'error code');
  }
}

export const notFound = (what: string, id: string) => new ApiError('NOT_FOUND', `No ${what} ${id}`, { [`${what}Id`]: id });

/** The retry matrix as a table, and the backoff schedule (pure functions: no network, no clock). */
import { describe, expect, it } from 'vitest';
import { backoffDelay, classify, errorInfoOf, type CallSite, type FailureClass } from '../../main/engine/retry.ts';
import { AbortedError, FatalError, HttpError, NetworkError, StallError } from '../../main/engine/errors.ts';

const cases: [string, unknown, CallSite, FailureClass][] = [
  ['connection refused', new NetworkError('x', 'ECONNREFUSED'), 'api', 'network'],
  ['connection reset on S3', new NetworkError('x', 'ECONNRESET'), 's3', 'network'],
  ['stall', new StallError(30_000), 's3', 'backoff'],
  ['S3 500', new HttpError(500, 'x'), 's3', 'backoff'],
  ['S3 503 SlowDown', new HttpError(503, 'x', { s3Code: 'SlowDown' }), 's3', 'backoff'],
  ['SlowDown with a 400 status', new HttpError(400, 'x', { s3Code: 'SlowDown' }), 's3', 'backoff'],
  ['API 429', new HttpError(429, 'x', { code: 'RATE_LIMITED' }), 'api', 'backoff'],
  ['API 502', new HttpError(502, 'x'), 'api', 'backoff'],
  ['S3 403 expired URL', new HttpError(403, 'x', { s3Code: 'AccessDenied' }), 's3', 'resign'],
  ['S3 400 ExpiredToken', new HttpError(400, 'x', { s3Code: 'ExpiredToken' }), 's3', 'resign'],
  ['S3 404 NoSuchUpload', new HttpError(404, 'x', { s3Code: 'NoSuchUpload' }), 's3', 'restart'],
  ['API 404 (record expired)', new HttpError(404, 'x', { code: 'NOT_FOUND' }), 'api', 'restart'],
  ['API 409', new HttpError(409, 'x', { code: 'CONFLICT' }), 'api', 'restart'],
  ['API 413', new HttpError(413, 'x', { code: 'FILE_TOO_LARGE' }), 'api', 'fatal'],
  ['API 415', new HttpError(415, 'x', { code: 'UNSUPPORTED_MEDIA_TYPE' }), 'api', 'fatal'],
  ['API 400', new HttpError(400, 'x', { code: 'INVALID_REQUEST' }), 'api', 'fatal'],
  ['API 401', new HttpError(401, 'x', { code: 'UNAUTHORIZED' }), 'api', 'fatal'],
  ['API 403 (not yours)', new HttpError(403, 'x', { code: 'FORBIDDEN' }), 'api', 'fatal'],
  ['processing failed', new FatalError('UNSUPPORTED_IMAGE', 'x'), 'api', 'fatal'],
  ['paused', new AbortedError('pause'), 's3', 'aborted'],
  ['cancelled', new AbortedError('cancel'), 'api', 'aborted'],
  ['a bug', new TypeError('x is undefined'), 'api', 'fatal'],
];

describe('retry matrix', () => {
  it.each(cases)('%s → %s/%s', (_name, err, site, expected) => {
    expect(classify(err, site)).toBe(expected);
  });

  it('fatal answers keep their code and reason', () => {
    expect(errorInfoOf(new HttpError(413, 'File is larger than 5 GiB', { code: 'FILE_TOO_LARGE' }))).toEqual({ code: 'FILE_TOO_LARGE', message: 'File is larger than 5 GiB' });
    expect(errorInfoOf(new HttpError(415, 'nope'))).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    expect(errorInfoOf(new NetworkError('reset', 'ECONNRESET'))).toMatchObject({ code: 'NETWORK' });
    expect(errorInfoOf(Object.assign(new Error('gone'), { code: 'ENOENT' }))).toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('backoff', () => {
  const policy = { baseMs: 500, capMs: 30_000 };
  it.each([
    [0, 0, 250],
    [0, 1, 500],
    [1, 0, 500],
    [3, 1, 4000],
    [10, 1, 30_000],
    [10, 0, 15_000],
  ])('attempt %i with random %f waits %i ms', (attempt, r, ms) => {
    expect(backoffDelay(attempt, () => r, policy)).toBe(ms);
  });

  it('honours a longer Retry-After', () => {
    expect(backoffDelay(0, () => 0.5, policy, 10_000)).toBe(10_000);
    expect(backoffDelay(5, () => 1, policy, 10)).toBe(16_000);
  });

  it('jitter spreads delays between half and all of the exponential step', () => {
    for (let i = 0; i < 50; i++) {
      const d = backoffDelay(4, Math.random, policy);
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
  });
});

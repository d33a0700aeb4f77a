import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorCodes } from '../../shared/errors.ts';
import { ApiError, statusOf } from '../../backend-lambda/lib/errors.ts';
import { apiFunction, type ApiEvent } from '../../backend-lambda/lib/http.ts';
import type { Deps } from '../../backend-lambda/lib/deps.ts';

const deps = {} as Deps;
const event = (body?: string, sub?: string) =>
  ({ body, isBase64Encoded: false, pathParameters: { id: 'x' }, requestContext: { authorizer: { jwt: { claims: sub ? { sub } : {}, scopes: [] } } } }) as unknown as ApiEvent;

describe('statusOf', () => {
  it('maps every error code; only internal ones are 5xx', () => {
    const clientSide = ['INVALID_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'FILE_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'RATE_LIMITED'] as const;
    expect(clientSide.map(statusOf)).toEqual([400, 401, 403, 404, 409, 413, 415, 429]);
    for (const code of errorCodes) expect(statusOf(code)).toBeGreaterThanOrEqual(400);
    expect(statusOf('INTERNAL')).toBe(500);
  });
});

describe('apiFunction', () => {
  const fn = apiFunction({
    body: z.object({ title: z.string().min(1) }),
    run: async (_deps, req) => {
      if (req.body.title === 'boom') throw new Error('secret internals');
      if (req.body.title === 'slow') throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      if (req.body.title === 'taken') throw new ApiError('CONFLICT', 'taken', { title: 'taken' });
      return { status: 201, body: { who: req.userId, title: req.body.title, id: req.params.id } };
    },
  }).withDeps(deps);

  it('reads the caller from the JWT authorizer claims', async () => {
    const r = await fn(event('{"title":"t"}', 'user-1'));
    expect([r.statusCode, JSON.parse(r.body!)]).toEqual([201, { who: 'user-1', title: 't', id: 'x' }]);
  });
  it('answers 401 without claims', async () => {
    const r = await fn(event('{"title":"t"}'));
    expect([r.statusCode, JSON.parse(r.body!).error.code]).toEqual([401, 'UNAUTHORIZED']);
  });
  it('answers 400 naming the body for invalid JSON, and the field for a schema miss', async () => {
    expect(JSON.parse((await fn(event('{nope', 'u'))).body!).error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'body' } });
    const r = await fn(event('{"title":""}', 'u'));
    expect([r.statusCode, JSON.parse(r.body!).error.details.field]).toEqual([400, 'title']);
  });
  it('turns AWS throttling into 429 RATE_LIMITED with Retry-After', async () => {
    const r = await fn(event('{"title":"slow"}', 'u'));
    expect([r.statusCode, r.headers?.['retry-after'], JSON.parse(r.body!).error.code]).toEqual([429, '1', 'RATE_LIMITED']);
  });
  it('maps domain errors to their status and hides internal ones behind INTERNAL', async () => {
    const conflict = await fn(event('{"title":"taken"}', 'u'));
    expect([conflict.statusCode, JSON.parse(conflict.body!)]).toEqual([409, { error: { code: 'CONFLICT', message: 'taken', details: { title: 'taken' } } }]);
    const original = console.error;
    console.error = () => undefined;
    try {
      const boom = await fn(event('{"title":"boom"}', 'u'));
      expect(boom.statusCode).toBe(500);
      expect(boom.body).not.toContain('secret');
    } finally {
      console.error = original;
    }
  });
});

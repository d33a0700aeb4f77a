/**
 * The thin layer between API Gateway v2 events and the cores: body parsing with the shared zod
 * schemas, the caller from the JWT authorizer's claims, and errors turned into the wire shape.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { z } from 'zod';
import { pathParamSchemas } from '../../shared/api.ts';
import { ApiError, statusOf } from './errors.ts';
import { envDeps, type Deps, type StorageFactory } from './deps.ts';
import { dynamoReads, type DynamoReads } from './storage/dynamo-reads.ts';
import type { StorageReads } from './storage/storage.ts';

export type ApiEvent = APIGatewayProxyEventV2WithJWTAuthorizer;
export type ApiResult = APIGatewayProxyStructuredResultV2;
export type ApiHandler = (event: ApiEvent) => Promise<ApiResult>;

export interface ApiRequest<B> {
  /** the caller, from `requestContext.authorizer.jwt.claims.sub` */
  userId: string;
  body: B;
  params: Record<string, string>;
  query: Record<string, string>;
}

export interface Reply {
  status: number;
  body?: unknown;
}

interface RouteSpec<S extends z.ZodType | undefined, T extends StorageReads> {
  body?: S;
  auth?: boolean;
  /**
   * The table access on AWS: read-only unless `dynamoStorage` is given. A read-only function's bundle
   * then holds no write command at all (IAM grants it none either; infra-stack.test.ts checks both).
   */
  storage?: StorageFactory<T & DynamoReads>;
  run(deps: Deps<T>, req: ApiRequest<S extends z.ZodType ? z.infer<S> : undefined>): Promise<Reply>;
}

export interface ApiFunction<T extends StorageReads = StorageReads> {
  /** the Lambda entry point, with deps from the environment */
  handler: ApiHandler;
  /** the same handler over given deps (the embedded backend, tests) */
  withDeps(deps: Deps<T>): ApiHandler;
}

function json(status: number, body: unknown): ApiResult {
  if (body === undefined) return { statusCode: status, headers: {}, body: '' };
  return { statusCode: status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** API request bodies are small JSON; anything past this is 413 (the embedded adapter stops reading there). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** AWS's throttling answers: the caller should slow down and retry, which is a 429, not a 500. */
const THROTTLED = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'SlowDown', 'TooManyRequestsException']);

/** `{"error": ...}` answer for any thrown value; anything not an ApiError (or a known client mistake) is a 500 and is logged. */
export function errorResult(err: unknown): ApiResult {
  if (err instanceof ApiError) return json(statusOf(err.code), err.toJSON());
  // DynamoDB refuses an item, key or expression built from what the client sent (an attribute past
  // its size limit, say): the input is wrong, not the server. Logged, since a bug can cause it too.
  if ((err as { name?: string })?.name === 'ValidationException') {
    console.error('[api] DynamoDB refused the request as invalid', (err as Error).message);
    return json(400, { error: { code: 'INVALID_REQUEST', message: 'The request has a value the database cannot store' } });
  }
  if (THROTTLED.has((err as { name?: string })?.name ?? '')) {
    const result = json(429, { error: { code: 'RATE_LIMITED', message: 'The backend is busy; retry shortly' } });
    return { ...result, headers: { ...result.headers, 'retry-after': '1' } };
  }
  console.error('[api] internal error', err);
  return json(500, { error: { code: 'INTERNAL', message: 'Internal error' } });
}

function parseBody(event: ApiEvent, schema: z.ZodType): unknown {
  let raw: unknown = {};
  if (event.body) {
    const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
    if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new ApiError('BODY_TOO_LARGE', `The body is larger than ${MAX_BODY_BYTES} bytes`, { maxBytes: MAX_BODY_BYTES });
    try {
      raw = JSON.parse(text);
    } catch {
      throw new ApiError('INVALID_REQUEST', 'The body is not valid JSON', { field: 'body' });
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : 'body';
    throw new ApiError('INVALID_REQUEST', `Invalid ${field}: ${issue?.message ?? 'invalid'}`, {
      field,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

/** Path parameters, each checked by its schema (shared/api.ts) before a core sees it. */
function parseParams(event: ApiEvent): Record<string, string> {
  const params = (event.pathParameters ?? {}) as Record<string, string>;
  for (const [name, value] of Object.entries(params)) {
    const schema = pathParamSchemas[name];
    const ok = schema ? schema.safeParse(value).success : typeof value === 'string' && value.length > 0 && value.length <= 256;
    if (!ok) throw new ApiError('INVALID_REQUEST', `Invalid ${name} in the path`, { field: name });
  }
  return params;
}

function callerOf(event: ApiEvent): string | undefined {
  const sub = event.requestContext?.authorizer?.jwt?.claims?.sub;
  return typeof sub === 'string' && sub ? sub : undefined;
}

/** Declares an HTTP function: its body schema and core; gives the Lambda handler and a deps-injected one. */
export function apiFunction<S extends z.ZodType | undefined = undefined, T extends StorageReads = StorageReads>(spec: RouteSpec<S, T>): ApiFunction<T> {
  const withDeps =
    (deps: Deps<T>): ApiHandler =>
    async (event) => {
      try {
        const userId = callerOf(event);
        if (spec.auth !== false && !userId) throw new ApiError('UNAUTHORIZED', 'Missing or invalid token');
        const params = parseParams(event);
        const body = spec.body ? parseBody(event, spec.body) : undefined;
        const reply = await spec.run(deps, {
          userId: userId ?? '',
          body: body as never,
          params,
          query: (event.queryStringParameters ?? {}) as Record<string, string>,
        });
        return json(reply.status, reply.body);
      } catch (err) {
        return errorResult(err);
      }
    };
  // Config is read on the first call, inside the error mapping, so a misconfigured function answers
  // with the JSON error shape instead of crashing the runtime.
  const handler: ApiHandler = async (event) => {
    let deps: Deps<T>;
    try {
      // Without `storage`, T is StorageReads, which DynamoReads is.
      deps = envDeps(spec.storage ?? (dynamoReads as StorageFactory<T & DynamoReads>));
    } catch (err) {
      return errorResult(err);
    }
    return withDeps(deps)(event);
  };
  return { withDeps, handler };
}

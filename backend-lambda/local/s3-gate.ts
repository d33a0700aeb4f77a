/**
 * The embedded S3 store's front door. s3rver is a Koa app whose authentication middleware verifies
 * no SigV4 signature ("V4 signatures have incomplete support") and whose CORS preflight always
 * answers `*`, so it is mounted behind this listener, in the same process (no proxy hop), which
 * admits only what AWS S3 would:
 * - a Host that is the server's own name or the configured public URL (DNS rebinding);
 * - CORS for Ferry's own origins only, preflights answered here;
 * - a valid SigV4 signature with our per-install key (s3-auth.ts), anonymous requests refused;
 * - body hashes checked while streaming, a mismatch stored nowhere (s3-body.ts).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type S3rver from 's3rver';
import { SigV4Verifier, s3ErrorXml, type S3Key, type S3Refusal } from './s3-auth.ts';
import { expectationOf, readSmallBody, replay, verifyStoreWrites, type BodyExpectation } from './s3-body.ts';

export interface S3GateOptions {
  s3rver: S3rver;
  key: S3Key;
  region: string;
  /** `host[:port]` values the server answers to (checked case-insensitively) */
  allowedHosts(): Set<string>;
  /** true for an Origin that may read answers in a browser */
  corsAllows(origin: string): boolean;
  /** a private directory on the store's filesystem for bodies being verified */
  incomingDir: string;
  now?(): Date;
}

const CORS_METHODS = 'GET, PUT, POST, HEAD, DELETE';
/** Request headers a browser may send to the store: what presigned PUTs and GETs carry. */
const CORS_HEADERS = new Set(['content-type', 'content-length', 'content-md5', 'x-amz-checksum-sha256', 'x-amz-content-sha256', 'x-amz-date', 'authorization', 'range']);
/** multipart completion needs each part's ETag */
const CORS_EXPOSE = 'ETag, x-amz-request-id, x-amz-checksum-sha256';

/** A request with a body we have not read: answering early must close the connection rather than drain it. */
function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

/** PutObject or UploadPart: the two requests whose body s3rver streams into its store. */
function streamsIntoStore(req: IncomingMessage, url: URL): boolean {
  if (req.method !== 'PUT' || req.headers['x-amz-copy-source'] !== undefined) return false;
  if (url.pathname.split('/').filter(Boolean).length < 2) return false; // a bucket, not a key
  const q = url.searchParams;
  const subresources = [...q.keys()].filter((k) => !k.startsWith('X-Amz-') && k !== 'x-id');
  return subresources.length === 0 || (q.has('uploadId') && q.has('partNumber'));
}

/** Query parameters that carry a presigned URL's credentials. */
const AUTH_PARAMS = /^X-Amz-(Algorithm|Credential|Date|Expires|SignedHeaders|Signature|Security-Token)$/;

/**
 * Hands s3rver a request without its credentials, once verified: s3rver's own authentication
 * middleware knows only its built-in S3RVER key (and checks no V4 signature), so it must see the
 * request as already admitted.
 */
function stripCredentials(req: IncomingMessage): void {
  delete req.headers.authorization;
  const q = (req.url ?? '').indexOf('?');
  if (q === -1) return;
  const kept = (req.url ?? '')
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair && !AUTH_PARAMS.test(pair.split('=')[0]!));
  req.url = req.url!.slice(0, q) + (kept.length ? `?${kept.join('&')}` : '');
}

function refuse(req: IncomingMessage, res: ServerResponse, refusal: S3Refusal): void {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = s3ErrorXml(refusal, requestId);
  const headers: Record<string, string> = { 'content-type': 'application/xml', 'x-amz-request-id': requestId, 'content-length': String(Buffer.byteLength(body)) };
  // Stop reading: the rest of a refused upload is neither wanted nor drained (Node would read it all).
  if (hasBody(req) && !req.readableEnded) headers.connection = 'close';
  res.writeHead(refusal.status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** Builds the request listener that guards s3rver; call before s3rver serves anything. */
export function createS3Gate(opts: S3GateOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const verifier = new SigV4Verifier(opts.key, opts.region);
  const expectations = new WeakMap<object, BodyExpectation>();
  const replays = new WeakMap<object, Buffer>();
  const app = opts.s3rver as unknown as {
    middleware: ((ctx: { req: unknown }, next: () => Promise<void>) => Promise<void>)[];
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    store: Parameters<typeof verifyStoreWrites>[0];
  };
  verifyStoreWrites(app.store, expectations, opts.incomingDir);
  // First in s3rver's chain: a body this gate has already read and checked is handed on as a replay.
  app.middleware.unshift(async (ctx, next) => {
    const body = replays.get(ctx.req as object);
    if (body) ctx.req = replay(body);
    await next();
  });
  const handle = app.callback();
  const now = opts.now ?? (() => new Date());

  return (req, res) => {
    void (async () => {
      const host = (req.headers.host ?? '').toLowerCase();
      if (!opts.allowedHosts().has(host)) return refuse(req, res, { status: 403, code: 'AccessDenied', message: 'This server does not answer to that Host.' });
      const url = new URL(req.url ?? '/', 'http://localhost');
      const origin = req.headers.origin;
      const granted = typeof origin === 'string' && opts.corsAllows(origin);
      if (granted) {
        res.setHeader('access-control-allow-origin', origin);
        res.setHeader('access-control-expose-headers', CORS_EXPOSE);
      }
      res.setHeader('vary', 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method');
      if (req.method === 'OPTIONS') {
        const method = String(req.headers['access-control-request-method'] ?? '');
        const asked = String(req.headers['access-control-request-headers'] ?? '')
          .split(',')
          .map((h) => h.trim().toLowerCase())
          .filter(Boolean);
        if (!granted || !CORS_METHODS.split(', ').includes(method) || asked.some((h) => !CORS_HEADERS.has(h))) {
          res.removeHeader('access-control-allow-origin');
          res.removeHeader('access-control-expose-headers');
          return refuse(req, res, { status: 403, code: 'AccessForbidden', message: 'CORSResponse: This CORS request is not allowed.' });
        }
        res.writeHead(200, {
          'access-control-allow-methods': CORS_METHODS,
          ...(asked.length ? { 'access-control-allow-headers': asked.join(', ') } : {}),
          'access-control-max-age': '600',
          'content-length': '0',
        });
        return void res.end();
      }
      const refusal = await verifier.verify({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, now: now() });
      if (refusal) return refuse(req, res, refusal);
      // s3rver cannot decode aws-chunked bodies (STREAMING-* payloads, e.g. the AWS CLI v2's default
      // trailing checksums): it would store the chunk framing as the object. Refused, not corrupted.
      if (String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-') || /aws-chunked/i.test(String(req.headers['content-encoding'] ?? ''))) {
        return refuse(req, res, { status: 501, code: 'NotImplemented', message: 'aws-chunked uploads are not supported here; send the body whole (AWS CLI: request_checksum_calculation = when_required).' });
      }
      const exp = expectationOf(req);
      if (exp && streamsIntoStore(req, url)) {
        expectations.set(req, exp);
      } else if (exp || (hasBody(req) && req.method !== 'PUT')) {
        try {
          replays.set(req, await readSmallBody(req, exp));
        } catch (err) {
          const e = err as { code?: string; message?: string; status?: number };
          return refuse(req, res, { status: e.status ?? 400, code: e.code ?? 'IncompleteBody', message: e.message ?? 'The body could not be read.' });
        }
      }
      stripCredentials(req);
      handle(req, res);
    })().catch((err: unknown) => {
      if (!res.headersSent) refuse(req, res, { status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' });
      else res.destroy(err as Error);
    });
  };
}

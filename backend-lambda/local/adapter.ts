/**
 * Node HTTP → API Gateway v2 events → the very same handlers Lambda runs. The Bearer token is checked
 * here, standing in for API Gateway's JWT authorizer, and the caller goes into the same
 * `requestContext.authorizer.jwt.claims` the handlers read on AWS.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from '../lib/errors.ts';
import { errorResult, MAX_BODY_BYTES, type ApiEvent, type ApiHandler, type ApiResult } from '../lib/http.ts';
import { userOfBearer, type LocalIdentity } from './identity.ts';

export interface BoundRoute {
  routeKey: string;
  auth: boolean;
  handler: ApiHandler;
}

interface CompiledRoute extends BoundRoute {
  method: string;
  pattern: RegExp;
  names: string[];
}

function compile(route: BoundRoute): CompiledRoute {
  const [method, path] = route.routeKey.split(' ') as [string, string];
  const names: string[] = [];
  const source = path.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '{' || c === '}' ? c : `\\${c}`)).replace(/\{(\w+)\}/g, (_m, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { ...route, method, pattern: new RegExp(`^${source}$`), names };
}

/** API Gateway hands handlers decoded path parameters; a malformed escape is the client's mistake. */
function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ApiError('INVALID_REQUEST', `Malformed ${name} in the path`, { field: name });
  }
}

const tooLarge = () => new ApiError('BODY_TOO_LARGE', `The body is larger than ${MAX_BODY_BYTES} bytes`, { maxBytes: MAX_BODY_BYTES });

/**
 * Reads the body up to MAX_BODY_BYTES. Past it (or a Content-Length that says so) it stops reading
 * and leaves the rest unread: `send` then closes the connection, so the bytes still coming cannot
 * poison the next request on a keep-alive socket. (`for await` would destroy the socket, and the
 * 413 with it.)
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return reject(tooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) return void chunks.push(chunk);
      req.off('data', onData);
      req.pause();
      reject(tooLarge());
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

function send(req: IncomingMessage, res: ServerResponse, result: ApiResult): void {
  const headers: Record<string, string> = {
    'access-control-allow-origin': '*',
    ...Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
  };
  // An answer before the whole body was read: close rather than read (and discard) the rest.
  if (!req.complete) headers.connection = 'close';
  res.writeHead(result.statusCode ?? 200, headers);
  res.end(result.body ?? '');
}

export interface ApiListenerOptions {
  /** called for each authenticated request that matched a route, before its handler runs */
  onRoute?(routeKey: string): void;
  /** verifies the caller instead of the local token (an OIDC issuer's JWTs); resolves to the claims */
  authorize?(authorization: string | undefined): Promise<{ sub: string } & Record<string, unknown>>;
}

/** Builds the request listener for an HTTP server over the route table. */
export function createApiListener(routes: BoundRoute[], identities: LocalIdentity[], opts: ApiListenerOptions = {}) {
  const compiled = routes.map(compile);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
          'access-control-allow-headers': 'authorization, content-type',
          'access-control-max-age': '600',
        });
        res.end();
        return;
      }
      let match: { route: CompiledRoute; params: Record<string, string> } | undefined;
      for (const route of compiled) {
        if (route.method !== method) continue;
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        match = { route, params: Object.fromEntries(route.names.map((n, i) => [n, decodeParam(n, m[i + 1]!)])) };
        break;
      }
      if (!match) throw new ApiError('NOT_FOUND', `No route ${method} ${url.pathname}`);
      let claims: Record<string, unknown> = {};
      if (match.route.auth && opts.authorize) claims = await opts.authorize(req.headers.authorization);
      else if (match.route.auth) {
        const caller = userOfBearer(req.headers.authorization, identities);
        if (!caller) {
          throw new ApiError('UNAUTHORIZED', req.headers.authorization ? 'The token is not valid' : 'Missing Authorization: Bearer token');
        }
        claims = { sub: caller.userId };
      }
      opts.onRoute?.(match.route.routeKey);
      const body = await readBody(req);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      const query = Object.fromEntries(url.searchParams);
      const now = new Date();
      const event = {
        version: '2.0',
        routeKey: match.route.routeKey,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        headers,
        ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
        ...(match.route.names.length ? { pathParameters: match.params } : {}),
        ...(body ? { body } : {}),
        isBase64Encoded: false,
        requestContext: {
          accountId: 'local',
          apiId: 'ferry-local',
          domainName: headers.host ?? 'localhost',
          domainPrefix: 'ferry-local',
          http: { method, path: url.pathname, protocol: `HTTP/${req.httpVersion}`, sourceIp: req.socket.remoteAddress ?? '', userAgent: headers['user-agent'] ?? '' },
          requestId: randomUUID(),
          routeKey: match.route.routeKey,
          stage: '$default',
          time: now.toISOString(),
          timeEpoch: now.getTime(),
          authorizer: {
            principalId: '',
            integrationLatency: 0,
            jwt: { claims, scopes: [] },
          },
        },
      } as unknown as ApiEvent;
      send(req, res, await match.route.handler(event));
    } catch (err) {
      send(req, res, errorResult(err));
    }
  };
}

/**
 * Serve mode: the built renderer over HTTP and the engine API over a WebSocket, on 127.0.0.1 only,
 * behind a random token. The browser gets the token in the URL it is given; the first page load
 * turns it into an HttpOnly SameSite=Strict cookie (named per port) so the page's own assets and
 * socket carry it, and the page then drops it from the address bar.
 * Host and Origin are checked too: a token alone does not stop DNS rebinding or a cross-site socket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EngineApi, EngineEvent } from '../../shared/engine-api.ts';
import { wsCallFrame, type WsServerFrame } from '../../shared/ipc.ts';
import { dispatchEngineCall } from '../ipc/dispatch.ts';
import { handleApiRoute, type ApiRouteDeps } from './api-routes.ts';

/** What serve mode needs of the engine: its API and its event stream (an `EngineHost` fits). */
export interface EngineLink {
  api: EngineApi;
  /** queue-row previews for `GET /api/preview/{id}` (an `EngineHost` has them) */
  previews?: ApiRouteDeps['previews'];
  onEvent(listener: (e: EngineEvent) => void): () => void;
}

export interface ServeOptions {
  engine: EngineLink;
  /** the built renderer (index.html and assets/) */
  rendererDir: string;
  port?: number;
  /** fixed token for tests; a random one otherwise */
  token?: string;
  /** where files dropped into the page are written (`<data dir>/staging`); without it drops are refused */
  stagingDir?: string;
}

export interface ServeHandle {
  /** the URL to open, token included */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/**
 * Cookies are scoped by host, not port: two `ferry serve` on 127.0.0.1 would overwrite each other's
 * token cookie (and one would send its token to the other), so the name carries the port.
 */
const cookieNameFor = (port: number) => `ferry_token_${port}`;
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.webp': 'image/webp',
};
// A socket that stops reading must not make the server buffer unbounded event frames.
const maxBufferedBytes = 8 * 1024 * 1024;

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** A path's decoded form, or undefined when its percent-escapes are malformed (`/%E0%A4%A`). */
function decodePath(pathname: string): string | undefined {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
}

/** The CSP of the served page: own scripts only, no eval; images may come from the backend's S3. */
export function serveCsp(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    'img-src * data: blob:',
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Starts serve mode; resolves once it listens. */
export async function startServe(opts: ServeOptions): Promise<ServeHandle> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const authorized = (req: IncomingMessage, url: URL): boolean => {
    const given = url.searchParams.get('token') ?? cookieToken(req, cookieNameFor(port));
    return given !== undefined && given !== null && sameSecret(given, token);
  };

  const refuse = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(message + '\n');
  };

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 403, 'Wrong Host header: open the URL ferry serve printed.');
      const origin = req.headers.origin;
      if (origin !== undefined && !allowedOrigins().has(origin)) return refuse(res, 403, 'Cross-origin requests are refused.');
      const isApi = url.pathname.startsWith('/api/');
      if (!isApi && req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Only GET.');
      if (!authorized(req, url)) return refuse(res, 401, 'Missing or wrong token: open the URL ferry serve printed, token included.');
      // Browsers send Origin on every PUT; one without it is not our page (SameSite cookies aside).
      if (isApi && req.method !== 'GET' && origin === undefined) return refuse(res, 403, 'Cross-origin requests are refused.');
      if (isApi) {
        if (!opts.stagingDir && req.method === 'PUT') return refuse(res, 404, 'This server takes no uploads.');
        return handleApiRoute(req, res, url, { api: opts.engine.api, stagingDir: opts.stagingDir ?? '', ...(opts.engine.previews ? { previews: opts.engine.previews } : {}) });
      }

      const decoded = decodePath(url.pathname);
      if (decoded === undefined) return refuse(res, 400, 'Malformed path.');
      const rel = url.pathname === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
      const file = normalize(join(opts.rendererDir, rel));
      if (!file.startsWith(opts.rendererDir + sep)) return refuse(res, 404, 'Not found.');
      const st = await stat(file).catch(() => undefined);
      // Client-side routes fall back to the app's page; asset misses stay 404.
      const target = st?.isFile() ? file : rel.startsWith('assets/') ? undefined : join(opts.rendererDir, 'index.html');
      if (!target) return refuse(res, 404, 'Not found.');
      const body = await readFile(target).catch(() => undefined);
      if (!body) return refuse(res, 404, 'The UI is not built: run `npm run build`.');
      const headers: Record<string, string> = {
        'content-type': contentTypes[extname(target)] ?? 'application/octet-stream',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
        'cache-control': target.endsWith('.html') ? 'no-store' : 'private, max-age=3600',
      };
      if (target.endsWith('.html')) {
        headers['content-security-policy'] = serveCsp(port);
        headers['set-cookie'] = `${cookieNameFor(port)}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
      }
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch((err: unknown) => {
      // The exception's text stays in this process's log: it can name paths and internals.
      console.error('[ferry serve]', err);
      if (!res.headersSent) refuse(res, 500, 'Serve mode failed.');
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const deny = (status: string) => {
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/ws') return deny('404 Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return deny('403 Forbidden');
    // Browsers always send Origin on a WebSocket, so the socket requires one of ours: the page this
    // server served is its only client.
    const origin = req.headers.origin;
    if (origin === undefined || !allowedOrigins().has(origin)) return deny('403 Forbidden');
    if (!authorized(req, url)) return deny('401 Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, opts.engine));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function serveSocket(ws: WebSocket, engine: EngineLink): void {
  const send = (frame: WsServerFrame) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
  };
  // Events are deltas the page re-reads on its next page fetch, so a stalled reader may lose some;
  // answers are never dropped.
  const unsubscribe = engine.onEvent((event) => {
    if (ws.bufferedAmount < maxBufferedBytes) send({ event });
  });
  ws.on('close', unsubscribe);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return ws.close(1003, 'text frames only');
    let frame;
    try {
      frame = wsCallFrame.parse(JSON.parse(data.toString()));
    } catch {
      return ws.close(1008, 'malformed call frame');
    }
    const { id } = frame;
    void dispatchEngineCall(engine.api, frame.method, frame.args).then((result) => send({ id, result }));
  });
}

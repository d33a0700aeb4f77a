/**
 * A fault-injecting HTTP proxy on 127.0.0.1 between the uploader and S3: presigned URLs point at it
 * (the backend's `s3PublicUrl`), it forwards to s3rver, counts every PUT (key, part, bytes, outcome)
 * and, when a rule says so, resets the connection, stalls, or answers 5xx / 403 itself. This is how
 * the tests exercise the real network code instead of mocking it. It also sits in front of the API
 * in the bench: `latencyMs` holds every answer back that long (a round trip over a real network, as
 * the client sees it), and `requests` counts every request by method and path.
 */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type Fault =
  | { kind: 'reset'; afterBytes?: number }
  | { kind: 'stall' }
  | { kind: 'status'; status: number; body?: string };

export interface PutRecord {
  key: string;
  partNumber: number | undefined;
  bytes: number;
  status: number | 'reset' | 'stall' | 'error';
  startedAt: number;
  endedAt: number | undefined;
}

export interface FaultProxy {
  url: string;
  puts: PutRecord[];
  /** every request that reached the proxy, as `METHOD /path` (no query) */
  requests: string[];
  /** added before every answer is sent (ms); 0 by default */
  setLatency(ms: number): void;
  /** PUTs that S3 answered 2xx */
  okPuts(): PutRecord[];
  /** total request-body bytes that reached the proxy for PUTs */
  bytesIn(): number;
  setTarget(s3Url: string): void;
  /** decides a fault for each PUT (called with the running count of PUTs so far) */
  setRule(rule: ((put: { key: string; partNumber: number | undefined; n: number }) => Fault | undefined) | undefined): void;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1, port 0; `target` may be set later (setTarget). */
export async function startFaultProxy(target?: string, options: { latencyMs?: number } = {}): Promise<FaultProxy> {
  let targetUrl = target ? new URL(target) : undefined;
  let rule: Parameters<FaultProxy['setRule']>[0];
  let latencyMs = options.latencyMs ?? 0;
  const puts: PutRecord[] = [];
  const requests: string[] = [];
  /** Runs `answer` after the configured latency (at once without one, so tests keep their timing). */
  const later = (answer: () => void) => (latencyMs > 0 ? void setTimeout(answer, latencyMs) : answer());
  const sockets = new Set<Socket>();
  const stalled = new Set<IncomingMessage>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    requests.push(`${req.method} ${url.pathname}`);
    const isPut = req.method === 'PUT';
    const partParam = url.searchParams.get('partNumber');
    const record: PutRecord | undefined = isPut
      ? { key: url.pathname, partNumber: partParam ? Number(partParam) : undefined, bytes: 0, status: 'error', startedAt: Date.now(), endedAt: undefined }
      : undefined;
    if (record) {
      puts.push(record);
      req.on('data', (c: Buffer) => (record.bytes += c.length));
    }
    const fault = record ? rule?.({ key: record.key, partNumber: record.partNumber, n: puts.length }) : undefined;
    const finish = (status: PutRecord['status']) => {
      if (record && record.endedAt === undefined) {
        record.status = status;
        record.endedAt = Date.now();
      }
    };
    if (fault?.kind === 'reset') {
      // Never wait for more bytes than the request carries: that would be a stall, not a reset.
      const length = Number(req.headers['content-length'] ?? Infinity);
      const after = Math.min(fault.afterBytes ?? 0, Math.floor(length / 2));
      const check = () => {
        if ((record?.bytes ?? 0) >= after) {
          finish('reset');
          req.socket.destroy();
        }
      };
      req.on('data', check);
      check();
      return;
    }
    if (fault?.kind === 'stall') {
      // swallow the body and never answer: the client's watchdog has to notice
      stalled.add(req);
      req.resume();
      req.socket.once('close', () => finish('stall'));
      return;
    }
    if (fault?.kind === 'status') {
      req.resume();
      req.on('end', () =>
        later(() => {
          finish(fault.status);
          res.writeHead(fault.status, { 'content-type': 'application/xml' });
          res.end(fault.body ?? `<?xml version="1.0"?><Error><Code>${fault.status === 503 ? 'SlowDown' : fault.status === 403 ? 'AccessDenied' : 'InternalError'}</Code></Error>`);
        }),
      );
      return;
    }
    if (!targetUrl) {
      res.writeHead(502).end('no target');
      return;
    }
    // The Host header goes through unchanged: presigned URLs sign it, and the store refuses a request
    // signed for one host and sent with another (a proxy in front of S3 must keep it too).
    const upstream = request(
      { host: targetUrl.hostname, port: targetUrl.port, method: req.method, path: req.url, headers: req.headers },
      (up) =>
        later(() => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          up.on('end', () => finish(up.statusCode ?? 502));
        }),
    );
    upstream.on('error', () => {
      finish('error');
      res.destroy();
    });
    req.on('aborted', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    puts,
    requests,
    setLatency: (ms) => (latencyMs = ms),
    okPuts: () => puts.filter((p) => typeof p.status === 'number' && p.status >= 200 && p.status < 300),
    bytesIn: () => puts.reduce((n, p) => n + p.bytes, 0),
    setTarget: (u) => (targetUrl = new URL(u)),
    setRule: (r) => (rule = r),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}


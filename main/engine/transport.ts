/**
 * Sends bytes to a presigned URL with `got`, streaming from disk (a whole file or one part's byte
 * range) so memory stays flat whatever the file size. Progress is counted on the stream we send,
 * because Node's HTTP client has no upload progress of its own. A watchdog aborts a request that
 * moves no bytes for `stallMs` of the injected clock (`stall-watchdog.ts`).
 */
import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import got, { RequestError } from 'got';
import type { Clock } from './clock.ts';
import { AbortedError, HttpError, NetworkError } from './errors.ts';
import { startStallWatchdog } from './stall-watchdog.ts';
import { throttleStream, type TokenBucket } from './token-bucket.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A read stream allocates a fresh buffer per chunk, and V8 frees sent chunks only when a GC runs;
 * nothing else allocates much while uploading, so ~60 MB of them piled up first (most of the peak
 * RSS of a 1 GiB upload). A young-generation collection every 8 MiB sent keeps the pile small.
 * `--max-semi-space-size=1` does the same, but only as a startup flag.
 */
const minorGc: (() => void) | undefined = (() => {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((o?: { type: 'minor' | 'major' }) => void) | undefined;
    return gc ? () => gc({ type: 'minor' }) : undefined;
  } catch {
    return undefined;
  }
})();
const GC_EVERY_BYTES = 8 * 1024 * 1024;
let sinceGc = 0;

/**
 * Read size per chunk. Each chunk costs a read call, a transform and a socket write: 64 KiB chunks
 * were ~0.2 s of the CLI's ~1.15 s CPU for 150 files of 1 MB. A small body (a photo) is read in
 * 256 KiB chunks; large bodies and multipart parts stay at 64 KiB because the 1 GiB upload's peak
 * RSS (≤ 150 MB, met narrowly) rose by ~20 MB with 256 KiB chunks there.
 */
const SMALL_BODY_BYTES = 4 * 1024 * 1024;
const SMALL_BODY_CHUNK = 256 * 1024;
const CHUNK = 64 * 1024;

export interface PutRequest {
  url: string;
  /** sent exactly as the backend gave them, plus Content-Length */
  headers: Record<string, string>;
  path: string;
  /** byte range [start, end) of the file */
  start: number;
  end: number;
  signal: AbortSignal;
  /** called with each chunk's size as it is handed to the socket */
  onProgress(bytes: number): void;
}

/** What an upload of bytes returns: the ETag S3 gave (needed for multipart completion). */
export interface PutResult {
  etag: string | undefined;
}

/** The injected network layer for presigned PUTs. */
export interface Transport {
  put(req: PutRequest): Promise<PutResult>;
}

/** The got-based transport used everywhere but unit tests. */
export function createGotTransport(opts: { bucket: TokenBucket; clock: Clock; stallMs?: number }): Transport {
  const stallMs = opts.stallMs ?? 30_000;
  return {
    async put(req) {
      const length = req.end - req.start;
      const local = new AbortController();
      const onOuterAbort = () => local.abort(req.signal.reason);
      if (req.signal.aborted) throw req.signal.reason instanceof Error ? req.signal.reason : new AbortedError('shutdown');
      req.signal.addEventListener('abort', onOuterAbort, { once: true });

      const watchdog = startStallWatchdog(opts.clock, stallMs, (err) => local.abort(err));

      const counter = new Transform({
        transform(chunk: Buffer, _enc, cb: TransformCallback) {
          watchdog.progress();
          req.onProgress(chunk.length);
          sinceGc += chunk.length;
          if (minorGc && sinceGc >= GC_EVERY_BYTES) {
            sinceGc = 0;
            minorGc();
          }
          cb(null, chunk);
        },
      });
      const headers: Record<string, string> = { ...req.headers };
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(length);

      let body: Buffer | NodeJS.ReadableStream;
      if (length === 0) {
        body = Buffer.alloc(0);
      } else {
        const file = createReadStream(req.path, { start: req.start, end: req.end - 1, highWaterMark: length <= SMALL_BODY_BYTES ? SMALL_BODY_CHUNK : CHUNK });
        const throttled = opts.bucket.limited ? file.pipe(throttleStream(opts.bucket, local.signal)) : file;
        file.on('error', (err) => counter.destroy(err));
        // pipe() does not forward errors: a pause aborts the throttle's wait with an error, which
        // unhandled would kill the process. It ends this request instead.
        if (throttled !== file) throttled.on('error', (err: Error) => counter.destroy(err));
        body = throttled.pipe(counter);
      }
      try {
        const res = await got.put(req.url, {
          body,
          headers,
          signal: local.signal,
          retry: { limit: 0 },
          throwHttpErrors: false,
          timeout: { connect: 15_000 },
        });
        if (res.statusCode < 200 || res.statusCode >= 300) {
          const text = typeof res.body === 'string' ? res.body : '';
          const s3Code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
          const retryAfter = Number(res.headers['retry-after']);
          throw new HttpError(res.statusCode, `S3 PUT: HTTP ${res.statusCode}${s3Code ? ` ${s3Code}` : ''}`, {
            ...(s3Code ? { s3Code } : {}),
            ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
          });
        }
        const etag = res.headers.etag;
        return { etag: typeof etag === 'string' ? etag : undefined };
      } catch (err) {
        if (err instanceof HttpError) throw err;
        const reason: unknown = local.signal.reason;
        if (local.signal.aborted && reason instanceof Error) throw reason;
        if (err instanceof RequestError) {
          const cause = (err as { cause?: unknown }).cause;
          if (cause && typeof cause === 'object' && 'code' in cause && (cause as { code: string }).code === 'ENOENT') throw cause;
          throw new NetworkError(`S3 PUT: ${err.code} ${err.message}`, err.code, { cause: err });
        }
        throw err;
      } finally {
        watchdog.stop();
        req.signal.removeEventListener('abort', onOuterAbort);
        if (typeof body !== 'object' || !Buffer.isBuffer(body)) (body as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      }
    },
  };
}

/**
 * Serve mode's HTTP routes beside the page (server.ts has already checked Host, Origin and the
 * token before any of these run):
 *
 * - `PUT /api/upload?batch=&path=&album=`: one dropped file, streamed from the request straight to
 *   `<data dir>/staging/<batch>/<path>` (never held whole in memory: a 2 GB video is piped through
 *   in chunks with backpressure), then queued like any other file. Resumable from then on: the
 *   copy is on disk and the queue row points at it. A body cut short is deleted, never queued.
 * - `GET /api/preview/{id}`: the queue row's local preview (image/webp).
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { batchIdPattern, dropRefusal, safeRelativePath, serveRoutes } from '../../shared/drop.ts';
import type { EngineApi, EngineEvent } from '../../shared/engine-api.ts';
import type { Preview } from '../engine/previews.ts';

export interface ApiRouteDeps {
  api: EngineApi;
  /** `<data dir>/staging`; dropped files land below it */
  stagingDir: string;
  previews?: { get(id: number): Promise<Preview | null> };
}

type Answer = { status: number; body: unknown };

function send(res: ServerResponse, a: Answer): void {
  res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(JSON.stringify(a.body));
}

const fail = (status: number, code: string, message: string): Answer => ({ status, body: { error: { code, message } } });

/** Handles `/api/*`; answers 404 for anything else under it. */
export async function handleApiRoute(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiRouteDeps): Promise<void> {
  if (url.pathname === serveRoutes.upload) {
    if (req.method !== 'PUT') return send(res, fail(405, 'INVALID_REQUEST', 'Use PUT to send a file.'));
    return send(res, await receiveUpload(req, url, deps));
  }
  if (url.pathname.startsWith(serveRoutes.preview)) {
    if (req.method !== 'GET') return send(res, fail(405, 'INVALID_REQUEST', 'Only GET.'));
    return servePreview(req, res, url, deps);
  }
  send(res, fail(404, 'NOT_FOUND', 'No such route.'));
}

/** Where a dropped file goes, or an error answer; the joined path is checked to stay in the batch folder. */
export function stagingTarget(stagingDir: string, batch: string | null, rel: string | null): { dir: string; file: string } | Answer {
  if (!batch || !batchIdPattern.test(batch)) return fail(400, 'INVALID_REQUEST', 'batch must be 8 to 64 letters, digits, - or _.');
  const parts = rel ? safeRelativePath(rel) : undefined;
  if (!parts) return fail(400, 'INVALID_REQUEST', 'path must be a relative path without "..", "." or empty parts.');
  const dir = resolve(stagingDir, batch);
  const file = resolve(dir, ...parts);
  // Belt and braces: the segment check already refuses "..", this refuses anything it missed.
  if (!file.startsWith(dir + sep)) return fail(400, 'INVALID_REQUEST', 'path leaves the staging folder.');
  return { dir, file };
}

async function receiveUpload(req: IncomingMessage, url: URL, deps: ApiRouteDeps): Promise<Answer> {
  const target = stagingTarget(deps.stagingDir, url.searchParams.get('batch'), url.searchParams.get('path'));
  if ('status' in target) return drain(req, target);
  const albumId = url.searchParams.get('album') ?? '';
  if (!albumId || albumId.length > 64) return drain(req, fail(400, 'INVALID_REQUEST', 'album is required.'));
  const length = Number(req.headers['content-length']);
  if (!Number.isSafeInteger(length) || length < 0) return drain(req, fail(411, 'INVALID_REQUEST', 'Content-Length is required.'));
  const name = target.file.slice(target.file.lastIndexOf(sep) + 1);
  const refusal = dropRefusal(name, length);
  if (refusal) return drain(req, fail(415, 'UNSUPPORTED_MEDIA_TYPE', `${name}: ${refusal}`));

  await mkdir(resolve(target.file, '..'), { recursive: true });
  // Written as .part and renamed once complete, so a half-sent file is never queued or left looking whole.
  const partial = `${target.file}.part`;
  const out = createWriteStream(partial, { mode: 0o600 });
  const whole = await pipeline(req, out).then(
    () => req.complete && out.bytesWritten === length,
    () => false,
  );
  if (!whole) {
    await rm(partial, { force: true });
    return fail(400, 'INVALID_REQUEST', `${name}: the upload was cut short.`);
  }
  await rename(partial, target.file);
  const { added, skipped } = await deps.api.addPaths([target.file], { kind: 'album', albumId });
  return { status: 201, body: { path: target.file, added, skipped } };
}

/** Answers without reading a body the client may still be sending (closing keeps it from being read). */
function drain(req: IncomingMessage, a: Answer): Answer {
  req.resume();
  return a;
}

async function servePreview(req: IncomingMessage, res: ServerResponse, url: URL, deps: ApiRouteDeps): Promise<void> {
  const id = Number(url.pathname.slice(serveRoutes.preview.length));
  if (!Number.isSafeInteger(id) || id < 0) return send(res, fail(400, 'INVALID_REQUEST', 'preview id must be a queue row id.'));
  const preview = await deps.previews?.get(id);
  if (!preview) return send(res, fail(404, 'NOT_FOUND', 'No preview for that row.'));
  if (req.headers['if-none-match'] === preview.etag) {
    res.writeHead(304, { etag: preview.etag });
    return void res.end();
  }
  res.writeHead(200, {
    'content-type': 'image/webp',
    'content-length': preview.bytes.length,
    etag: preview.etag,
    'cache-control': 'private, max-age=3600',
    'x-content-type-options': 'nosniff',
  });
  res.end(preview.bytes);
}

/**
 * Deletes a dropped file's staged copy once its row is uploaded (or skipped as a duplicate): the backend has it and the row shows
 * the rendition from then on, so a 2 GB video is not kept twice. Failed rows keep theirs (Retry
 * needs it). Returns the unsubscribe function.
 */
export function removeStagedWhenUploaded(engine: { onEvent(l: (e: EngineEvent) => void): () => void }, stagingDir: string): () => void {
  const root = resolve(stagingDir) + sep;
  return engine.onEvent((e) => {
    if (e.type !== 'items') return;
    for (const item of e.items) {
      // Skipped here means a duplicate of something the backend already has.
      if ((item.state !== 'uploaded' && item.state !== 'skipped') || !item.path.startsWith(root)) continue;
      void rm(item.path, { force: true }).then(() => removeEmptyParents(dirname(item.path), root));
    }
  });
}

/** Removes now-empty folders up to (not including) the staging root; stops at the first that is not empty. */
async function removeEmptyParents(dir: string, root: string): Promise<void> {
  for (let d = dir; d.startsWith(root) && d.length > root.length; d = dirname(d)) {
    if (!(await rmdir(d).then(() => true, () => false))) return;
  }
}

/**
 * Deletes half-sent `.part` files a crash or a killed `ferry serve` left in the staging folder: no
 * row points at them, and the browser sends the whole file again when it is dropped again.
 */
export async function removeLeftoverPartials(stagingDir: string): Promise<number> {
  let removed = 0;
  const entries = await readdir(stagingDir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith('.part')) continue;
    await rm(join(e.parentPath, e.name), { force: true });
    removed++;
  }
  return removed;
}

/** The staging folder of a data directory. */
export function stagingDirOf(dataDir: string): string {
  return join(dataDir, 'staging');
}

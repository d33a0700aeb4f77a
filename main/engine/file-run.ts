/**
 * One file's run, from its persisted state to `processing` (or a final state). Every step's outcome
 * is written before the next begins, so a crash resumes from the last finished step: a hashed file is
 * not hashed again, a requested upload is not requested again, a finished part is not sent again.
 */
import { basename } from 'node:path';
import type { SingleUpload, UploadResponse } from '../../shared/api.ts';
import { MULTIPART_THRESHOLD } from '../../shared/multipart.ts';
import type { FilePatch, FileRow } from '../store/queue-store.ts';
import { AbortedError, abortErrorOf, FatalError } from './errors.ts';
import type { EngineDeps, EngineOptions } from './options.ts';
import { PartHasher } from './part-hasher.ts';
import { uploadParts } from './part-upload.ts';
import type { ProgressTracker } from './progress.ts';
import { RestartUpload, type RetryLoop } from './retry-loop.ts';
import type { RowStates } from './row-states.ts';
import type { UploadSlots } from './slots.ts';
import type { UploadBatcher } from './upload-batcher.ts';

/** A presigned URL with less life than this left is renewed before its body is sent. */
const URL_MARGIN_MS = 30_000;

/** What a run uses of the engine: its I/O, options, shared trackers, and the poller's wake-up. */
export interface RunContext {
  d: EngineDeps;
  o: EngineOptions;
  progress: ProgressTracker;
  slots: UploadSlots;
  /** hashing of small files, a few at a time (many more wait hashed for their batch) */
  hashSlots: UploadSlots;
  /** album upload requests, grouped into batch calls */
  batcher: UploadBatcher;
  /** small files queued for hashing or being hashed: more requests are on their way */
  preparing: { count: number };
  rows: RowStates;
  retry: RetryLoop;
  /** the last upload in flight just finished: poll now instead of at the busy interval */
  wakePoller(): void;
}

/** Runs one file; a forgotten upload is requested again, at most twice, before it fails. */
export async function runFile(ctx: RunContext, id: number, signal: AbortSignal): Promise<void> {
  let restarts = 0;
  for (;;) {
    const row = ctx.d.store.get(id);
    if (!row) return;
    try {
      await advance(ctx, row, signal);
      return;
    } catch (err) {
      // The server forgot the upload (expired, aborted): request it again, a bounded number of times.
      if (err instanceof RestartUpload && restarts++ < 2) {
        ctx.d.store.forgetUpload(id);
        continue;
      }
      throw err;
    }
  }
}

async function advance(ctx: RunContext, row: FileRow, signal: AbortSignal): Promise<void> {
  const { d, rows } = ctx;
  // The row is kept in memory and patched as it is written, never read back between steps.
  const write = (patch: FilePatch) => {
    d.store.update(row.id, patch);
    row = { ...row, ...patch };
  };

  // The bytes sent: the file, or the copy of it made without its secrets (--strip-secrets).
  const bytes = row.uploadPath ?? row.path;
  // hashing: sha256 before the upload request (dedupe), never twice for the same path/size/mtime
  const st = await d.statFile(bytes).catch((err: unknown) => {
    throw new FatalError('FILE_NOT_FOUND', `${bytes}: ${(err as Error).message}`);
  });
  if (st.size !== row.size || Math.trunc(st.mtimeMs) !== row.mtimeMs) {
    if (row.mediaId) throw new FatalError('FILE_CHANGED', `${bytes} changed while it was being uploaded`);
    write({ size: st.size, mtimeMs: Math.trunc(st.mtimeMs), sha256: null });
  }
  let sha256 = row.sha256;
  // A new hash goes into the row with the next write (the move to requesting, when there is one).
  let hashed: FilePatch = {};
  if (!sha256) {
    sha256 = d.store.cachedHash(bytes, row.size, row.mtimeMs) ?? null;
    // A multipart file is not hashed first: its hash is computed while its parts stream
    // (part-hasher.ts) and its duplicate check happens at completion.
    if (!sha256 && row.size < MULTIPART_THRESHOLD) {
      ctx.preparing.count++;
      try {
        const release = await ctx.hashSlots.acquire(signal);
        try {
          rows.set(row.id, 'hashing');
          sha256 = await d.hashFile(bytes, signal);
        } finally {
          release();
        }
      } finally {
        // The last file being prepared: what is ready must not wait for more.
        if (--ctx.preparing.count === 0) ctx.batcher.poke();
      }
      d.store.saveHash(bytes, row.size, row.mtimeMs, sha256);
    }
    if (sha256) hashed = { sha256 };
  }
  if (signal.aborted) throw abortErrorOf(signal);

  // requesting
  let single: SingleUpload | undefined;
  if (!row.mediaId) {
    rows.set(row.id, 'requesting', hashed);
    row = { ...row, ...hashed };
    const hash = sha256;
    const answer = await ctx.retry.run(row.id, 'api', signal, () => requestUpload(ctx, row, hash, signal));
    if ('duplicateOf' in answer) {
      rows.set(row.id, 'skipped', { mediaId: answer.mediaId, skipReason: await duplicateReason(ctx, answer.duplicateOf, signal) });
      return;
    }
    const u = answer.upload;
    write({
      mediaId: answer.mediaId,
      objectKey: answer.key,
      uploadType: u.type,
      uploadId: u.type === 'multipart' ? u.uploadId : null,
      partSize: u.type === 'multipart' ? u.partSize : null,
      partCount: u.type === 'multipart' ? u.partCount : null,
    });
    if (u.type === 'single') single = u;
  } else {
    if (hashed.sha256) write(hashed);
    if (row.uploadType === 'single') {
      // Resuming after a crash: the bytes may already have arrived and been processed.
      const mediaId = row.mediaId;
      const media = await ctx.retry.run(row.id, 'api', signal, () => d.api.getMedia(mediaId, signal));
      if (rows.applyMedia(row.id, media)) return;
    }
  }

  // uploading, once a slot is free (until then the file stays `requesting`, its URL in hand). A file
  // weighs what it has in flight at once: all of a single PUT, `partConcurrency` parts of a multipart.
  const weight = row.uploadType === 'multipart' ? Math.min(row.size, ctx.o.partConcurrency * (row.partSize ?? row.size)) : row.size;
  const releaseSlot = await ctx.slots.acquire(signal, weight);
  // One fewer file holds a URL waiting: the batcher may send the next batch now.
  ctx.batcher.poke();
  // A URL that expired while the file waited would cost a whole body sent for a 403.
  if (single && Date.parse(single.expiresAt) - d.clock.now() < URL_MARGIN_MS) single = undefined;
  let settled: boolean;
  try {
    settled = await upload(ctx, row, single, signal);
  } finally {
    releaseSlot();
  }
  if (settled) return;
  rows.set(row.id, 'processing', { bytesSent: row.size });
  // The last upload in flight wakes the poller at once; earlier ones wait for its (busy) interval.
  if (ctx.slots.busy === 0) ctx.wakePoller();
}

/**
 * Sends the file's bytes (a multipart upload's missing parts, then completes it). True when that
 * settled the row: a completion can answer with the media already uploaded or failed.
 */
async function upload(ctx: RunContext, row: FileRow, single: SingleUpload | undefined, signal: AbortSignal): Promise<boolean> {
  const { d, rows, progress } = ctx;
  rows.set(row.id, 'uploading');
  const mediaId = row.mediaId!;
  if (row.uploadType === 'multipart') return uploadMultipart(ctx, row, signal);
  progress.begin(row.id, row.size, 0, d.clock.now());
  let attempt = 0;
  for (;;) {
    if (!single) single = await ctx.retry.run(row.id, 'api', signal, () => d.api.refreshUploadUrl(mediaId, signal));
    try {
      progress.set(row.id, 0);
      await d.transport.put({
        url: single.url,
        headers: single.headers,
        path: row.uploadPath ?? row.path,
        start: 0,
        end: row.size,
        signal,
        onProgress: (n) => progress.add(row.id, n),
      });
      break;
    } catch (err) {
      const cls = await ctx.retry.afterFailure(row.id, err, 's3', attempt, signal);
      if (cls !== 'network-offline') attempt++;
      if (cls === 'resign') single = undefined;
    }
  }
  return false;
}

/** The missing parts, hashed in order as they go; then the completion, which carries the file's sha256. */
async function uploadMultipart(ctx: RunContext, row: FileRow, signal: AbortSignal): Promise<boolean> {
  const { d, rows } = ctx;
  const mediaId = row.mediaId!;
  const plan = { partSize: row.partSize!, partCount: row.partCount! };
  // Its own signal: a part failing for good must also stop the reader.
  const reader = new AbortController();
  const readerSignal = AbortSignal.any([signal, reader.signal]);
  const sent = d.store.parts(row.id).map((p) => p.partNumber);
  const hasher = new PartHasher(d.hashParts, row.uploadPath ?? row.path, row.size, plan, readerSignal, { lookahead: 2 * ctx.o.partConcurrency, alreadySent: sent });
  let sha256: string;
  let parts;
  try {
    parts = await uploadParts(ctx, row, signal, hasher);
    sha256 = await hasher.wholeFile();
  } finally {
    reader.abort(new AbortedError('shutdown'));
  }
  if (!row.sha256) {
    d.store.saveHash(row.path, row.size, row.mtimeMs, sha256);
    d.store.update(row.id, { sha256 });
  }
  const answer = await ctx.retry.run(row.id, 'api', signal, () => d.api.completeUpload(mediaId, parts, signal, sha256));
  if (answer.duplicateOf) {
    // The backend aborted the upload: the same bytes are already in the album.
    rows.set(row.id, 'skipped', { skipReason: `duplicate of ${answer.duplicateOf}` });
    return true;
  }
  return rows.applyMedia(row.id, answer.media);
}

function requestUpload(ctx: RunContext, row: FileRow, sha256: string | null, signal: AbortSignal): Promise<UploadResponse> {
  const api = ctx.d.api;
  const filename = row.path.split(/[\\/]/).pop() ?? row.path;
  if (row.generationId !== null) {
    return api.requestGenerationUpload(
      row.generationId,
      {
        filename,
        mimeType: row.mimeType,
        size: row.size,
        index: row.genIndex ?? 0,
        ...(sha256 ? { sha256 } : {}),
        ...(row.metadata ? { metadata: row.metadata } : {}),
        ...(row.albumId ? { albumId: row.albumId } : {}),
      },
      signal,
    );
  }
  if (!row.albumId) throw new FatalError('INVALID_REQUEST', 'row has no album and no generation');
  const albumId = row.albumId;
  const file = { filename, mimeType: row.mimeType, size: row.size };
  // Hashed files go in batches (upload-batcher.ts); the batch route carries no metadata, so a file
  // with creator metadata, like a large file not hashed yet, asks on its own, at once.
  if (sha256 && !row.metadata) return ctx.batcher.request(albumId, { ...file, sha256 }, signal);
  return api.requestAlbumUpload(albumId, { ...file, ...(sha256 ? { sha256 } : {}), ...(row.metadata ? { metadata: row.metadata } : {}) }, signal);
}

/**
 * Why a duplicate was skipped, naming the original by its file name (from this queue, else from the
 * backend), not by a media ID nobody recognises (issue 14); the ID only when neither knows a name.
 */
async function duplicateReason(ctx: RunContext, duplicateOf: string, signal: AbortSignal): Promise<string> {
  const local = ctx.d.store.findByMediaId(duplicateOf);
  let name = local ? basename(local.path) : undefined;
  if (!name) name = await ctx.d.api.getMedia(duplicateOf, signal).then((m) => m.filename, () => undefined);
  return `duplicate of ${name ?? duplicateOf}, already in this album`;
}

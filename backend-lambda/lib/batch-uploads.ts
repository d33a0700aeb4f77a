/**
 * POST /albums/{albumId}/media/uploads (SPEC §2): up to 100 upload requests in one. One ownership
 * read, one BatchGetItem of duplicate pointers, batched writes of the pending records, and per file
 * the same instructions as the single-file route (presigned PUT or multipart plan). A bad entry gets
 * its own `{error}` and never fails the others; only the request's own faults (body, album) fail it.
 */
import { albumMediaKey, batchUploadEntry, type BatchUploadEntry, type BatchUploadResult, type ErrorInfo } from '../../shared/index.ts';
import type { Deps } from './deps.ts';
import { ApiError } from './errors.ts';
import { abortMultipart } from './presign.ts';
import type { NewPendingMedia } from './storage/storage.ts';
import { checkDeclaration, instructionsFor, ownedAlbum } from './uploads.ts';

/** CreateMultipartUpload calls in flight at once for one batch (each is an S3 round trip). */
const MULTIPART_CREATE_CONCURRENCY = 8;

type Checked = { index: number; entry: BatchUploadEntry; mimeType: ReturnType<typeof checkDeclaration> };

/** Runs `fn` over `items` with at most `limit` in flight, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** An entry's error as its result; `field` names the entry (`files.3.mimeType`). */
function entryError(index: number, err: ApiError, clientRef: string | undefined): BatchUploadResult {
  const details = err.details?.field !== undefined ? { ...err.details, field: `files.${index}.${String(err.details.field)}` } : err.details;
  const error: ErrorInfo = { code: err.code, message: err.message, ...(details ? { details } : {}) };
  return { ...(clientRef !== undefined ? { clientRef } : {}), error };
}

/** Validates one raw entry: the schema, then the allow list and size cap of the single-file route. */
function checkEntry(deps: Deps, raw: unknown, index: number): Checked | BatchUploadResult {
  const clientRef = typeof (raw as { clientRef?: unknown })?.clientRef === 'string' ? (raw as { clientRef: string }).clientRef : undefined;
  const parsed = batchUploadEntry.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? issue.path.join('.') : '';
    return entryError(index, new ApiError('INVALID_REQUEST', `Invalid ${field || 'entry'}: ${issue?.message ?? 'invalid'}`, { field }), clientRef);
  }
  try {
    return { index, entry: parsed.data, mimeType: checkDeclaration(deps, parsed.data) };
  } catch (err) {
    if (err instanceof ApiError) return entryError(index, err, clientRef);
    throw err;
  }
}

/** The batch request's core: one result per entry, in order. */
export async function requestAlbumUploads(deps: Deps, userId: string, albumId: string, files: readonly unknown[]): Promise<BatchUploadResult[]> {
  const results = new Array<BatchUploadResult>(files.length);
  const valid: Checked[] = [];
  files.forEach((raw, i) => {
    const c = checkEntry(deps, raw, i);
    if ('entry' in c) valid.push(c);
    else results[i] = c;
  });
  // Ownership and duplicates in one round trip of latency; duplicates are only answered once the
  // ownership check passed, so another user's album reveals nothing (the whole request is 404).
  const [, dups] = await Promise.all([
    ownedAlbum(deps, userId, albumId),
    valid.length ? deps.storage.findUploadedDuplicates(albumId, valid.map((c) => c.entry.sha256)) : new Map<string, string>(),
  ]);
  const fresh: Checked[] = [];
  for (const c of valid) {
    const ref = c.entry.clientRef !== undefined ? { clientRef: c.entry.clientRef } : {};
    const dup = dups.get(c.entry.sha256);
    // A pointer exists only once its media is uploaded, and `uploaded` is final.
    if (dup) results[c.index] = { ...ref, mediaId: dup, duplicateOf: dup, status: 'uploaded' };
    else fresh.push(c);
  }
  if (!fresh.length) return results;

  const now = deps.now().toISOString();
  const planned = await mapLimit(fresh, MULTIPART_CREATE_CONCURRENCY, async (c) => {
    const mediaId = deps.newId();
    const media: NewPendingMedia = {
      mediaId,
      ownerId: userId,
      kind: 'album',
      albumId,
      filename: c.entry.filename,
      key: albumMediaKey(albumId, mediaId, c.mimeType),
      mimeType: c.mimeType,
      size: c.entry.size,
      sha256: c.entry.sha256,
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    };
    // The same presign / CreateMultipartUpload as the single-file route.
    const { upload, multipart } = await instructionsFor(deps, media);
    if (multipart) Object.assign(media, multipart);
    return { c, media, upload };
  });
  const abortAll = (items: typeof planned) =>
    Promise.all(items.map((p) => (p.media.uploadId ? abortMultipart(deps, p.media.key, p.media.uploadId).catch(() => undefined) : undefined)));
  let unwritten: Set<string>;
  try {
    unwritten = new Set(await deps.storage.createPendingMediaBatch(planned.map((p) => p.media)));
  } catch (err) {
    // No record points at the multipart uploads just made: abort them rather than leave parts behind.
    await abortAll(planned);
    throw err;
  }
  await abortAll(planned.filter((p) => unwritten.has(p.media.mediaId)));
  for (const p of planned) {
    const ref = p.c.entry.clientRef !== undefined ? { clientRef: p.c.entry.clientRef } : {};
    results[p.c.index] = unwritten.has(p.media.mediaId)
      ? { ...ref, error: { code: 'RATE_LIMITED', message: 'The table is busy; request this file again' } }
      : { ...ref, mediaId: p.media.mediaId, key: p.media.key, status: 'pending', upload: p.upload };
  }
  return results;
}

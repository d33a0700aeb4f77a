/** The upload requests: a pending record plus instructions (one presigned PUT, or a multipart upload). */
import { CompleteMultipartUploadCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  albumMediaKey,
  avatarKey,
  generatedKey,
  generatedMediaId,
  isAllowedMimeType,
  mimeTypes,
  MULTIPART_THRESHOLD,
  planParts,
  type AllowedMimeType,
  type UploadInstructions,
} from '../../shared/index.ts';
import type { Deps, ReadDeps } from './deps.ts';
import { tagFailedOriginalQuietly } from './failed-originals.ts';
import { ApiError, notFound } from './errors.ts';
import { createMultipart, hexToBase64, presignParts, presignPut, abortMultipart } from './presign.ts';
import type { MediaRecord, NewPendingMedia } from './storage/storage.ts';

export interface FileDeclaration {
  filename: string;
  mimeType: string;
  size: number;
  sha256?: string | undefined;
}

export type UploadOutcome =
  | { status: 201; body: { mediaId: string; key: string; status: 'pending'; upload: UploadInstructions } }
  | { status: 200; body: { mediaId: string; duplicateOf: string; status: MediaRecord['status'] } };

/** 415 for a type off the allow list, 413 above the configured cap. */
export function checkDeclaration(deps: ReadDeps, file: FileDeclaration): AllowedMimeType {
  if (!isAllowedMimeType(file.mimeType)) {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', `${file.mimeType} is not accepted`, {
      field: 'mimeType',
      allowed: Object.keys(mimeTypes),
    });
  }
  if (file.size > deps.config.maxUploadBytes) {
    throw new ApiError('FILE_TOO_LARGE', `The file is ${file.size} bytes; the limit is ${deps.config.maxUploadBytes}`, {
      field: 'size',
      maxBytes: deps.config.maxUploadBytes,
    });
  }
  return file.mimeType;
}

/** Single PUT below the threshold, multipart from it on (SPEC §2). */
export async function instructionsFor(deps: ReadDeps, item: MediaRecord): Promise<{ upload: UploadInstructions; multipart?: { uploadId: string; partSize: number; partCount: number } }> {
  if (item.size < MULTIPART_THRESHOLD) {
    return { upload: await presignPut(deps, item.key, item.mimeType, item.size, item.sha256) };
  }
  const uploadId = await createMultipart(deps, item.key, item.mimeType);
  const plan = planParts(item.size);
  return { upload: { type: 'multipart', uploadId, ...plan }, multipart: { uploadId, ...plan } };
}

interface NewMedia {
  mediaId: string;
  ownerId: string;
  kind: MediaRecord['kind'];
  key: string;
  albumId?: string | undefined;
  generationId?: string | undefined;
  index?: number;
  metadata?: Record<string, unknown> | undefined;
  /** allow replacing a record in this state (a generated media ID is chosen by the client) */
  replaceFailed?: boolean;
}

async function createPending(deps: Deps, file: FileDeclaration, spec: NewMedia): Promise<UploadOutcome> {
  const now = deps.now().toISOString();
  const media: NewPendingMedia = {
    mediaId: spec.mediaId,
    ownerId: spec.ownerId,
    kind: spec.kind,
    ...(spec.albumId ? { albumId: spec.albumId } : {}),
    ...(spec.generationId ? { generationId: spec.generationId, generationIndex: spec.index ?? 0 } : {}),
    filename: file.filename,
    key: spec.key,
    mimeType: file.mimeType,
    size: file.size,
    ...(file.sha256 ? { sha256: file.sha256 } : {}),
    status: 'pending',
    ...(spec.metadata ? { metadata: spec.metadata } : {}),
    createdAt: now,
    updatedAt: now,
  };
  const { upload, multipart } = await instructionsFor(deps, media);
  if (multipart) Object.assign(media, multipart);
  let created: boolean;
  try {
    created = await deps.storage.createPendingMedia(media, { replaceFailed: spec.replaceFailed === true });
  } catch (err) {
    if (multipart) await abortMultipart(deps, media.key, multipart.uploadId).catch(() => undefined);
    throw err;
  }
  if (!created) {
    if (multipart) await abortMultipart(deps, media.key, multipart.uploadId).catch(() => undefined);
    throw new ApiError('CONFLICT', `Media ${spec.mediaId} already exists`, { mediaId: spec.mediaId });
  }
  return { status: 201, body: { mediaId: spec.mediaId, key: spec.key, status: 'pending', upload } };
}

/** The caller's album; 404 when missing or someone else's. */
export async function ownedAlbum(deps: ReadDeps, userId: string, albumId: string) {
  const album = await deps.storage.getAlbum(userId, albumId);
  // Another user's album answers 404 too: its existence is not the caller's business.
  if (!album) throw notFound('album', albumId);
  return album;
}

/** POST /albums/{albumId}/media/upload */
export async function requestAlbumUpload(
  deps: Deps,
  userId: string,
  albumId: string,
  file: FileDeclaration & { metadata?: Record<string, unknown> | undefined },
): Promise<UploadOutcome> {
  const mimeType = checkDeclaration(deps, file);
  // Both reads at once (one round trip of latency instead of two); the duplicate is only answered
  // after the ownership check passed, so another user's album still reveals nothing.
  const [, dup] = await Promise.all([ownedAlbum(deps, userId, albumId), file.sha256 ? deps.storage.findUploadedDuplicate(albumId, file.sha256) : undefined]);
  if (dup) return { status: 200, body: { mediaId: dup.mediaId, duplicateOf: dup.mediaId, status: dup.status } };
  const mediaId = deps.newId();
  return createPending(deps, file, { mediaId, ownerId: userId, kind: 'album', albumId, metadata: file.metadata, key: albumMediaKey(albumId, mediaId, mimeType) });
}

/** POST /generations/{generationId}/media/upload: the media ID is `{generationId}_{index}`. */
export async function requestGenerationUpload(
  deps: Deps,
  userId: string,
  generationId: string,
  file: FileDeclaration & { index: number; metadata?: Record<string, unknown> | undefined; albumId?: string | undefined },
): Promise<UploadOutcome> {
  const mimeType = checkDeclaration(deps, file);
  if (file.albumId) await ownedAlbum(deps, userId, file.albumId);
  const mediaId = generatedMediaId(generationId, file.index);
  // Owned as a whole, not per index: otherwise another user could take an unused index first and
  // make the owner's own upload of it a 403.
  const forbidden = () => new ApiError('FORBIDDEN', `Generation ${generationId} belongs to someone else`, { generationId });
  if (!(await deps.storage.claimGeneration(generationId, userId, deps.now().toISOString()))) throw forbidden();
  const existing = await deps.storage.getMedia(mediaId);
  if (existing) {
    // a record from before generations had owner items, made by another user
    if (existing.ownerId !== userId) throw forbidden();
    if (existing.status === 'uploaded') return { status: 200, body: { mediaId, duplicateOf: mediaId, status: existing.status } };
    if (existing.status === 'pending') {
      throw new ApiError('CONFLICT', `Media ${mediaId} is already pending; ask POST /media/${mediaId}/upload-url for a fresh URL`, { mediaId });
    }
  }
  if (file.albumId && file.sha256) {
    const dup = await deps.storage.findUploadedDuplicate(file.albumId, file.sha256);
    if (dup) return { status: 200, body: { mediaId: dup.mediaId, duplicateOf: dup.mediaId, status: dup.status } };
  }
  return createPending(deps, file, {
    mediaId,
    ownerId: userId,
    kind: 'generated',
    albumId: file.albumId,
    generationId,
    index: file.index,
    metadata: file.metadata,
    key: generatedKey(generationId, file.index, mimeType),
    replaceFailed: true,
  });
}

/** POST /users/me/avatar/upload */
export async function requestAvatarUpload(deps: Deps, userId: string, file: FileDeclaration): Promise<UploadOutcome> {
  const mimeType = checkDeclaration(deps, file);
  if (mimeTypes[mimeType].kind !== 'image') {
    throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'An avatar must be an image', { field: 'mimeType' });
  }
  const uploadId = deps.newId();
  return createPending(deps, file, { mediaId: uploadId, ownerId: userId, kind: 'avatar', key: avatarKey(userId, uploadId, mimeType) });
}

/** The caller's own media record, else 404 (another user's media is not revealed). */
export async function ownedMedia(deps: ReadDeps, userId: string, mediaId: string): Promise<MediaRecord> {
  const item = await deps.storage.getMedia(mediaId);
  if (!item || item.ownerId !== userId) throw notFound('media', mediaId);
  return item;
}

function requirePending(item: MediaRecord, type: 'single' | 'multipart'): void {
  if (item.status !== 'pending') {
    throw new ApiError('CONFLICT', `Media ${item.mediaId} is ${item.status}, not pending`, { mediaId: item.mediaId, status: item.status });
  }
  const isMultipart = Boolean(item.uploadId);
  if ((type === 'multipart') !== isMultipart) {
    throw new ApiError('CONFLICT', `Media ${item.mediaId} is a ${isMultipart ? 'multipart' : 'single'} upload`, { mediaId: item.mediaId });
  }
}

/** POST /media/{mediaId}/upload-url */
export async function refreshUploadUrl(deps: ReadDeps, userId: string, mediaId: string) {
  const item = await ownedMedia(deps, userId, mediaId);
  requirePending(item, 'single');
  return presignPut(deps, item.key, item.mimeType, item.size, item.sha256);
}

/** POST /media/{mediaId}/parts */
export async function signParts(deps: ReadDeps, userId: string, mediaId: string, partNumbers: number[], checksums?: Record<string, string>) {
  const item = await ownedMedia(deps, userId, mediaId);
  requirePending(item, 'multipart');
  const tooHigh = partNumbers.find((n) => n > (item.partCount ?? 0));
  if (tooHigh !== undefined) {
    throw new ApiError('INVALID_REQUEST', `Part ${tooHigh} is beyond this upload's ${item.partCount} parts`, { field: 'partNumbers', partCount: item.partCount });
  }
  const stray = Object.keys(checksums ?? {}).find((n) => !partNumbers.includes(Number(n)));
  if (stray !== undefined) throw new ApiError('INVALID_REQUEST', `A checksum for part ${stray}, which is not being signed`, { field: 'checksums' });
  return presignParts(deps, item.key, item.uploadId!, partNumbers, checksums);
}

/** POST /media/{mediaId}/complete: S3 assembles the parts; its event then runs process-upload. */
export async function completeUpload(deps: ReadDeps, userId: string, mediaId: string, parts: { partNumber: number; etag: string; sha256?: string | undefined }[]): Promise<MediaRecord> {
  const item = await ownedMedia(deps, userId, mediaId);
  if (item.status !== 'pending' && item.uploadId === undefined) {
    // Completing twice (a retry after a lost answer) is answered with the record as it is now.
    return item;
  }
  requirePending(item, 'multipart');
  const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
  if (sorted.length !== item.partCount || sorted.some((p, i) => p.partNumber !== i + 1)) {
    throw new ApiError('INVALID_REQUEST', `Expected parts 1..${item.partCount}, each once`, { field: 'parts', partCount: item.partCount });
  }
  try {
    await deps.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: deps.config.bucketName,
        Key: item.key,
        UploadId: item.uploadId,
        MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ...(p.sha256 ? { ChecksumSHA256: hexToBase64(p.sha256) } : {}) })) },
      }),
    );
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    if (name === 'NoSuchUpload') {
      const exists = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.config.bucketName, Key: item.key })).then(() => true, () => false);
      if (exists) return (await deps.storage.getMedia(mediaId)) ?? item;
      throw new ApiError('CONFLICT', 'The multipart upload no longer exists', { mediaId });
    }
    if (name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'EntityTooSmall') {
      throw new ApiError('INVALID_REQUEST', `S3 refused the parts: ${name}`, { field: 'parts', s3Error: name });
    }
    throw err;
  }
  return (await deps.storage.getMedia(mediaId)) ?? item;
}

/**
 * POST /media/{mediaId}/complete with the whole file's sha256 (an extension of SPEC §2): a client
 * that hashed a large file while its parts streamed only knows it now, so the duplicate check of a
 * multipart upload happens here. Bytes already uploaded in the album: the multipart upload is
 * aborted, the record fails as CANCELLED, and the answer names the original (`duplicateOf`).
 * Otherwise the record takes the sha256 (process-upload then checks the bytes against it).
 */
export async function completeUploadWithHash(
  deps: Deps,
  userId: string,
  mediaId: string,
  parts: { partNumber: number; etag: string; sha256?: string | undefined }[],
  sha256: string | undefined,
): Promise<{ record: MediaRecord; duplicateOf?: string }> {
  if (!sha256) return { record: await completeUpload(deps, userId, mediaId, parts) };
  const item = await ownedMedia(deps, userId, mediaId);
  if (item.status === 'pending' && item.uploadId) {
    const dup = item.albumId ? (await deps.storage.findUploadedDuplicates(item.albumId, [sha256])).get(sha256) : undefined;
    if (dup && dup !== mediaId) {
      await abortMultipart(deps, item.key, item.uploadId);
      const now = deps.now().toISOString();
      await deps.storage.failPending(mediaId, { code: 'CANCELLED', message: `Duplicate of ${dup}: the same bytes are already in this album` }, now);
      return { record: (await deps.storage.getMedia(mediaId)) ?? item, duplicateOf: dup };
    }
    // A sha256 declared at request time stays the one processing checks against.
    if (!item.sha256) await deps.storage.setPendingSha256(mediaId, item.albumId, sha256, deps.now().toISOString());
  }
  return { record: await completeUpload(deps, userId, mediaId, parts) };
}

/** DELETE /media/{mediaId}/upload: aborts a pending upload; the record becomes failed (CANCELLED). */
export async function abortUpload(deps: Deps, userId: string, mediaId: string): Promise<void> {
  const item = await ownedMedia(deps, userId, mediaId);
  if (item.status !== 'pending') {
    throw new ApiError('CONFLICT', `Media ${mediaId} is ${item.status}, not pending`, { mediaId, status: item.status });
  }
  if (item.uploadId) await abortMultipart(deps, item.key, item.uploadId);
  if (await deps.storage.failPending(mediaId, { code: 'CANCELLED', message: 'The upload was cancelled' }, deps.now().toISOString())) {
    await tagFailedOriginalQuietly(deps, item.key);
  }
}

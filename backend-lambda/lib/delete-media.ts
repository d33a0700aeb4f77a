/**
 * DELETE /media/{mediaId} (SPEC §2): the original, its renditions and the record go, and the album's
 * count follows. The objects go first and the record last, so a delete that fails half-way can be
 * sent again and finishes the job; deleting a missing S3 object is not an error. DynamoDB has no
 * transaction in dynalite (the embedded store), so the count is a second, conditional write after
 * the record's delete, made only by the request whose delete took the record.
 */
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { albumRenditions, renditionKey } from '../../shared/index.ts';
import type { Deps } from './deps.ts';
import { ApiError, notFound } from './errors.ts';
import { abortMultipart } from './presign.ts';
import type { MediaRecord, StorageWithDelete } from './storage/storage.ts';

/** Every object key a media record can own: the original and each rendition (recorded or not yet). */
export function objectKeysOf(item: MediaRecord): string[] {
  const keys = new Set([item.key, ...Object.values(item.thumbnailKeys ?? {})]);
  // A record still pending may be in processing right now: its renditions are not recorded yet.
  for (const r of albumRenditions) keys.add(renditionKey(item.key, r.name));
  return [...keys];
}

/** Deletes one media of `userId`'s (see the module comment): 404 unknown, 403 another user's. */
export async function deleteMedia(deps: Deps<StorageWithDelete>, userId: string, mediaId: string): Promise<void> {
  const item = await deps.storage.getMedia(mediaId);
  if (!item) throw notFound('media', mediaId);
  if (item.ownerId !== userId) throw new ApiError('FORBIDDEN', `Media ${mediaId} belongs to another user`, { mediaId });
  // The profile points at its avatar's objects; a new avatar upload replaces it instead.
  if (item.kind === 'avatar') throw new ApiError('CONFLICT', 'An avatar is replaced by uploading a new one, not deleted', { mediaId, kind: item.kind });

  if (item.status === 'pending' && item.uploadId) await abortMultipart(deps, item.key, item.uploadId);
  await Promise.all(objectKeysOf(item).map((Key) => deps.s3.send(new DeleteObjectCommand({ Bucket: deps.config.bucketName, Key }))));

  const removed = await deps.storage.deleteMedia(mediaId);
  // Another request deleted it first and did the counting; the media is gone either way.
  if (!removed || removed.status !== 'uploaded' || !removed.albumId) return;

  // Only uploaded media are counted (process-upload counts them), so only they are uncounted.
  const album = await deps.storage.getAlbum(userId, removed.albumId);
  if (!album) return;
  const ownCover = removed.thumbnailKeys?.cover;
  let newCover: string | undefined;
  if (ownCover && album.coverKey === ownCover) {
    const page = await deps.storage.listAlbumMedia(removed.albumId, { limit: 25 });
    newCover = page.items.find((m) => m.mediaId !== mediaId && m.status === 'uploaded' && m.thumbnailKeys?.cover)?.thumbnailKeys?.cover;
  }
  await deps.storage.uncountAlbumMedia(userId, removed.albumId, ownCover && album.coverKey === ownCover ? { removedCover: ownCover, newCover } : undefined, deps.now().toISOString());
}

/**
 * Records (storage/storage.ts) turned into the API's entities: thumbnail object keys become URLs here, at
 * read time, so presigned GETs are always fresh.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Album, Media, User } from '../../shared/index.ts';
import type { ReadDeps } from './deps.ts';
import type { AlbumRecord, MediaRecord, UserRecord } from './storage/storage.ts';

const PRESIGNED_GET_SECONDS = 6 * 3600;

/** An absolute URL a client can GET for an S3 key: PUBLIC_BASE_URL, else a presigned GET. */
export async function objectUrl(deps: ReadDeps, key: string): Promise<string> {
  if (deps.config.publicBaseUrl) return `${deps.config.publicBaseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return getSignedUrl(deps.presignS3, new GetObjectCommand({ Bucket: deps.config.bucketName, Key: key }), {
    expiresIn: PRESIGNED_GET_SECONDS,
  });
}

async function urlsOf(deps: ReadDeps, thumbnailKeys: Record<string, string> | undefined) {
  if (!thumbnailKeys) return undefined;
  const entries = await Promise.all(Object.entries(thumbnailKeys).map(async ([name, key]) => [name, await objectUrl(deps, key)] as const));
  return Object.fromEntries(entries);
}

/** The API's media entity for a stored item. */
export async function toMedia(deps: ReadDeps, item: MediaRecord): Promise<Media> {
  const thumbnails = await urlsOf(deps, item.thumbnailKeys);
  return {
    mediaId: item.mediaId,
    kind: item.kind,
    ...(item.albumId ? { albumId: item.albumId } : {}),
    ...(item.generationId ? { generationId: item.generationId } : {}),
    filename: item.filename,
    key: item.key,
    mimeType: item.mimeType,
    size: item.size,
    ...(item.sha256 ? { sha256: item.sha256 } : {}),
    status: item.status,
    ...(item.error ? { error: item.error } : {}),
    ...(item.width !== undefined ? { width: item.width, height: item.height } : {}),
    ...(thumbnails ? { thumbnails } : {}),
    ...(item.thumbhash ? { thumbhash: item.thumbhash } : {}),
    ...(item.dominantColor ? { dominantColor: item.dominantColor } : {}),
    ...(item.metadata ? { metadata: item.metadata } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

/** The API's album entity. */
export async function toAlbum(deps: ReadDeps, item: AlbumRecord): Promise<Album> {
  return {
    albumId: item.albumId,
    title: item.title,
    mediaCount: item.mediaCount,
    ...(item.coverKey ? { coverThumbnail: await objectUrl(deps, item.coverKey) } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

/** The API's user entity. */
export async function toUser(deps: ReadDeps, item: UserRecord): Promise<User> {
  const avatar = item.avatar
    ? {
        key: item.avatar.key,
        ...(item.avatar.width !== undefined ? { width: item.avatar.width, height: item.avatar.height } : {}),
        ...(item.avatar.thumbnailKeys ? { thumbnails: await urlsOf(deps, item.avatar.thumbnailKeys) } : {}),
      }
    : undefined;
  return {
    userId: item.userId,
    ...(item.name ? { name: item.name } : {}),
    ...(avatar ? { avatar } : {}),
    createdAt: item.createdAt,
    updatedAt: item.updatedAt,
  };
}

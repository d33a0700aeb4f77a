/**
 * Stored item shapes and their conversion to the API's entities (thumbnail keys become URLs here,
 * at read time, so presigned GETs are always fresh).
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Album, ErrorCode, Media, MediaStatus, User } from '../../shared/index.ts';
import type { Deps } from './deps.ts';

export interface MediaItem {
  pk: string;
  sk: string;
  type: 'media';
  mediaId: string;
  ownerId: string;
  kind: Media['kind'];
  albumId?: string;
  generationId?: string;
  filename: string;
  key: string;
  mimeType: string;
  size: number;
  sha256?: string;
  status: MediaStatus;
  error?: { code: ErrorCode; message: string };
  width?: number;
  height?: number;
  thumbnailKeys?: Record<string, string>;
  thumbhash?: string;
  dominantColor?: string;
  metadata?: Record<string, unknown>;
  /** multipart upload ID while pending */
  uploadId?: string;
  partSize?: number;
  partCount?: number;
  createdAt: string;
  updatedAt: string;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk?: string;
  gsi2sk?: string;
  gsi3pk?: string;
  gsi3sk?: string;
  pendingPk?: string;
  pendingSk?: string;
}

export interface AlbumItem {
  pk: string;
  sk: string;
  type: 'album';
  albumId: string;
  ownerId: string;
  title: string;
  mediaCount: number;
  coverKey?: string;
  createdAt: string;
  updatedAt: string;
}

export interface UserItem {
  pk: string;
  sk: string;
  type: 'user';
  userId: string;
  name?: string;
  avatar?: { key: string; thumbnailKeys?: Record<string, string>; width?: number; height?: number };
  createdAt: string;
  updatedAt: string;
}

const PRESIGNED_GET_SECONDS = 6 * 3600;

/** An absolute URL a client can GET for an S3 key: PUBLIC_BASE_URL, else a presigned GET. */
export async function objectUrl(deps: Deps, key: string): Promise<string> {
  if (deps.config.publicBaseUrl) return `${deps.config.publicBaseUrl}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return getSignedUrl(deps.presignS3, new GetObjectCommand({ Bucket: deps.config.bucketName, Key: key }), {
    expiresIn: PRESIGNED_GET_SECONDS,
  });
}

async function urlsOf(deps: Deps, thumbnailKeys: Record<string, string> | undefined) {
  if (!thumbnailKeys) return undefined;
  const entries = await Promise.all(Object.entries(thumbnailKeys).map(async ([name, key]) => [name, await objectUrl(deps, key)] as const));
  return Object.fromEntries(entries);
}

/** The API's media entity for a stored item. */
export async function toMedia(deps: Deps, item: MediaItem): Promise<Media> {
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
export async function toAlbum(deps: Deps, item: AlbumItem): Promise<Album> {
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
export async function toUser(deps: Deps, item: UserItem): Promise<User> {
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

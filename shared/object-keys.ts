import { mimeTypes, type AllowedMimeType } from './mime.ts';

/**
 * The S3 key layout (SPEC §3), built and parsed in one place. The media ID is always in the key, so
 * processing finds its record with a direct read, never a scan.
 */
export type OriginalKey =
  | { kind: 'album'; albumId: string; mediaId: string; ext: string }
  | { kind: 'avatar'; userId: string; uploadId: string; ext: string }
  | { kind: 'generated'; generationId: string; index: number; ext: string };

const ID = '[A-Za-z0-9-]+';
const albumPattern = new RegExp(`^albums/(${ID})/media/(${ID})\\.([a-z0-9]+)$`);
const avatarPattern = new RegExp(`^users/(${ID})/avatar/(${ID})\\.([a-z0-9]+)$`);
const generatedPattern = new RegExp(`^generated/(${ID})/(${ID})_(\\d+)\\.([a-z0-9]+)$`);

export const THUMBNAIL_PREFIX = 'thumbnails/';

export function extForMime(mimeType: AllowedMimeType): string {
  return mimeTypes[mimeType].ext;
}

export function albumMediaKey(albumId: string, mediaId: string, mimeType: AllowedMimeType): string {
  return `albums/${albumId}/media/${mediaId}.${extForMime(mimeType)}`;
}

export function avatarKey(userId: string, uploadId: string, mimeType: AllowedMimeType): string {
  return `users/${userId}/avatar/${uploadId}.${extForMime(mimeType)}`;
}

export function generatedMediaId(generationId: string, index: number): string {
  return `${generationId}_${index}`;
}

export function generatedKey(generationId: string, index: number, mimeType: AllowedMimeType): string {
  return `generated/${generationId}/${generatedMediaId(generationId, index)}.${extForMime(mimeType)}`;
}

/** Parses an original's key; undefined for thumbnails and anything unknown. */
export function parseOriginalKey(key: string): OriginalKey | undefined {
  let m = albumPattern.exec(key);
  if (m) return { kind: 'album', albumId: m[1]!, mediaId: m[2]!, ext: m[3]! };
  m = avatarPattern.exec(key);
  if (m) return { kind: 'avatar', userId: m[1]!, uploadId: m[2]!, ext: m[3]! };
  m = generatedPattern.exec(key);
  if (m && m[1] === m[2]) return { kind: 'generated', generationId: m[1]!, index: Number(m[3]), ext: m[4]! };
  return undefined;
}

/** The media ID an original key belongs to (avatars use their upload ID). */
export function mediaIdOfKey(parsed: OriginalKey): string {
  switch (parsed.kind) {
    case 'album':
      return parsed.mediaId;
    case 'avatar':
      return parsed.uploadId;
    case 'generated':
      return generatedMediaId(parsed.generationId, parsed.index);
  }
}

/** `thumbnails/{original key without extension}/{rendition}.webp` */
export function renditionKey(originalKey: string, rendition: string): string {
  const dot = originalKey.lastIndexOf('.');
  const stem = dot > originalKey.lastIndexOf('/') ? originalKey.slice(0, dot) : originalKey;
  return `${THUMBNAIL_PREFIX}${stem}/${rendition}.webp`;
}

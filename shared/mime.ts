/** The MIME allow list and the extension each type gets in S3 (never the client's file name). */
export const mimeTypes = {
  'image/jpeg': { ext: 'jpg', kind: 'image' },
  'image/png': { ext: 'png', kind: 'image' },
  'image/webp': { ext: 'webp', kind: 'image' },
  'image/gif': { ext: 'gif', kind: 'image' },
  'image/avif': { ext: 'avif', kind: 'image' },
  'video/mp4': { ext: 'mp4', kind: 'video' },
  'video/webm': { ext: 'webm', kind: 'video' },
  'video/quicktime': { ext: 'mov', kind: 'video' },
} as const satisfies Record<string, { ext: string; kind: 'image' | 'video' }>;

export type AllowedMimeType = keyof typeof mimeTypes;

export function isAllowedMimeType(value: string): value is AllowedMimeType {
  return Object.hasOwn(mimeTypes, value);
}

const byExtension: Record<string, AllowedMimeType> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jfif: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  avif: 'image/avif',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
};

/** The MIME type a client declares for a file name; undefined when Ferry does not upload it. */
export function mimeTypeForFilename(filename: string): AllowedMimeType | undefined {
  const dot = filename.lastIndexOf('.');
  if (dot < 0) return undefined;
  return byExtension[filename.slice(dot + 1).toLowerCase()];
}

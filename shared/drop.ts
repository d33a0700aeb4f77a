/**
 * Files dropped into a browser (serve mode): the browser never learns where they live on disk, so
 * it streams each one to the local engine, which writes it under the data directory's staging
 * folder and queues it like any other file. The renderer and the serve endpoint both use these
 * rules, so a file the page refuses is one the endpoint would refuse too, with the same words.
 */
import { mimeTypeForFilename } from './mime.ts';

/** Serve-mode HTTP routes beside the page and its socket (same origin, same token). */
export const serveRoutes = {
  /** `PUT ?batch=&path=&album=` with the file as the body */
  upload: '/api/upload',
  /** `GET /api/preview/{queue row id}`: image/webp */
  preview: '/api/preview/',
} as const;

/** A drop's batch ID: the staging sub-folder its files land in. */
export const batchIdPattern = /^[A-Za-z0-9_-]{8,64}$/;

/** Longest relative path accepted (bytes of UTF-16 are close enough; file systems cap near 4096). */
const maxRelativePath = 1024;

/** Why Ferry will not take a dropped file, in the words shown next to it; undefined when it will. */
export function dropRefusal(name: string, size: number): string | undefined {
  if (!mimeTypeForFilename(name)) {
    const dot = name.lastIndexOf('.');
    return dot > 0
      ? `not an image or video Ferry uploads (${name.slice(dot).toLowerCase()})`
      : 'no file extension, so Ferry cannot tell what it is';
  }
  if (size === 0) return 'empty file (0 bytes)';
  return undefined;
}

/**
 * The segments of a dropped file's relative path ("trip/day 1/a.jpg"), or undefined when it could
 * escape the staging folder or name something odd: `..`, `.`, empty segments, a leading slash, a
 * drive letter, backslashes, NUL or other control characters. Callers join the segments under
 * their folder; the server also checks the joined path stays inside it.
 */
export function safeRelativePath(rel: string): string[] | undefined {
  if (!rel || rel.length > maxRelativePath) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\:]/.test(rel)) return undefined;
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.length > 255)) return undefined;
  return parts;
}

/**
 * The path inside its drop of a file the engine staged ("trip/day 1/a.jpg" for
 * `<data dir>/staging/<batch>/trip/day 1/a.jpg`), so a row shows what the user dropped rather than
 * where Ferry keeps the copy; undefined for any other path.
 */
export function droppedPath(path: string): string | undefined {
  const m = /[\\/]staging[\\/][A-Za-z0-9_-]{8,64}[\\/](.+)$/.exec(path);
  return m?.[1];
}

/**
 * A queue row as the engine sees it, and its mapping from SQLite's snake_case columns. Only the
 * columns in `columnOf` can be patched; the state changes only through `QueueStore.transition`.
 */
import type { FileState } from '../../shared/file-states.ts';
import type { ErrorCode, ErrorInfo } from '../../shared/errors.ts';

/** One queue row as the engine sees it. */
export interface FileRow {
  id: number;
  path: string;
  target: string;
  size: number;
  mtimeMs: number;
  mimeType: string;
  state: FileState;
  albumId: string | null;
  generationId: string | null;
  genIndex: number | null;
  metadata: Record<string, unknown> | null;
  sha256: string | null;
  mediaId: string | null;
  objectKey: string | null;
  uploadType: 'single' | 'multipart' | null;
  uploadId: string | null;
  partSize: number | null;
  partCount: number | null;
  attempts: number;
  bytesSent: number;
  error: ErrorInfo | null;
  skipReason: string | null;
  thumbnail: string | null;
  /** the backend the row belongs to (`backendKey`): only an engine of that backend touches it */
  backend: string | null;
  /** for the person: what the file holds or what was done about it (secrets, a replacement) */
  note: string | null;
  /** the bytes sent instead of `path` (a copy with secrets stripped); `size` is its size */
  uploadPath: string | null;
  /** the source file's size when `uploadPath` is set: what "is this the same version" compares */
  sourceSize: number | null;
  /** a row whose uploaded record this one replaces once it is uploaded (`--replace`) */
  replacesId: number | null;
  createdAt: string;
  updatedAt: string;
}

/** What a new row needs. */
export interface NewFile {
  path: string;
  target: string;
  size: number;
  mtimeMs: number;
  mimeType: string;
  albumId?: string;
  generationId?: string;
  genIndex?: number;
  metadata?: Record<string, unknown>;
  backend?: string;
  note?: string;
  uploadPath?: string;
  sourceSize?: number;
  replacesId?: number;
}

/** A `files` row as SQLite returns it. */
export interface RawRow {
  id: number;
  path: string;
  target: string;
  size: number;
  mtime_ms: number;
  mime_type: string;
  state: string;
  album_id: string | null;
  generation_id: string | null;
  gen_index: number | null;
  metadata: string | null;
  sha256: string | null;
  media_id: string | null;
  object_key: string | null;
  upload_type: string | null;
  upload_id: string | null;
  part_size: number | null;
  part_count: number | null;
  attempts: number;
  bytes_sent: number;
  error_code: string | null;
  error_message: string | null;
  skip_reason: string | null;
  thumbnail: string | null;
  backend: string | null;
  note: string | null;
  upload_path: string | null;
  source_size: number | null;
  replaces_id: number | null;
  created_at: string;
  updated_at: string;
}

/** A row as SQLite returns it, as the engine uses it. */
export function toRow(r: RawRow): FileRow {
  return {
    id: r.id,
    path: r.path,
    target: r.target,
    size: r.size,
    mtimeMs: r.mtime_ms,
    mimeType: r.mime_type,
    state: r.state as FileState,
    albumId: r.album_id,
    generationId: r.generation_id,
    genIndex: r.gen_index,
    metadata: r.metadata ? (JSON.parse(r.metadata) as Record<string, unknown>) : null,
    sha256: r.sha256,
    mediaId: r.media_id,
    objectKey: r.object_key,
    uploadType: r.upload_type as FileRow['uploadType'],
    uploadId: r.upload_id,
    partSize: r.part_size,
    partCount: r.part_count,
    attempts: r.attempts,
    bytesSent: r.bytes_sent,
    error: r.error_code ? { code: r.error_code as ErrorCode, message: r.error_message ?? '' } : null,
    skipReason: r.skip_reason,
    thumbnail: r.thumbnail,
    backend: r.backend,
    note: r.note,
    uploadPath: r.upload_path,
    sourceSize: r.source_size,
    replacesId: r.replaces_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The columns a patch may set (the state is not one: it moves through `QueueStore.transition`). */
export const columnOf = {
  sha256: 'sha256',
  mediaId: 'media_id',
  objectKey: 'object_key',
  uploadType: 'upload_type',
  uploadId: 'upload_id',
  partSize: 'part_size',
  partCount: 'part_count',
  attempts: 'attempts',
  bytesSent: 'bytes_sent',
  skipReason: 'skip_reason',
  thumbnail: 'thumbnail',
  size: 'size',
  mtimeMs: 'mtime_ms',
  note: 'note',
} as const;
/** Fields of a row the engine may change besides its state. */
export type FilePatch = Partial<Pick<FileRow, keyof typeof columnOf>> & { error?: ErrorInfo | null };

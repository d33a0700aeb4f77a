/**
 * The engine API the UI uses (STYLE.md §2): one interface, one method list. Electron IPC and the
 * serve-mode WebSocket are both generated from `engineMethods`; the renderer gets a typed proxy.
 * Every value crossing it is plain JSON.
 */
import type { Album, Media } from './api.ts';
import type { ErrorInfo } from './errors.ts';
import type { FileState } from './file-states.ts';

export { fileStates, type FileState } from './file-states.ts';

/** Where a file goes: an album (by ID), or the generated-media route (ComfyUI). */
export type UploadTarget = { kind: 'album'; albumId: string } | { kind: 'generation'; albumId?: string };

export interface QueueItem {
  id: number;
  path: string;
  size: number;
  state: FileState;
  bytesSent: number;
  /** bytes per second over the last few seconds; 0 when idle */
  rate: number;
  /** seconds left at the current rate; null when unknown */
  etaSeconds: number | null;
  attempts: number;
  error?: ErrorInfo;
  mediaId?: string;
  albumId?: string;
  /** why a file was skipped (duplicate of mediaId, say) */
  skipReason?: string;
  thumbnail?: string;
  /** the record's ThumbHash, painted until `thumbnail` loads (kept in memory only: after a restart the row has just the thumbnail) */
  thumbhash?: string;
  dominantColor?: string;
  updatedAt: string;
}

export interface QueueTotals {
  files: number;
  byState: Record<FileState, number>;
  bytesTotal: number;
  bytesSent: number;
  rate: number;
  etaSeconds: number | null;
}

export interface QueuePage {
  items: QueueItem[];
  total: number;
}

export interface WatchedFolder {
  id: number;
  dir: string;
  albumId?: string;
  comfyui: boolean;
  enabled: boolean;
  /** the folder is missing right now; it is picked up again when it comes back */
  missing: boolean;
  lastActivityAt?: string;
  lastActivity?: string;
}

export interface Settings {
  /**
   * A remote backend's token goes one way, UI → engine: `getSettings` answers `token: ''` and
   * `tokenSet: true`, and an update with an empty token keeps the one already set.
   */
  backend: { mode: 'embedded' } | { mode: 'remote'; apiUrl: string; token: string; tokenSet?: boolean };
  concurrency: number;
  partConcurrency: number;
  /** bytes per second; 0 for unlimited */
  bandwidthLimit: number;
  /** a timetable in rclone's `--bwlimit` syntax (shared/bwlimit.ts); when set it wins over `bandwidthLimit`; '' for none */
  bandwidthSchedule: string;
  startAtLogin: boolean;
  /** desktop app: pause every upload while the machine runs on battery, resume on mains power */
  pauseOnBattery: boolean;
}

/** One folder of the engine's machine, for the browser's folder picker (serve mode cannot see paths). */
export interface FolderListing {
  /** absolute path of this folder */
  path: string;
  /** the folder above, or null at a root */
  parent: string | null;
  /** sub-folders (names, sorted; hidden ones left out) */
  folders: string[];
  /** files in this folder (not below) that Ferry would upload */
  mediaFiles: number;
}

/** What `deleteMedia` did, per media ID: a partial failure never hides the ones that went. */
export interface DeleteMediaResult {
  deleted: string[];
  failed: { mediaId: string; message: string }[];
}

export interface EngineStatus {
  online: boolean;
  paused: boolean;
  apiUrl: string;
  totals: QueueTotals;
}

export interface EngineApi {
  status(): Promise<EngineStatus>;
  listQueue(query: { offset: number; limit: number; states?: FileState[] }): Promise<QueuePage>;
  /** `skipped`: every file not added; `unsupported`: of those, the ones Ferry does not upload (a `.txt`) */
  addPaths(paths: string[], target: UploadTarget): Promise<{ added: number; skipped: number; unsupported: number }>;
  pauseAll(): Promise<void>;
  resumeAll(): Promise<void>;
  pause(id: number): Promise<void>;
  resume(id: number): Promise<void>;
  retry(id: number): Promise<void>;
  retryAllFailed(): Promise<{ retried: number }>;
  cancel(ids: number[]): Promise<void>;
  /** Removes settled rows (failed, skipped, cancelled, uploaded) from the list; others are left alone. */
  dismiss(ids: number[]): Promise<{ dismissed: number }>;
  clearFinished(): Promise<{ removed: number }>;
  /** Deletes photos from the backend (`DELETE /media/{id}`: original, renditions and record). */
  deleteMedia(mediaIds: string[]): Promise<DeleteMediaResult>;
  /** A folder of the engine's machine (the home folder when `path` is omitted). */
  listFolder(path?: string): Promise<FolderListing>;
  /** A small local WebP preview of a queued image as a data: URL; null when there is none (video, damaged). */
  preview(id: number): Promise<string | null>;
  listAlbums(): Promise<Album[]>;
  createAlbum(title: string): Promise<Album>;
  listAlbumMedia(albumId: string, cursor?: string): Promise<{ media: Media[]; nextCursor: string | null }>;
  listWatches(): Promise<WatchedFolder[]>;
  addWatch(input: { dir: string; albumId?: string; comfyui: boolean }): Promise<WatchedFolder>;
  setWatchEnabled(id: number, enabled: boolean): Promise<void>;
  removeWatch(id: number): Promise<void>;
  getSettings(): Promise<Settings>;
  updateSettings(patch: Partial<Settings>): Promise<Settings>;
}

/** The method list both transports are generated from; `satisfies` keeps it in step with the interface. */
export const engineMethods = [
  'status',
  'listQueue',
  'addPaths',
  'pauseAll',
  'resumeAll',
  'pause',
  'resume',
  'retry',
  'retryAllFailed',
  'cancel',
  'dismiss',
  'clearFinished',
  'deleteMedia',
  'listFolder',
  'preview',
  'listAlbums',
  'createAlbum',
  'listAlbumMedia',
  'listWatches',
  'addWatch',
  'setWatchEnabled',
  'removeWatch',
  'getSettings',
  'updateSettings',
] as const satisfies readonly (keyof EngineApi)[];
export type EngineMethod = (typeof engineMethods)[number];

/** Pushed from the engine to every UI; progress is coalesced (a few per second), never per chunk. */
export type EngineEvent =
  | { type: 'items'; items: QueueItem[] }
  | { type: 'removed'; ids: number[] }
  | { type: 'totals'; totals: QueueTotals }
  | { type: 'online'; online: boolean }
  /** `reason`: why the engine paused itself (the login is gone: "Sign in again..."), absent for a user's pause */
  | { type: 'paused'; paused: boolean; reason?: string }
  | { type: 'watch'; watch: WatchedFolder }
  | { type: 'batch-finished'; uploaded: number; failed: number };

/** What a transport carries: calls answered with `{ok, value}` or `{ok: false, error}`, and events. */
export type EngineCallResult<T = unknown> = { ok: true; value: T } | { ok: false; error: ErrorInfo };

/**
 * The store's shape, apart from the code that fills it, so each slice module can type its part of
 * `FerryState` and reach the rest through `get()` without importing the store that composes them.
 */
import type { StoreApi } from 'zustand/vanilla';
import type { Album, Media } from '../../../shared/api.ts';
import type { EngineApi, EngineEvent, QueueItem, QueueTotals, Settings, UploadTarget, WatchedFolder } from '../../../shared/engine-api.ts';
import { queueTabStates, type QueueTab } from '../../../shared/queue-order.ts';

export type View = 'queue' | 'watched' | 'albums' | 'settings';
export const views: View[] = ['queue', 'watched', 'albums', 'settings'];

export type QueueFilter = QueueTab;
/** Which states each queue tab shows: one definition with the header and the CLI (shared/queue-order.ts). */
export const filterStates = queueTabStates;

export interface Notice {
  id: number;
  /** info: neutral; warn: done, with something to look at (a batch with failures); error: a call failed */
  kind: 'error' | 'warn' | 'info';
  text: string;
  /** when it was shown (ms); its time on screen counts from here, not from the last re-render */
  at: number;
}

export interface AlbumMediaState {
  albumId: string;
  media: Media[];
  nextCursor: string | null;
  loading: boolean;
}

export interface FerryState {
  /** the engine client, for the few components that read from it directly (previews, folder picker) */
  api: EngineApi;
  view: View;
  /** the transport to the engine is up (serve mode's socket; always true on the desktop) */
  linked: boolean;
  ready: boolean;
  online: boolean;
  paused: boolean;
  apiUrl: string;
  totals: QueueTotals;
  filter: QueueFilter;
  /** rows in the current filter */
  total: number;
  /** page index → rows; only pages near the viewport */
  pages: Map<number, QueueItem[]>;
  /** bumps whenever a held row changes, so the list re-renders only then */
  version: number;
  albums: Album[];
  albumsLoaded: boolean;
  albumMedia: AlbumMediaState | null;
  watches: WatchedFolder[];
  settings: Settings | null;
  notices: Notice[];
  lastBatch: { uploaded: number; failed: number } | null;

  setView(view: View): void;
  setFilter(filter: QueueFilter): void;
  /** Tells the store which rows are on screen; it fetches what is missing and drops what is far. */
  showRange(first: number, last: number): void;
  rowAt(index: number): QueueItem | undefined;
  refreshAll(): Promise<void>;
  addPaths(paths: string[], target: UploadTarget): Promise<boolean>;
  pauseAll(): Promise<void>;
  resumeAll(): Promise<void>;
  retry(id: number): Promise<void>;
  cancel(id: number): Promise<void>;
  /** Removes settled rows (a failed or skipped file the user has seen) from the queue. */
  dismissRows(ids: number[]): Promise<void>;
  /** Deletes photos from the open album after the user confirmed; true when all went. */
  deleteMedia(mediaIds: string[]): Promise<boolean>;
  pause(id: number): Promise<void>;
  resume(id: number): Promise<void>;
  retryAllFailed(): Promise<void>;
  clearFinished(): Promise<void>;
  loadAlbums(): Promise<void>;
  createAlbum(title: string): Promise<Album | undefined>;
  openAlbum(albumId: string | null): Promise<void>;
  loadMoreMedia(): Promise<void>;
  loadWatches(): Promise<void>;
  addWatch(input: { dir: string; albumId?: string; comfyui: boolean }): Promise<boolean>;
  setWatchEnabled(id: number, enabled: boolean): Promise<void>;
  removeWatch(id: number): Promise<void>;
  loadSettings(): Promise<void>;
  saveSettings(patch: Partial<Settings>): Promise<boolean>;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
  /** Feeds one engine event in; the connection wires this to `onEvent`. */
  apply(event: EngineEvent): void;
}

export type FerryStore = StoreApi<FerryState>;

/** Runs an engine call; on failure shows "what: reason" as an error notice and yields undefined. */
export type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>;

/**
 * What each slice is built from. Like zustand's slices pattern (`StateCreator<FerryState, [], [],
 * Slice>`), every slice gets the whole store's set/get; the engine and the guard ride along so that
 * no slice builds its own.
 */
export interface SliceContext {
  api: EngineApi;
  set: FerryStore['setState'];
  get: FerryStore['getState'];
  guard: Guard;
}

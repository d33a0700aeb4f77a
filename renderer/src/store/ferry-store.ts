/**
 * The UI's state (zustand). The queue can hold 100,000 files, so the store never mirrors it: it
 * keeps the total, the pages around what is on screen (fetched with `listQueue`), and applies the
 * engine's `items` deltas to rows it holds. Anything that shifts positions (new files, removals, a
 * filter's membership) re-reads the held pages, throttled so a burst costs one round trip.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Album, Media } from '../../../shared/api.ts';
import type {
  DeleteMediaResult,
  EngineApi,
  EngineEvent,
  FileState,
  QueueItem,
  QueueTotals,
  Settings,
  UploadTarget,
  WatchedFolder,
} from '../../../shared/engine-api.ts';
import { fileStates } from '../../../shared/file-states.ts';
import { queueTabStates, type QueueTab } from '../../../shared/queue-order.ts';
import { addedNotice } from '../format.ts';

export const pageSize = 100;
/** pages kept either side of the visible ones; bounds memory whatever the queue length */
const keepAround = 1;
const refreshDelayMs = 250;

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

/** Empty totals, before the first `status` answer. */
export function emptyTotals(): QueueTotals {
  return {
    files: 0,
    byState: Object.fromEntries(fileStates.map((s) => [s, 0])) as Record<FileState, number>,
    bytesTotal: 0,
    bytesSent: 0,
    rate: 0,
    etaSeconds: null,
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export interface StoreOptions {
  initialView?: View;
  /** called after every view change (the app mirrors it into location.hash) */
  onViewChange?: (view: View) => void;
}

/** Creates the store over one engine API. */
export function createFerryStore(api: EngineApi, opts: StoreOptions = {}): FerryStore {
  let noticeId = 0;
  let wanted = { first: 0, last: 0 };
  const inFlight = new Set<number>();
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  // A page answer for an older generation (before a filter change or refresh) is dropped.
  let generation = 0;

  const store = createStore<FerryState>()((set, get) => {
    const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await fn();
      } catch (err) {
        get().notify('error', `${what}: ${message(err)}`);
        return undefined;
      }
    };

    const neededPages = () => {
      const first = Math.max(0, Math.floor(wanted.first / pageSize) - keepAround);
      const last = Math.floor(wanted.last / pageSize) + keepAround;
      const maxPage = Math.max(0, Math.ceil(get().total / pageSize) - 1);
      return { first, last: Math.min(last, maxPage) };
    };

    const fetchPage = async (page: number, gen: number) => {
      if (inFlight.has(page)) return;
      inFlight.add(page);
      try {
        const states = filterStates[get().filter];
        const res = await api.listQueue({ offset: page * pageSize, limit: pageSize, ...(states ? { states: [...states] } : {}) });
        if (gen !== generation) return;
        const pages = new Map(get().pages);
        pages.set(page, res.items);
        set({ pages, total: res.total, version: get().version + 1 });
      } catch (err) {
        if (gen === generation) get().notify('error', `Could not read the queue: ${message(err)}`);
      } finally {
        inFlight.delete(page);
      }
    };

    const fillWindow = async () => {
      const { first, last } = neededPages();
      const pages = get().pages;
      let dropped = false;
      for (const p of pages.keys()) if (p < first || p > last) dropped = true;
      if (dropped) {
        const kept = new Map([...pages].filter(([p]) => p >= first && p <= last));
        set({ pages: kept });
      }
      const gen = generation;
      const missing: number[] = [];
      for (let p = first; p <= last; p++) if (!get().pages.has(p)) missing.push(p);
      await Promise.all(missing.map((p) => fetchPage(p, gen)));
    };

    /** Re-reads the held pages (positions may have shifted), keeping rows on screen meanwhile. */
    const reloadWindow = async () => {
      generation++;
      const gen = generation;
      inFlight.clear();
      const states = filterStates[get().filter];
      const { first, last } = neededPages();
      const fresh = new Map<number, QueueItem[]>();
      let total: number;
      try {
        // One request covering the held pages: cheaper than one per page, and atomic for the view.
        const res = await api.listQueue({
          offset: first * pageSize,
          limit: Math.min(1000, (last - first + 1) * pageSize),
          ...(states ? { states: [...states] } : {}),
        });
        if (gen !== generation) return;
        total = res.total;
        for (let i = 0; i * pageSize < res.items.length; i++) fresh.set(first + i, res.items.slice(i * pageSize, (i + 1) * pageSize));
      } catch (err) {
        if (gen === generation) get().notify('error', `Could not read the queue: ${message(err)}`);
        return;
      }
      set({ pages: fresh, total, version: get().version + 1 });
      await fillWindow();
    };

    // At most one re-read per refreshDelayMs, the first at once: a new file shows without waiting.
    let lastReload = 0;
    const scheduleReload = () => {
      if (refreshTimer) return;
      refreshTimer = setTimeout(
        () => {
          refreshTimer = undefined;
          lastReload = Date.now();
          void reloadWindow();
        },
        Math.max(0, lastReload + refreshDelayMs - Date.now()),
      );
    };

    const applyItems = (items: QueueItem[]) => {
      const filterSet = filterStates[get().filter];
      const pages = get().pages;
      const byId = new Map(items.map((i) => [i.id, i]));
      let changed = false;
      let shifted = false;
      const next = new Map(pages);
      for (const [p, rows] of pages) {
        let copy: QueueItem[] | undefined;
        rows.forEach((row, i) => {
          const upd = byId.get(row.id);
          if (!upd) return;
          byId.delete(row.id);
          // The list is in attention order (shared/queue-order.ts): a new state is a new position.
          if (upd.state !== row.state || (filterSet && !filterSet.includes(upd.state))) shifted = true;
          copy ??= rows.slice();
          copy[i] = upd;
        });
        if (copy) {
          next.set(p, copy);
          changed = true;
        }
      }
      if (changed) set({ pages: next, version: get().version + 1 });
      // Rows we do not hold matter only when they may be entering a filter; new files under 'all'
      // arrive with a `totals` change, which reloads anyway.
      if (filterSet) for (const item of byId.values()) if (filterSet.includes(item.state)) shifted = true;
      if (shifted) scheduleReload();
    };

    return {
      api,
      view: opts.initialView ?? 'queue',
      linked: true,
      ready: false,
      online: true,
      paused: false,
      apiUrl: '',
      totals: emptyTotals(),
      filter: 'all',
      total: 0,
      pages: new Map(),
      version: 0,
      albums: [],
      albumsLoaded: false,
      albumMedia: null,
      watches: [],
      settings: null,
      notices: [],
      lastBatch: null,

      setView(view) {
        set({ view });
        opts.onViewChange?.(view);
        if (view === 'albums') void get().loadAlbums();
        if (view === 'watched') void get().loadWatches();
        if (view === 'settings') void get().loadSettings();
      },

      setFilter(filter) {
        if (filter === get().filter) return;
        generation++;
        inFlight.clear();
        wanted = { first: 0, last: Math.max(0, wanted.last - wanted.first) };
        set({ filter, pages: new Map(), total: 0, version: get().version + 1 });
        void reloadWindow();
      },

      showRange(first, last) {
        wanted = { first: Math.max(0, first), last: Math.max(first, last) };
        void fillWindow();
      },

      rowAt(index) {
        return get().pages.get(Math.floor(index / pageSize))?.[index % pageSize];
      },

      async refreshAll() {
        const status = await guard('Could not reach the engine', () => api.status());
        if (status) {
          set({ online: status.online, paused: status.paused, apiUrl: status.apiUrl, totals: status.totals, ready: true });
        }
        await reloadWindow();
        if (get().view === 'albums') await get().loadAlbums();
        if (get().view === 'watched') await get().loadWatches();
        if (!get().albumsLoaded) await get().loadAlbums();
      },

      async addPaths(paths, target) {
        const res = await guard('Could not add those files', () => api.addPaths(paths, target));
        if (!res) return false;
        get().notify('info', addedNotice(res));
        scheduleReload();
        return true;
      },

      async pauseAll() {
        await guard('Could not pause', () => api.pauseAll());
        set({ paused: true });
      },
      async resumeAll() {
        await guard('Could not resume', () => api.resumeAll());
        set({ paused: false });
      },
      async retry(id) {
        await guard('Could not retry', () => api.retry(id));
      },
      async cancel(id) {
        await guard('Could not cancel', () => api.cancel([id]));
      },
      async dismissRows(ids) {
        const res = await guard('Could not dismiss', () => api.dismiss(ids));
        if (res) scheduleReload();
      },
      async deleteMedia(mediaIds) {
        // The engine takes 100 IDs a call (shared/ipc.ts); a bigger selection goes in slices.
        const res = await guard('Could not delete', async () => {
          const all: DeleteMediaResult = { deleted: [], failed: [] };
          for (let i = 0; i < mediaIds.length; i += 100) {
            const part = await api.deleteMedia(mediaIds.slice(i, i + 100));
            all.deleted.push(...part.deleted);
            all.failed.push(...part.failed);
          }
          return all;
        });
        if (!res) return false;
        const gone = new Set(res.deleted);
        const cur = get().albumMedia;
        if (cur) set({ albumMedia: { ...cur, media: cur.media.filter((m) => !gone.has(m.mediaId)) } });
        const n = res.deleted.length;
        if (res.failed.length) {
          get().notify('error', `Deleted ${n} photo${n === 1 ? '' : 's'}; ${res.failed.length} could not be deleted: ${res.failed[0]!.message}`);
        } else {
          get().notify('info', `Deleted ${n} photo${n === 1 ? '' : 's'}.`);
        }
        // The album's count and cover follow the backend.
        void get().loadAlbums();
        return res.failed.length === 0;
      },
      async pause(id) {
        await guard('Could not pause the file', () => api.pause(id));
      },
      async resume(id) {
        await guard('Could not resume the file', () => api.resume(id));
      },
      async retryAllFailed() {
        const res = await guard('Could not retry', () => api.retryAllFailed());
        if (res) get().notify('info', `Retrying ${res.retried} file${res.retried === 1 ? '' : 's'}.`);
      },
      async clearFinished() {
        const res = await guard('Could not clear', () => api.clearFinished());
        if (res) {
          get().notify('info', `Cleared ${res.removed} finished file${res.removed === 1 ? '' : 's'} from the list.`);
          scheduleReload();
        }
      },

      async loadAlbums() {
        const albums = await guard('Could not load albums', () => api.listAlbums());
        if (albums) set({ albums, albumsLoaded: true });
      },
      async createAlbum(title) {
        const album = await guard('Could not create the album', () => api.createAlbum(title));
        if (album) set({ albums: [album, ...get().albums.filter((a) => a.albumId !== album.albumId)] });
        return album;
      },
      async openAlbum(albumId) {
        if (!albumId) return set({ albumMedia: null });
        set({ albumMedia: { albumId, media: [], nextCursor: null, loading: true } });
        const page = await guard('Could not load the album', () => api.listAlbumMedia(albumId));
        if (get().albumMedia?.albumId !== albumId) return;
        set({ albumMedia: { albumId, media: page?.media ?? [], nextCursor: page?.nextCursor ?? null, loading: false } });
      },
      async loadMoreMedia() {
        const cur = get().albumMedia;
        if (!cur?.nextCursor || cur.loading) return;
        set({ albumMedia: { ...cur, loading: true } });
        const page = await guard('Could not load more', () => api.listAlbumMedia(cur.albumId, cur.nextCursor ?? undefined));
        const now = get().albumMedia;
        if (now?.albumId !== cur.albumId) return;
        set({
          albumMedia: {
            ...now,
            media: [...now.media, ...(page?.media ?? [])],
            nextCursor: page ? page.nextCursor : now.nextCursor,
            loading: false,
          },
        });
      },

      async loadWatches() {
        const watches = await guard('Could not load watched folders', () => api.listWatches());
        if (watches) set({ watches });
      },
      async addWatch(input) {
        const watch = await guard('Could not watch that folder', () => api.addWatch(input));
        if (!watch) return false;
        set({ watches: [...get().watches.filter((w) => w.id !== watch.id), watch] });
        return true;
      },
      async setWatchEnabled(id, enabled) {
        set({ watches: get().watches.map((w) => (w.id === id ? { ...w, enabled } : w)) });
        const ok = await guard('Could not change the folder', () => api.setWatchEnabled(id, enabled).then(() => true));
        if (!ok) set({ watches: get().watches.map((w) => (w.id === id ? { ...w, enabled: !enabled } : w)) });
      },
      async removeWatch(id) {
        const ok = await guard('Could not stop watching', () => api.removeWatch(id).then(() => true));
        if (ok) set({ watches: get().watches.filter((w) => w.id !== id) });
      },

      async loadSettings() {
        const settings = await guard('Could not load settings', () => api.getSettings());
        if (settings) set({ settings });
      },
      async saveSettings(patch) {
        const settings = await guard('Could not save settings', () => api.updateSettings(patch));
        if (!settings) return false;
        set({ settings });
        get().notify('info', 'Settings saved.');
        return true;
      },

      notify(kind, text) {
        const id = ++noticeId;
        // Keep the last few; older ones have scrolled out of relevance.
        set({ notices: [...get().notices.slice(-2), { id, kind, text, at: Date.now() }] });
      },
      dismiss(id) {
        set({ notices: get().notices.filter((n) => n.id !== id) });
      },

      apply(event) {
        switch (event.type) {
          case 'items':
            return applyItems(event.items);
          case 'removed':
            return scheduleReload();
          case 'totals': {
            const before = get().totals;
            set({ totals: event.totals });
            if (before.files !== event.totals.files || get().filter !== 'all') scheduleReload();
            return;
          }
          case 'online':
            return set({ online: event.online });
          case 'paused':
            return set({ paused: event.paused });
          case 'watch':
            return set({
              watches: get().watches.some((w) => w.id === event.watch.id)
                ? get().watches.map((w) => (w.id === event.watch.id ? event.watch : w))
                : [...get().watches, event.watch],
            });
          case 'batch-finished':
            set({ lastBatch: { uploaded: event.uploaded, failed: event.failed } });
            // A finished batch is news, not an error: amber when some files need a look, neutral otherwise.
            get().notify(
              event.failed ? 'warn' : 'info',
              event.failed
                ? `Batch finished: ${event.uploaded} uploaded, ${event.failed} failed. Each failed row says what to do; "Retry all failed" sends them again.`
                : `Batch finished: ${event.uploaded} uploaded, thumbnails ready on the Albums page.`,
            );
            if (get().albumMedia) void get().openAlbum(get().albumMedia?.albumId ?? null);
            void get().loadAlbums();
            return;
          default: {
            const _never: never = event;
            return _never;
          }
        }
      },
    };
  });
  return store;
}

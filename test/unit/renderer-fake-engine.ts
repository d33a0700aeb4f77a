/**
 * TEST ONLY: an in-memory `EngineApi` for the renderer's component tests. It keeps a queue of any
 * length as plain objects, answers every method of the contract, records calls, and lets a test
 * push engine events, so stores and views are exercised without a backend. The real engine is
 * covered by the engine's own tests and by the e2e suite.
 */
import type { Album, Media } from '../../shared/api.ts';
import type {
  EngineApi,
  EngineEvent,
  FileState,
  QueueItem,
  QueueTotals,
  Settings,
  UploadTarget,
  WatchedFolder,
} from '../../shared/engine-api.ts';
import { fileStates } from '../../shared/engine-api.ts';
import { segmentSlices } from '../../shared/queue-order.ts';

export interface FakeCall {
  method: keyof EngineApi;
  args: unknown[];
}

/** Makes `n` queued items with ids 1..n. */
export function makeItems(n: number, over: Partial<QueueItem> = {}): QueueItem[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    path: `/photos/trip/img-${String(i + 1).padStart(6, '0')}.jpg`,
    size: 2_000_000,
    state: 'queued' as FileState,
    bytesSent: 0,
    rate: 0,
    etaSeconds: null,
    attempts: 0,
    updatedAt: '2026-11-24T12:00:00.000Z',
    ...over,
  }));
}

export class InMemoryFakeEngine {
  items: QueueItem[];
  albums: Album[] = [];
  media = new Map<string, Media[]>();
  watches: WatchedFolder[] = [];
  settings: Settings = { backend: { mode: 'embedded' }, concurrency: 4, partConcurrency: 4, bandwidthLimit: 0, bandwidthSchedule: '', startAtLogin: false, pauseOnBattery: false };
  online = true;
  paused = false;
  calls: FakeCall[] = [];
  /** media IDs deleteMedia reports as failed */
  undeletable = new Set<string>();
  /** the machine's folders for listFolder, by absolute path */
  folders: Record<string, { folders: string[]; mediaFiles: number }> = { '/home/you': { folders: ['Pictures'], mediaFiles: 0 } };
  /** set to make the next call of that method throw this error */
  failNext = new Map<keyof EngineApi, Error>();
  private listeners = new Set<(e: EngineEvent) => void>();
  private nextId: number;

  constructor(items: QueueItem[] = []) {
    this.items = items;
    this.nextId = items.length + 1;
  }

  onEvent(listener: (e: EngineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  emit(event: EngineEvent): void {
    for (const l of this.listeners) l(event);
  }

  totals(): QueueTotals {
    const byState = Object.fromEntries(fileStates.map((s) => [s, 0])) as Record<FileState, number>;
    let bytesTotal = 0;
    let bytesSent = 0;
    for (const i of this.items) {
      byState[i.state]++;
      bytesTotal += i.size;
      bytesSent += i.bytesSent;
    }
    return { files: this.items.length, byState, bytesTotal, bytesSent, rate: 0, etaSeconds: null };
  }

  /** Changes one item and pushes the `items` and `totals` events, as the engine does. */
  update(id: number, patch: Partial<QueueItem>): QueueItem {
    const idx = this.items.findIndex((i) => i.id === id);
    const item = { ...this.items[idx]!, ...patch };
    this.items[idx] = item;
    this.emit({ type: 'items', items: [item] });
    this.emit({ type: 'totals', totals: this.totals() });
    return item;
  }

  /** The `EngineApi` the store is given; every call is recorded in `calls`. */
  get api(): EngineApi {
    const record = <T>(method: keyof EngineApi, args: unknown[], fn: () => T): Promise<Awaited<T>> => {
      this.calls.push({ method, args });
      const err = this.failNext.get(method);
      if (err) {
        this.failNext.delete(method);
        return Promise.reject(err);
      }
      return Promise.resolve(fn()) as Promise<Awaited<T>>;
    };
    return {
      status: () => record('status', [], () => ({ online: this.online, paused: this.paused, apiUrl: 'http://127.0.0.1:1', totals: this.totals() })),
      listQueue: (q) =>
        record('listQueue', [q], () => {
          // The engine's attention order (shared/queue-order.ts), paged exactly as the SQLite store pages it.
          const byState = new Map<FileState, QueueItem[]>();
          for (const i of this.items) {
            const rows = byState.get(i.state);
            if (rows) rows.push(i);
            else byState.set(i.state, [i]);
          }
          const counts = Object.fromEntries([...byState].map(([s, rows]) => [s, rows.length]));
          const items = segmentSlices(counts, q.offset, q.limit, q.states).flatMap((sl) => {
            const rows = byState.get(sl.state)!.sort((a, b) => (sl.newestFirst ? b.id - a.id : a.id - b.id));
            return rows.slice(sl.offset, sl.offset + sl.limit);
          });
          const total = q.states ? this.items.filter((i) => q.states!.includes(i.state)).length : this.items.length;
          return { items, total };
        }),
      addPaths: (paths: string[], target: UploadTarget) =>
        record('addPaths', [paths, target], () => {
          // A .txt stands for a file Ferry does not upload; a path already queued is skipped.
          const unsupported = paths.filter((p) => p.endsWith('.txt'));
          const queued = paths.filter((p) => !p.endsWith('.txt') && this.items.some((i) => i.path === p));
          const fresh = paths.filter((p) => !unsupported.includes(p) && !queued.includes(p));
          const added = makeItems(fresh.length).map((i, k) => ({ ...i, id: this.nextId + k, path: fresh[k]!, ...(target.albumId ? { albumId: target.albumId } : {}) }));
          this.nextId += added.length;
          this.items.push(...added);
          this.emit({ type: 'totals', totals: this.totals() });
          return { added: added.length, skipped: unsupported.length + queued.length, unsupported: unsupported.length };
        }),
      pauseAll: () => record('pauseAll', [], () => void (this.paused = true)),
      resumeAll: () => record('resumeAll', [], () => void (this.paused = false)),
      pause: (id) => record('pause', [id], () => void this.update(id, { state: 'paused' })),
      resume: (id) => record('resume', [id], () => void this.update(id, { state: 'queued' })),
      retry: (id) => record('retry', [id], () => void this.update(id, { state: 'queued', error: undefined })),
      retryAllFailed: () =>
        record('retryAllFailed', [], () => {
          const failed = this.items.filter((i) => i.state === 'failed');
          for (const f of failed) this.update(f.id, { state: 'queued', error: undefined });
          return { retried: failed.length };
        }),
      cancel: (ids) => record('cancel', [ids], () => ids.forEach((id) => this.update(id, { state: 'cancelled' }))),
      dismiss: (ids) =>
        record('dismiss', [ids], () => {
          const gone = this.items.filter((i) => ids.includes(i.id) && ['failed', 'skipped', 'cancelled', 'uploaded'].includes(i.state));
          this.items = this.items.filter((i) => !gone.includes(i));
          this.emit({ type: 'removed', ids: gone.map((g) => g.id) });
          this.emit({ type: 'totals', totals: this.totals() });
          return { dismissed: gone.length };
        }),
      deleteMedia: (mediaIds) =>
        record('deleteMedia', [mediaIds], () => {
          const deleted: string[] = [];
          const failed: { mediaId: string; message: string }[] = [];
          for (const id of mediaIds) {
            if (this.undeletable.has(id)) failed.push({ mediaId: id, message: 'The backend refused.' });
            else deleted.push(id);
          }
          for (const [albumId, list] of this.media) this.media.set(albumId, list.filter((m) => !deleted.includes(m.mediaId)));
          return { deleted, failed };
        }),
      listFolder: (path) =>
        record('listFolder', [path], () => {
          const at = path ?? '/home/you';
          const entry = this.folders[at];
          if (!entry) throw new Error(`No folder at ${at}.`);
          return { path: at, parent: at === '/' ? null : at.slice(0, at.lastIndexOf('/')) || '/', ...entry };
        }),
      preview: (id) => record('preview', [id], () => (this.items.some((i) => i.id === id) ? `data:image/webp;base64,UklGRg==#${id}` : null)),
      clearFinished: () =>
        record('clearFinished', [], () => {
          const done = this.items.filter((i) => i.state === 'uploaded' || i.state === 'skipped' || i.state === 'cancelled');
          this.items = this.items.filter((i) => !done.includes(i));
          this.emit({ type: 'removed', ids: done.map((d) => d.id) });
          return { removed: done.length };
        }),
      listAlbums: () => record('listAlbums', [], () => this.albums),
      createAlbum: (title) =>
        record('createAlbum', [title], () => {
          const now = new Date().toISOString();
          const album: Album = { albumId: `album-${this.albums.length + 1}`, title, mediaCount: 0, createdAt: now, updatedAt: now };
          this.albums.push(album);
          return album;
        }),
      listAlbumMedia: (albumId, cursor) => record('listAlbumMedia', [albumId, cursor], () => ({ media: this.media.get(albumId) ?? [], nextCursor: null })),
      listWatches: () => record('listWatches', [], () => this.watches),
      addWatch: (input) =>
        record('addWatch', [input], () => {
          const w: WatchedFolder = { id: this.watches.length + 1, dir: input.dir, comfyui: input.comfyui, enabled: true, missing: false, ...(input.albumId ? { albumId: input.albumId } : {}) };
          this.watches.push(w);
          return w;
        }),
      setWatchEnabled: (id, enabled) => record('setWatchEnabled', [id, enabled], () => void (this.watches = this.watches.map((w) => (w.id === id ? { ...w, enabled } : w)))),
      removeWatch: (id) => record('removeWatch', [id], () => void (this.watches = this.watches.filter((w) => w.id !== id))),
      getSettings: () => record('getSettings', [], () => this.settings),
      updateSettings: (patch) => record('updateSettings', [patch], () => (this.settings = { ...this.settings, ...patch })),
    };
  }
}

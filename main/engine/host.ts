/**
 * The one way to build a running engine: the CLI, `ferry serve` and Electron all call
 * `openEngineHost`. It opens the queue, finds the backend (remote, or the data dir's embedded one,
 * started if needed), builds the engine over real I/O, starts the enabled watched folders, and
 * exposes the whole `EngineApi` of shared/engine-api.ts.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EngineApi, EngineEvent, Settings, UploadTarget, WatchedFolder } from '../../shared/engine-api.ts';
import { dataPaths } from '../config/paths.ts';
import { ensureEmbeddedBackend, type BackendHandle, type ForkBackend } from '../launcher/launch.ts';
import { openDatabase } from '../store/db.ts';
import { QueueStore } from '../store/queue-store.ts';
import { createApiClient, type ApiClient } from './api-client.ts';
import { Engine, type EngineOptionsInput } from './engine.ts';
import { sha256File } from './hash.ts';
import { sha256Parts } from './part-hasher.ts';
import { loadSettings, saveSettings } from './settings.ts';
import { realClock, type Clock } from './clock.ts';

import { TokenBucket } from './token-bucket.ts';
import { createGotTransport } from './transport.ts';
import type { FolderWatcher, WatchOptions } from '../intake/watcher.ts';
import { addPaths, type AddOptions, type AddResult } from '../intake/add-paths.ts';

/** Kept here too: callers imported real time from the host before clock.ts existed. */
export { realClock } from './clock.ts';

export interface EngineHost {
  api: EngineApi;
  onEvent(listener: (e: EngineEvent) => void): () => void;
  close(): Promise<void>;
}

/** The host plus what the CLI needs beyond the UI's API. */
export interface EngineHostInternals extends EngineHost {
  engine: Engine;
  store: QueueStore;
  client: ApiClient;
  apiUrl: string;
  /** adds paths and returns the row of every file given (the CLI reports on exactly those) */
  addPathsWithIds(paths: string[], target: UploadTarget, opts?: Partial<AddOptions>): Promise<AddResult>;
}

export interface OpenEngineHostOptions {
  dataDir: string;
  apiUrl?: string;
  token?: string;
  /** how to fork the embedded backend when none is running and no remote API is configured (Electron: a utility process); default `node bin/ferry.js backend` detached */
  forkBackend?: ForkBackend;
  /** engine tuning (tests shorten backoff and probing); settings still win for concurrency */
  engineOptions?: EngineOptionsInput;
  watchOptions?: Partial<WatchOptions>;
  /** the watchers' clock (default real time): integration tests drive write-finish on fake time */
  watchClock?: Clock;
  /** test hook: wraps the engine's API client, to observe its calls (probes) or fault them */
  wrapApi?: (api: ApiClient) => ApiClient;
  /** test hook: a watched folder reported a finished file, and the queue took it (`added` 1) or already had it (0) */
  onWatchedFile?: (watchId: number, path: string, added: number) => void;
  /** stall watchdog for presigned PUTs */
  stallMs?: number;
  /** start the enabled watched folders (the CLI's `upload` does not want them) */
  startWatches?: boolean;
  /** one run's concurrency and bandwidth (CLI flags), not written to settings */
  overrides?: Partial<Pick<Settings, 'concurrency' | 'partConcurrency' | 'bandwidthLimit'>>;
  /** stop an embedded backend this host started when it closes (default true) */
  stopBackendOnClose?: boolean;
}

/** Opens the engine for a data directory (see the module comment). */
export async function openEngineHost(opts: OpenEngineHostOptions): Promise<EngineHostInternals> {
  const dataDir = resolve(opts.dataDir);
  const paths = dataPaths(dataDir);
  let settings: Settings = loadSettings(paths.settings);
  const run = { ...settings, ...opts.overrides };

  let backend: BackendHandle | undefined;
  let apiUrl: string;
  let token: string;
  if (opts.apiUrl) {
    apiUrl = opts.apiUrl;
    token = opts.token ?? '';
  } else if (settings.backend.mode === 'remote') {
    apiUrl = settings.backend.apiUrl;
    token = settings.backend.token;
  } else {
    backend = await ensureEmbeddedBackend(dataDir, { fork: opts.forkBackend });
    apiUrl = backend.api;
    token = backend.token;
  }

  const store = new QueueStore(openDatabase(paths.queueDb));
  const client = createApiClient({ baseUrl: apiUrl, token });
  const engineApi = opts.wrapApi ? opts.wrapApi(client) : client;
  const bucket = new TokenBucket(run.bandwidthLimit, realClock);
  const engine = new Engine(
    {
      store,
      api: engineApi,
      transport: createGotTransport({ bucket, clock: realClock, ...(opts.stallMs ? { stallMs: opts.stallMs } : {}) }),
      clock: realClock,
      random: Math.random,
      hashFile: sha256File,
      hashParts: sha256Parts,
      statFile: async (p) => {
        const s = await stat(p);
        return { size: s.size, mtimeMs: s.mtimeMs };
      },
    },
    { ...opts.engineOptions, concurrency: run.concurrency, partConcurrency: run.partConcurrency },
  );
  engine.start();

  const listeners = new Set<(e: EngineEvent) => void>();
  const emit = (e: EngineEvent) => {
    for (const l of listeners) l(e);
  };
  engine.onEvent(emit);

  const watchers = new Map<number, FolderWatcher>();
  const withMissing = (w: Omit<WatchedFolder, 'missing'>): WatchedFolder => ({ ...w, missing: watchers.get(w.id)?.missing ?? false });
  const watchView = (id: number): WatchedFolder | undefined => {
    const w = store.intake.getWatch(id);
    return w ? withMissing(w) : undefined;
  };
  const addWithIds = async (p: string[], target: UploadTarget, o: Partial<AddOptions> = {}) => {
    const r = await addPaths(store, p, target, { requeueFailed: true, ...o });
    for (const id of r.ids) engine.touch(id);
    engine.kick();
    return r;
  };
  // chokidar is loaded only when a folder is watched: `ferry upload` never pays its memory.
  const startWatch = async (id: number) => {
    const w = store.intake.getWatch(id);
    if (!w || !w.enabled || watchers.has(id)) return;
    const { FolderWatcher } = await import('../intake/watcher.ts');
    if (watchers.has(id)) return;
    const fw = new FolderWatcher(
      w,
      (path, target) => {
        void addWithIds([path], target, { requeueFailed: false }).then((r) => {
          if (r.added > 0) {
            store.intake.setWatchActivity(id, `queued ${path}`);
            const view = watchView(id);
            if (view) emit({ type: 'watch', watch: view });
          }
          opts.onWatchedFile?.(id, path, r.added);
        }, () => undefined);
      },
      () => {
        const view = watchView(id);
        if (view) emit({ type: 'watch', watch: view });
      },
      opts.watchOptions,
      opts.watchClock,
    );
    watchers.set(id, fw);
    fw.start();
  };
  const stopWatch = async (id: number) => {
    await watchers.get(id)?.close();
    watchers.delete(id);
  };
  if (opts.startWatches !== false) for (const w of store.intake.listWatches()) if (w.enabled) await startWatch(w.id);

  const api: EngineApi = {
    status: async () => ({ online: engine.online, paused: engine.paused, apiUrl, totals: engine.totals() }),
    listQueue: async ({ offset, limit, states }) => {
      const page = store.page(Math.max(0, offset), Math.min(Math.max(1, limit), 1000), states);
      return { items: page.rows.map((r) => engine.toItem(r)), total: page.total };
    },
    addPaths: async (p, target) => {
      const r = await addWithIds(p, target);
      return { added: r.added, skipped: r.skipped };
    },
    pauseAll: async () => engine.pauseAll(),
    resumeAll: async () => engine.resumeAll(),
    pause: (id) => engine.pause(id),
    resume: async (id) => engine.resume(id),
    retry: async (id) => {
      engine.retry(id);
    },
    retryAllFailed: async () => ({ retried: engine.retryAllFailed() }),
    cancel: (id) => engine.cancel(id),
    clearFinished: async () => ({ removed: engine.clearFinished().length }),
    listAlbums: () => client.listAlbums(),
    createAlbum: (title) => client.createAlbum(title),
    listAlbumMedia: (albumId, cursor) => client.listAlbumMedia(albumId, cursor),
    listWatches: async () => store.intake.listWatches().map(withMissing),
    addWatch: async ({ dir, albumId, comfyui }) => {
      if (!comfyui && !albumId) throw new Error('a watched folder needs an album unless it is a ComfyUI folder');
      const id = store.intake.upsertWatch(resolve(dir), albumId, comfyui);
      await stopWatch(id);
      await startWatch(id);
      return watchView(id)!;
    },
    setWatchEnabled: async (id, enabled) => {
      store.intake.setWatchEnabled(id, enabled);
      if (enabled) await startWatch(id);
      else await stopWatch(id);
      const view = watchView(id);
      if (view) emit({ type: 'watch', watch: view });
    },
    removeWatch: async (id) => {
      await stopWatch(id);
      store.intake.removeWatch(id);
    },
    getSettings: async () => settings,
    updateSettings: async (patch) => {
      settings = { ...settings, ...patch };
      saveSettings(paths.settings, settings);
      engine.setConcurrency(settings.concurrency, settings.partConcurrency);
      bucket.setRate(settings.bandwidthLimit);
      return settings;
    },
  };

  let closed = false;
  return {
    api,
    engine,
    store,
    client,
    apiUrl,
    addPathsWithIds: addWithIds,
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await Promise.all([...watchers.keys()].map(stopWatch));
      await engine.stop();
      store.db.close();
      if (backend && opts.stopBackendOnClose !== false) await backend.stop();
    },
  };
}

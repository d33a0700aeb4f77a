/**
 * The one way to build a running engine: the CLI, `ferry serve` and Electron all call
 * `openEngineHost`. It opens the queue, finds the backend (remote, or the data dir's embedded one,
 * started if needed), builds the engine over real I/O, starts the enabled watched folders, and
 * exposes the whole `EngineApi` of shared/engine-api.ts.
 */
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { EngineApi, EngineEvent, Settings, UploadTarget } from '../../shared/engine-api.ts';
import { dataPaths, preparePrivateDataDir } from '../config/paths.ts';
import { ensureEmbeddedBackend, type BackendHandle, type ForkBackend } from '../launcher/launch.ts';
import { openDatabase } from '../store/db.ts';
import { QueueStore } from '../store/queue-store.ts';
import { fileCredentialStore, type CredentialStore } from '../auth/credentials.ts';
import { LoginTokenProvider } from '../auth/token-provider.ts';
import { createApiClient, type ApiClient } from '../engine/api-client.ts';
import { Engine, type EngineOptionsInput } from '../engine/engine.ts';
import { sha256File } from '../engine/hash.ts';
import { sha256Parts } from '../engine/part-hasher.ts';
import { keepBackendSecret, loadSettings, redactSettings, saveSettings } from './settings.ts';
import { realClock, type Clock } from '../engine/clock.ts';

import { TokenBucket } from '../engine/token-bucket.ts';
import { createGotTransport } from '../engine/transport.ts';
import type { WatchOptions } from '../intake/watcher.ts';
import { addPaths, targetKey, type AddOptions, type AddResult } from '../intake/add-paths.ts';
import { parseBwSchedule } from '../../shared/bwlimit.ts';
import { PreviewCache } from './previews.ts';
import { listFolder } from './folders.ts';
import { deleteMediaMany } from './delete-media.ts';
import { WatchLeases } from '../intake/watch-lease.ts';
import { WatchSupervisor } from '../intake/watch-supervisor.ts';
import { apiOrigin, backendKey } from '../../shared/backend-key.ts';

/** Kept here too: callers imported real time from the host before clock.ts existed. */
export { realClock } from '../engine/clock.ts';

export interface EngineHost {
  api: EngineApi;
  /** queue-row previews as bytes, for serve mode's HTTP endpoint */
  previews: PreviewCache;
  onEvent(listener: (e: EngineEvent) => void): () => void;
  close(): Promise<void>;
}

/** The host plus what the CLI needs beyond the UI's API. */
export interface EngineHostInternals extends EngineHost {
  engine: Engine;
  store: QueueStore;
  client: ApiClient;
  apiUrl: string;
  /** set while the engine is paused because the login is gone: the sentence to show */
  readonly signInRequired: string | undefined;
  /** the backend (user + API) this host's rows are bound to */
  backendKey: string;
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
  overrides?: Partial<Pick<Settings, 'concurrency' | 'partConcurrency' | 'bandwidthLimit' | 'bandwidthSchedule'>>;
  /** stop an embedded backend this host started when it closes (default true) */
  stopBackendOnClose?: boolean;
  /** saved logins (`ferry login`); default the data dir's file, Electron passes its keychain-backed one */
  credentials?: CredentialStore;
  /** how often a host paused for sign-in looks for a new login (default 5 s) */
  signInPollMs?: number;
  /** what holds watch leases here, as other processes show it (`ferry watch`, the desktop app) */
  holder?: string;
  /** one run's `--replace` / `--strip-secrets` (CLI flags), over the settings */
  intake?: { replace?: boolean; stripSecrets?: boolean };
}

/**
 * The user this host's API signs in as, for binding rows to (user, API). Remembered per API, so an
 * engine that starts offline still knows whose rows are its own; with neither answer nor memory,
 * rows wait under "unknown" until a start that can ask.
 */
async function resolveUser(client: ApiClient, store: QueueStore, origin: string): Promise<string> {
  const flag = `backend-user:${origin}`;
  try {
    const user = await client.me(AbortSignal.timeout(5000));
    store.setFlag(flag, user.userId);
    return user.userId;
  } catch {
    return store.getFlag(flag) ?? 'unknown';
  }
}

/** Opens the engine for a data directory (see the module comment). */
export async function openEngineHost(opts: OpenEngineHostOptions): Promise<EngineHostInternals> {
  const dataDir = resolve(opts.dataDir);
  const paths = dataPaths(dataDir);
  preparePrivateDataDir(dataDir);
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
  // A remote API without a token uses the login `ferry login` saved for it, if there is one.
  const credentials = opts.credentials ?? fileCredentialStore(dataDir);
  const saved = !backend && !token ? await credentials.load(apiUrl) : undefined;
  const auth = saved ? signInPause(store, () => engine, (e) => emit(e), opts.signInPollMs ?? 5000) : undefined;
  const provider = auth ? new LoginTokenProvider({ apiUrl, store: credentials, onSignedOut: auth.signedOut, onSignedIn: auth.signedIn }) : undefined;
  auth?.bind(provider!);
  const client = createApiClient({ baseUrl: apiUrl, token: provider ?? token });
  const engineApi = opts.wrapApi ? opts.wrapApi(client) : client;
  const bucket = new TokenBucket(run.bandwidthLimit, realClock);
  // Checked when saved (ipc schema) or given (--bwlimit); an unreadable hand-edited file means no table.
  const scheduleOf = (text: string) => {
    try {
      return parseBwSchedule(text);
    } catch {
      return null;
    }
  };
  bucket.setSchedule(scheduleOf(run.bandwidthSchedule));
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
  const key = backendKey(await resolveUser(client, store, backend ? 'embedded' : apiOrigin(apiUrl)), backend ? 'embedded' : apiOrigin(apiUrl));
  store.bindBackend(key);
  engine.start();

  const previews = new PreviewCache({ dir: join(dataDir, 'previews'), pathOf: (id) => store.get(id)?.path });
  const listeners = new Set<(e: EngineEvent) => void>();
  const emit = (e: EngineEvent) => {
    for (const l of listeners) l(e);
  };
  engine.onEvent(emit);
  auth?.resumeIfSignedIn();
  if (!auth && store.getFlag(PAUSED_FOR_SIGN_IN) === '1') {
    // Paused for a login that this run does not use (a --token, the embedded backend): nothing to wait for.
    store.setFlag(PAUSED_FOR_SIGN_IN, '0');
    engine.resumeAll();
  }

  const intakeOpts = () => ({
    replace: opts.intake?.replace ?? settings.replaceChanged ?? false,
    stripSecrets: opts.intake?.stripSecrets ?? settings.stripSecrets ?? false,
    stagingDir: join(dataDir, 'staged'),
  });
  const addWithIds = async (p: string[], target: UploadTarget, o: Partial<AddOptions> = {}) => {
    const r = await addPaths(store, p, target, { requeueFailed: true, ...intakeOpts(), ...o });
    for (const id of r.ids) engine.touch(id);
    for (const n of r.notices) emit({ type: 'notice', ...n });
    await engine.supersede(r.superseded);
    engine.kick();
    return r;
  };
  const watches = new WatchSupervisor({
    intake: store.intake,
    leases: new WatchLeases(dataDir),
    holder: opts.holder ?? `Ferry (pid ${process.pid})`,
    ...(opts.watchOptions ? { watchOptions: opts.watchOptions } : {}),
    ...(opts.watchClock ? { clock: opts.watchClock } : {}),
    known: (path, size, mtimeMs, target) => {
      const row = store.findByPath(path, targetKey(target));
      return row !== undefined && (row.sourceSize ?? row.size) === size && row.mtimeMs === mtimeMs;
    },
    addFile: async (id, ready, target) => {
      const { added } = await addWithIds([ready.path], target, { requeueFailed: false, version: { size: ready.size, mtimeMs: ready.mtimeMs } });
      opts.onWatchedFile?.(id, ready.path, added);
      return added > 0;
    },
    emit,
  });
  if (opts.startWatches !== false) await watches.startAll();

  const api: EngineApi = {
    status: async () => ({ online: engine.online, paused: engine.paused, apiUrl, totals: engine.totals() }),
    listQueue: async ({ offset, limit, states }) => {
      const page = store.pageOrdered(Math.max(0, offset), Math.min(Math.max(1, limit), 1000), states);
      return { items: page.rows.map((r) => engine.toItem(r)), total: page.total };
    },
    addPaths: async (p, target) => {
      const r = await addWithIds(p, target);
      return { added: r.added, skipped: r.skipped, unsupported: r.unsupported };
    },
    pauseAll: async () => engine.pauseAll(),
    resumeAll: async () => engine.resumeAll(),
    pause: (id) => engine.pause(id),
    resume: async (id) => engine.resume(id),
    retry: async (id) => {
      engine.retry(id);
    },
    retryAllFailed: async () => ({ retried: engine.retryAllFailed() }),
    cancel: (ids) => engine.cancelMany(ids),
    dismiss: async (ids) => ({ dismissed: engine.dismiss(ids).length }),
    clearFinished: async () => ({ removed: engine.clearFinished().length }),
    deleteMedia: (mediaIds) => deleteMediaMany(client, store, mediaIds, (ids) => emit({ type: 'removed', ids })),
    listFolder: (path) => listFolder(path),
    preview: (id) => previews.dataUrl(id),
    listAlbums: () => client.listAlbums(),
    createAlbum: (title) => client.createAlbum(title),
    listAlbumMedia: (albumId, cursor) => client.listAlbumMedia(albumId, cursor),
    listWatches: async () => watches.list(),
    addWatch: async ({ dir, albumId, comfyui }) => {
      if (!comfyui && !albumId) throw new Error('a watched folder needs an album unless it is a ComfyUI folder');
      const id = store.intake.upsertWatch(resolve(dir), albumId, comfyui);
      await watches.stop(id);
      await watches.start(id);
      return watches.view(id)!;
    },
    // Enabling a folder whose watcher died takes it over; one another live process watches stays theirs.
    setWatchEnabled: async (id, enabled) => {
      store.intake.setWatchEnabled(id, enabled);
      if (enabled) await watches.start(id);
      else await watches.stop(id);
      const view = watches.view(id);
      if (view) emit({ type: 'watch', watch: view });
    },
    removeWatch: async (id) => {
      await watches.stop(id);
      store.intake.removeWatch(id);
    },
    getSettings: async () => redactSettings(settings),
    updateSettings: async (patch) => {
      settings = { ...settings, ...patch, ...(patch.backend ? { backend: keepBackendSecret(patch.backend, settings.backend) } : {}) };
      saveSettings(paths.settings, settings);
      engine.setConcurrency(settings.concurrency, settings.partConcurrency);
      bucket.setRate(settings.bandwidthLimit);
      bucket.setSchedule(scheduleOf(settings.bandwidthSchedule));
      return redactSettings(settings);
    },
  };

  let closed = false;
  return {
    api,
    previews,
    engine,
    store,
    client,
    apiUrl,
    get signInRequired() {
      return auth?.message();
    },
    backendKey: key,
    addPathsWithIds: addWithIds,
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close: async () => {
      if (closed) return;
      closed = true;
      auth?.close();
      await watches.close();
      await engine.stop();
      store.db.close();
      if (backend && opts.stopBackendOnClose !== false) await backend.stop();
    },
  };
}

/** Queue flag: the engine was paused because the login was lost, and resumes by itself after sign-in. */
const PAUSED_FOR_SIGN_IN = 'pausedForSignIn';

/**
 * The pause-on-lost-login hook, kept out of the engine: the token provider reports the loss, this
 * pauses the engine (rows in flight go back to `queued` through AuthRequiredError, an abort), tells
 * the clients why, and polls the saved login until `ferry login` replaces it, then resumes.
 */
function signInPause(store: QueueStore, engine: () => Engine, emit: (e: EngineEvent) => void, pollMs: number) {
  let provider: LoginTokenProvider | undefined;
  let reason: string | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stopPolling = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const poll = () => {
    if (timer) return;
    timer = setInterval(() => void provider?.check(), pollMs);
    timer.unref?.();
  };
  return {
    bind: (p: LoginTokenProvider) => (provider = p),
    message: () => reason,
    signedOut: (message: string) => {
      reason = message;
      store.setFlag(PAUSED_FOR_SIGN_IN, '1');
      engine().pauseAll();
      emit({ type: 'paused', paused: true, reason: message });
      poll();
    },
    signedIn: () => {
      reason = undefined;
      stopPolling();
      if (store.getFlag(PAUSED_FOR_SIGN_IN) !== '1') return;
      store.setFlag(PAUSED_FOR_SIGN_IN, '0');
      engine().resumeAll();
    },
    /** a pause left by an earlier run: resume now if the login works again, else keep polling */
    resumeIfSignedIn: () => {
      if (store.getFlag(PAUSED_FOR_SIGN_IN) !== '1') return;
      void provider?.check().then((ok) => {
        if (!ok) return;
        store.setFlag(PAUSED_FOR_SIGN_IN, '0');
        engine().resumeAll();
      });
    },
    close: stopPolling,
  };
}

/**
 * The UI's state (zustand), composed from slices (zustand's slices pattern): queue paging
 * (queue-pages.ts), queue actions, albums, watched folders, settings and notices each own their
 * part of `FerryState`; engine events are applied in engine-events.ts. This file holds what is the
 * whole app's (view, link, engine status) and is the one import for the store's users.
 */
import { createStore } from 'zustand/vanilla';
import type { EngineApi, FileState, QueueTotals } from '../../../shared/engine-api.ts';
import { fileStates } from '../../../shared/file-states.ts';
import { albumsSlice } from './albums.ts';
import { applyEngineEvent } from './engine-events.ts';
import type { FerryState, FerryStore, SliceContext, View } from './ferry-state.ts';
import { createGuard, noticesSlice } from './notices.ts';
import { queueActionsSlice } from './queue-actions.ts';
import { createQueuePages } from './queue-pages.ts';
import { settingsSlice } from './settings.ts';
import { watchesSlice } from './watches.ts';

export { filterStates, views } from './ferry-state.ts';
export type { AlbumMediaState, FerryState, FerryStore, Notice, QueueFilter, View } from './ferry-state.ts';
export { pageSize } from './queue-pages.ts';

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

export interface StoreOptions {
  initialView?: View;
  /** called after every view change (the app mirrors it into location.hash) */
  onViewChange?: (view: View) => void;
}

/** Creates the store over one engine API. */
export function createFerryStore(api: EngineApi, opts: StoreOptions = {}): FerryStore {
  return createStore<FerryState>()((set, get) => {
    const ctx: SliceContext = { api, set, get, guard: createGuard(get) };
    const queue = createQueuePages(ctx);

    return {
      api,
      view: opts.initialView ?? 'queue',
      linked: true,
      ready: false,
      online: true,
      paused: false,
      apiUrl: '',
      totals: emptyTotals(),
      lastBatch: null,
      ...queue.slice,
      ...queueActionsSlice(ctx, queue),
      ...albumsSlice(ctx),
      ...watchesSlice(ctx),
      ...settingsSlice(ctx),
      ...noticesSlice(ctx),

      setView(view) {
        set({ view });
        opts.onViewChange?.(view);
        if (view === 'albums') void get().loadAlbums();
        if (view === 'watched') void get().loadWatches();
        if (view === 'settings') void get().loadSettings();
      },

      // Also run on reconnect (main.tsx): deltas sent while the link was down are lost.
      async refreshAll() {
        const status = await ctx.guard('Could not reach the engine', () => api.status());
        if (status) {
          set({ online: status.online, paused: status.paused, apiUrl: status.apiUrl, totals: status.totals, ready: true });
        }
        await queue.reloadWindow();
        if (get().view === 'albums') await get().loadAlbums();
        if (get().view === 'watched') await get().loadWatches();
        if (!get().albumsLoaded) await get().loadAlbums();
      },

      apply(event) {
        applyEngineEvent(event, ctx, queue);
      },
    };
  });
}

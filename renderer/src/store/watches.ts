/** Watched folders: the list, and the user's add / enable / remove. */
import type { WatchedFolder } from '../../../shared/engine-api.ts';
import type { FerryState, SliceContext } from './ferry-state.ts';

export type WatchesSlice = Pick<FerryState, 'watches' | 'loadWatches' | 'addWatch' | 'setWatchEnabled' | 'removeWatch'>;

/** Puts a folder's latest record in the list: replaces the one with its id, else appends it. */
export function upsertWatch(watches: WatchedFolder[], watch: WatchedFolder): WatchedFolder[] {
  return watches.some((w) => w.id === watch.id) ? watches.map((w) => (w.id === watch.id ? watch : w)) : [...watches, watch];
}

/** Watched-folder state and actions. */
export function watchesSlice({ api, set, get, guard }: SliceContext): WatchesSlice {
  return {
    watches: [],

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
      // Optimistic: the switch moves at once, and moves back if the engine refuses.
      set({ watches: get().watches.map((w) => (w.id === id ? { ...w, enabled } : w)) });
      const ok = await guard('Could not change the folder', () => api.setWatchEnabled(id, enabled).then(() => true));
      if (!ok) set({ watches: get().watches.map((w) => (w.id === id ? { ...w, enabled: !enabled } : w)) });
    },
    async removeWatch(id) {
      const ok = await guard('Could not stop watching', () => api.removeWatch(id).then(() => true));
      if (ok) set({ watches: get().watches.filter((w) => w.id !== id) });
    },
  };
}

/** What the user does to queued files: add, pause, resume, retry, cancel, dismiss, clear. */
import { addedNotice } from '../format.ts';
import type { FerryState, SliceContext } from './ferry-state.ts';
import type { QueuePages } from './queue-pages.ts';

export type QueueActionsSlice = Pick<
  FerryState,
  'addPaths' | 'pauseAll' | 'resumeAll' | 'retry' | 'cancel' | 'dismissRows' | 'pause' | 'resume' | 'retryAllFailed' | 'clearFinished'
>;

/**
 * Queue actions. Only those that add or remove rows re-read the held pages themselves; a state
 * change comes back as an engine `items` event, which moves the row.
 */
export function queueActionsSlice({ api, set, get, guard }: SliceContext, { scheduleReload }: Pick<QueuePages, 'scheduleReload'>): QueueActionsSlice {
  return {
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
  };
}

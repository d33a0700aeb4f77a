/** How each pushed engine event changes the store. */
import type { EngineEvent } from '../../../shared/engine-api.ts';
import type { SliceContext } from './ferry-state.ts';
import type { QueuePages } from './queue-pages.ts';
import { upsertWatch } from './watches.ts';

/** Applies one engine event; the store's `apply` is this, bound to the store. */
export function applyEngineEvent(
  event: EngineEvent,
  { set, get }: Pick<SliceContext, 'set' | 'get'>,
  queue: Pick<QueuePages, 'applyItems' | 'scheduleReload'>,
): void {
  switch (event.type) {
    case 'items':
      return queue.applyItems(event.items);
    case 'removed':
      return queue.scheduleReload();
    case 'totals': {
      const before = get().totals;
      set({ totals: event.totals });
      // A new file count shifts positions under any tab; under a filter, any state change may.
      if (before.files !== event.totals.files || get().filter !== 'all') queue.scheduleReload();
      return;
    }
    case 'online':
      return set({ online: event.online });
    case 'paused':
      return set({ paused: event.paused });
    case 'watch':
      return set({ watches: upsertWatch(get().watches, event.watch) });
    case 'batch-finished':
      set({ lastBatch: { uploaded: event.uploaded, failed: event.failed } });
      // A finished batch is news, not an error: amber when some files need a look, neutral otherwise.
      get().notify(
        event.failed ? 'warn' : 'info',
        event.failed
          ? `Batch finished: ${event.uploaded} uploaded, ${event.failed} failed. Each failed row says what to do; "Retry all failed" sends them again.`
          : `Batch finished: ${event.uploaded} uploaded, thumbnails ready on the Albums page.`,
      );
      // New photos now have thumbnails: re-read the open album and the albums' counts and covers.
      if (get().albumMedia) void get().openAlbum(get().albumMedia?.albumId ?? null);
      void get().loadAlbums();
      return;
    case 'notice':
      return get().notify(event.level === 'warning' ? 'error' : 'info', `${event.path.split(/[\\/]/).pop()}: ${event.message}`);
    default: {
      const _never: never = event;
      return _never;
    }
  }
}

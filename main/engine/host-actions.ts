/**
 * Two UI actions that need no engine state: dismissing settled rows from the queue, and deleting
 * photos from the backend. Kept apart from host.ts so each is tested over a real store and a fake
 * client.
 */
import type { DeleteMediaResult, FileState } from '../../shared/engine-api.ts';
import { toErrorInfo } from '../../shared/ipc.ts';
import type { QueueStore } from '../store/queue-store.ts';
import type { ApiClient } from './api-client.ts';

/** Rows that no longer move: dismissing one cannot pull a file out from under the uploader. */
const dismissable: ReadonlySet<FileState> = new Set(['failed', 'skipped', 'cancelled', 'uploaded']);

/** Deletes the settled rows among `ids` (others are left as they are); returns the ids removed. */
export function dismissRows(store: QueueStore, ids: number[]): number[] {
  const removed = store.getMany(ids).filter((r) => dismissable.has(r.state)).map((r) => r.id);
  if (removed.length) store.deleteRows(removed);
  return removed;
}

/** How many `DELETE /media/{id}` calls run at once: enough to hide latency, few enough not to trip 429s. */
const deleteConcurrency = 4;

/** Deletes each media ID; one that fails is reported with the backend's words, the others still go. */
export async function deleteMediaEach(client: Pick<ApiClient, 'deleteMedia'>, mediaIds: string[]): Promise<DeleteMediaResult> {
  const result: DeleteMediaResult = { deleted: [], failed: [] };
  const todo = [...new Set(mediaIds)];
  const worker = async () => {
    for (let mediaId = todo.shift(); mediaId !== undefined; mediaId = todo.shift()) {
      try {
        await client.deleteMedia(mediaId);
        result.deleted.push(mediaId);
      } catch (err) {
        result.failed.push({ mediaId, message: toErrorInfo(err).message });
      }
    }
  };
  await Promise.all(Array.from({ length: deleteConcurrency }, worker));
  return result;
}

/**
 * Deleting uploaded media (`DELETE /media/{id}`: original, renditions and record) for `ferry rm` and
 * the album grid's delete. The queue's rows for a deleted media go too: a row left saying
 * "uploaded" would make the next `ferry upload` of that folder skip a photo that no longer exists.
 */
import { isFinal } from '../../shared/file-states.ts';
import type { QueueStore } from '../store/queue-store.ts';
import type { ApiClient } from './api-client.ts';
import { HttpError } from './errors.ts';

export interface DeleteResult {
  deleted: string[];
  failed: { mediaId: string; message: string }[];
}

/** Why a delete failed, in words for the person who asked for it. */
export function deleteFailure(mediaId: string, err: unknown): string {
  if (err instanceof HttpError) {
    if (err.status === 404) return `no photo or video with ID ${mediaId}`;
    if (err.status === 403) return `${mediaId} belongs to another user`;
  }
  return (err as Error).message || String(err);
}

/**
 * Deletes each media (a few at a time) and drops their settled queue rows; answers which went and
 * which did not, with the reason. `onRemovedRows` lets the engine tell the UI about dropped rows.
 */
export async function deleteMediaMany(
  client: Pick<ApiClient, 'deleteMedia'>,
  store: QueueStore,
  mediaIds: readonly string[],
  onRemovedRows: (ids: number[]) => void = () => undefined,
  concurrency = 4,
): Promise<DeleteResult> {
  const result: DeleteResult = { deleted: [], failed: [] };
  const queue = [...new Set(mediaIds)];
  const worker = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      try {
        await client.deleteMedia(id);
        result.deleted.push(id);
        const rows: number[] = [];
        for (let row = store.findByMediaId(id); row && isFinal(row.state); row = store.findByMediaId(id)) {
          store.deleteRows([row.id]);
          rows.push(row.id);
        }
        if (rows.length) onRemovedRows(rows);
      } catch (err) {
        result.failed.push({ mediaId: id, message: deleteFailure(id, err) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
  // Answer in the order asked, whatever order the calls finished in.
  const order = new Map(mediaIds.map((id, i) => [id, i]));
  result.deleted.sort((a, b) => order.get(a)! - order.get(b)!);
  result.failed.sort((a, b) => order.get(a.mediaId)! - order.get(b.mediaId)!);
  return result;
}

/**
 * A file's new version against its earlier attempt (the plan is main/intake/supersede.ts): an
 * unfinished attempt is aborted, its server record deleted, its row dropped, so an album never shows
 * a failed or pending tile for a file that later went through; a `--replace` upload deletes the record
 * it replaces only once it is uploaded itself. Deleting needs `DELETE /media/{id}`: where the backend
 * refuses it, the old record stays and the row's note (and a notice) say so.
 */
import type { EngineEvent } from '../../shared/engine-api.ts';
import type { ApiClient } from './api-client.ts';
import { errorInfoOf } from './retry.ts';
import type { QueueStore } from '../store/queue-store.ts';

export interface ReplacementDeps {
  store: QueueStore;
  api: ApiClient;
  emit(e: EngineEvent): void;
  touch(id: number): void;
  /** cancels the row's run if it is in flight and waits for it to settle */
  cancelRun(id: number): Promise<void>;
}

/** Deletes a record; undefined when it is gone (or was never there), else why it could not be. */
async function deleteRecord(api: ApiClient, mediaId: string): Promise<string | undefined> {
  try {
    await api.deleteMedia(mediaId);
    return undefined;
  } catch (err) {
    const info = errorInfoOf(err);
    // "No media <id>": already gone. A 404 for the route itself ("No route …") means the backend has no delete.
    if (info.code === 'NOT_FOUND' && /^No media /.test(info.message)) return undefined;
    return `${info.code}: ${info.message}`;
  }
}

/** Drops earlier attempts a new version supersedes: aborted, their server records deleted, their rows removed. */
export async function dropSuperseded(d: ReplacementDeps, rows: { id: number; deleteRemote: boolean }[]): Promise<void> {
  const removed: number[] = [];
  for (const { id, deleteRemote } of rows) {
    await d.cancelRun(id);
    const row = d.store.get(id);
    if (!row) continue;
    // The run may have requested its upload after the plan was made: what counts is the row now.
    if (row.mediaId && (deleteRemote || row.state === 'cancelled' || row.state === 'failed')) {
      const why = await deleteRecord(d.api, row.mediaId);
      if (why) d.emit({ type: 'notice', level: 'warning', path: row.path, message: `an earlier attempt's record ${row.mediaId} could not be deleted (${why}); it may show as failed` });
    }
    d.store.deleteRows([id]);
    removed.push(id);
  }
  if (removed.length) d.emit({ type: 'removed', ids: removed });
}

/** The row was uploaded: if it replaces an earlier upload (`--replace`), delete that record and row now. */
export async function finishReplacement(d: ReplacementDeps, id: number): Promise<void> {
  const row = d.store.get(id);
  if (!row?.replacesId) return;
  const old = d.store.get(row.replacesId);
  if (!old) return;
  if (old.mediaId && old.mediaId !== row.mediaId) {
    const why = await deleteRecord(d.api, old.mediaId);
    if (why) {
      const message = `uploaded as ${row.mediaId}; the earlier upload ${old.mediaId} was kept: the backend did not delete it (${why})`;
      d.store.update(id, { note: message });
      d.touch(id);
      d.emit({ type: 'notice', level: 'warning', path: row.path, message });
      return;
    }
  }
  d.store.deleteRows([old.id]);
  d.store.update(id, { note: `replaced ${old.mediaId ?? 'the earlier upload'}` });
  d.touch(id);
  d.emit({ type: 'removed', ids: [old.id] });
  d.emit({ type: 'notice', level: 'info', path: row.path, message: `uploaded as ${row.mediaId}, replacing ${old.mediaId}` });
}

/** Where a run that threw ends up: paused, cancelled, back in the queue, or failed with a reason. */
import { assertNever } from '../../shared/errors.ts';
import { isFinal } from '../../shared/file-states.ts';
import type { FileRow, QueueStore } from '../store/queue-store.ts';
import type { ApiClient } from './api-client.ts';
import { AbortedError } from './errors.ts';
import { errorInfoOf } from './retry.ts';
import { RestartUpload } from './retry-loop.ts';
import type { RowStates } from './row-states.ts';

export interface RunOutcomeDeps {
  store: QueueStore;
  api: Pick<ApiClient, 'abortUpload'>;
  rows: RowStates;
}

/** Settles a row whose run threw `err`: an abort by its reason, anything else as a failure. */
export async function settleRunError(d: RunOutcomeDeps, id: number, err: unknown): Promise<void> {
  if (err instanceof AbortedError) {
    const row = d.store.get(id);
    if (!row) return;
    switch (err.reason) {
      case 'pause':
        d.rows.set(id, 'paused');
        return;
      case 'shutdown':
        if (!isFinal(row.state)) d.rows.set(id, 'queued');
        return;
      case 'cancel':
        await abortRemote(d.api, row);
        d.rows.set(id, 'cancelled');
        return;
      default:
        assertNever(err.reason, 'abort reason');
    }
  }
  if (err instanceof RestartUpload) {
    // runFile already requested the upload afresh twice; a third "forgotten" answer is not transient.
    d.store.forgetUpload(id);
    d.rows.fail(id, { code: 'UPLOAD_EXPIRED', message: `the server kept forgetting this upload: ${err.message}` });
    return;
  }
  d.rows.fail(id, errorInfoOf(err));
}

/** Aborts a cancelled multipart upload on the server, best effort (the clean-up job aborts what is left pending). */
export async function abortRemote(api: Pick<ApiClient, 'abortUpload'>, row: FileRow): Promise<void> {
  if (row.uploadType === 'multipart' && row.mediaId) {
    try {
      await api.abortUpload(row.mediaId);
    } catch {
      // best effort
    }
  }
}

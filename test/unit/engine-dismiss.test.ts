/**
 * Taking rows off the list and giving up on them (issue 14 point 2), and the batch notice's counts
 * (point 6), over an in-memory queue. Nothing here sends a byte: the engine is not started, so its
 * API and transport are never called.
 */
import { describe, expect, it } from 'vitest';
import type { Media } from '../../shared/api.ts';
import type { EngineEvent, FileState } from '../../shared/engine-api.ts';
import type { ApiClient } from '../../main/engine/api-client.ts';
import { Engine } from '../../main/engine/engine.ts';
import { RowStates } from '../../main/engine/row-states.ts';
import type { Transport } from '../../main/engine/transport.ts';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';

const unused = () => {
  throw new Error('the engine is not started: no call expected');
};

function setup() {
  const store = new QueueStore(openDatabase(':memory:'));
  const aborted: string[] = [];
  const api = new Proxy({} as ApiClient, {
    get: (_t, name) => (name === 'abortUpload' ? async (id: string) => void aborted.push(id) : unused),
  });
  const transport: Transport = { put: unused };
  const clock = { now: () => 0, sleep: async () => undefined };
  const engine = new Engine({ store, api, transport, clock, random: () => 0.5, hashFile: unused, hashParts: unused, statFile: unused });
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  const add = (name: string, state: FileState) =>
    store.insertFile({ path: `/p/${name}`, target: 'album:A', size: 10, mtimeMs: 1, mimeType: 'image/jpeg', albumId: 'A' }, state);
  return { store, engine, events, add, aborted };
}

describe('dismiss', () => {
  it('takes failed, skipped, cancelled and uploaded rows off the list, and leaves rows still to do', () => {
    const { store, engine, events, add } = setup();
    const failed = add('broken.jpg', 'failed');
    const skipped = add('notes.txt', 'skipped');
    const cancelled = add('c.jpg', 'cancelled');
    const uploaded = add('u.jpg', 'uploaded');
    const queued = add('q.jpg', 'queued');
    const processing = add('p.jpg', 'processing');
    expect(engine.dismiss([failed, skipped, cancelled, uploaded, queued, processing, 999])).toEqual([failed, skipped, cancelled, uploaded]);
    expect(store.getMany([failed, skipped, cancelled, uploaded, queued, processing]).map((r) => r.state)).toEqual(['queued', 'processing']);
    expect(events).toContainEqual({ type: 'removed', ids: [failed, skipped, cancelled, uploaded] });
    engine.flush();
    const totals = events.findLast((e) => e.type === 'totals');
    expect(totals?.type === 'totals' && totals.totals.files).toBe(2);
  });

  it('dismissing nothing sends no event', () => {
    const { engine, events, add } = setup();
    expect(engine.dismiss([add('q.jpg', 'queued')])).toEqual([]);
    expect(events.filter((e) => e.type === 'removed')).toEqual([]);
  });
});

describe('cancelMany', () => {
  it('cancels waiting and paused rows, aborts a multipart upload on the server, and leaves settled ones', async () => {
    const { store, engine, add, aborted } = setup();
    const queued = add('q.jpg', 'queued');
    const paused = add('p.jpg', 'paused');
    const big = add('big.mp4', 'queued');
    store.update(big, { mediaId: 'm-big', uploadType: 'multipart', uploadId: 'u1' });
    const done = add('u.jpg', 'uploaded');
    await engine.cancelMany([queued, paused, big, done]);
    expect(store.getMany([queued, paused, big, done]).map((r) => r.state)).toEqual(['cancelled', 'cancelled', 'cancelled', 'uploaded']);
    expect(aborted).toEqual(['m-big']);
  });
});

describe('the batch notice counts each file once, by how it ended', () => {
  it('a file that failed and then went through on a retry is one upload, not a failure', () => {
    const store = new QueueStore(openDatabase(':memory:'));
    const rows = new RowStates({ store, touch: () => undefined });
    const id = store.insertFile({ path: '/p/a.jpg', target: 'album:A', size: 10, mtimeMs: 1, mimeType: 'image/jpeg' }, 'processing');
    const other = store.insertFile({ path: '/p/b.jpg', target: 'album:A', size: 10, mtimeMs: 1, mimeType: 'image/jpeg' }, 'processing');
    rows.fail(id, { code: 'CHECKSUM_MISMATCH', message: 'bytes arrived damaged' });
    store.transition(id, 'queued'); // Retry
    store.transition(id, 'uploading');
    store.transition(id, 'processing');
    const uploaded = (mediaId: string): Media => ({ mediaId, kind: 'album', filename: 'a.jpg', key: 'k', mimeType: 'image/jpeg', size: 10, status: 'uploaded', createdAt: '', updatedAt: '' });
    rows.applyMedia(id, uploaded('m1'));
    rows.fail(other, { code: 'UNSUPPORTED_IMAGE', message: 'cannot decode' });
    expect(rows.takeBatchCounts()).toEqual({ uploaded: 1, failed: 1 });
    expect(rows.takeBatchCounts()).toBeUndefined();
  });
});

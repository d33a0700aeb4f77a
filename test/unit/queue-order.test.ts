/**
 * The queue in attention order (shared/queue-order.ts) and the SQLite store's paging of it: what
 * moves first, then what waits, then what settled (failed first), each page read by index ranges.
 * And one set of counts for the tabs and the header.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';
import { queueCounts, queueSegments, segmentSlices } from '../../shared/queue-order.ts';
import { fileStates, type FileState } from '../../shared/engine-api.ts';
import { droppedPath } from '../../shared/drop.ts';

function storeWith(states: FileState[]): QueueStore {
  const store = new QueueStore(openDatabase(':memory:'));
  states.forEach((state, i) => store.insertFile({ path: `/p/${i + 1}.jpg`, target: 'album:a', size: 10, mtimeMs: 1, mimeType: 'image/jpeg' }, state));
  return store;
}

describe('queue order', () => {
  // ids 1..9 in this order of states
  const states: FileState[] = ['uploaded', 'queued', 'failed', 'uploading', 'queued', 'processing', 'skipped', 'uploaded', 'hashing'];

  it('puts work in progress first, then the waiting queue in sending order, then settled rows newest first', () => {
    const store = storeWith(states);
    const page = store.pageOrdered(0, 100);
    expect(page.total).toBe(9);
    expect(page.rows.map((r) => `${r.id}:${r.state}`)).toEqual([
      '4:uploading',
      '9:hashing',
      '6:processing',
      '2:queued',
      '5:queued',
      '3:failed',
      '7:skipped',
      '8:uploaded',
      '1:uploaded',
    ]);
  });

  it('pages across segment boundaries without gaps or repeats, with and without a filter', () => {
    const store = storeWith(states);
    const whole = store.pageOrdered(0, 100).rows.map((r) => r.id);
    const paged = [0, 2, 4, 6, 8].flatMap((o) => store.pageOrdered(o, 2).rows.map((r) => r.id));
    expect(paged).toEqual(whole);
    const done = store.pageOrdered(1, 2, ['uploaded', 'skipped', 'cancelled']);
    expect(done.total).toBe(3);
    expect(done.rows.map((r) => r.id)).toEqual([8, 1]);
  });

  it('has every state of the state machine exactly once', () => {
    expect(queueSegments.map((s) => s.state).sort()).toEqual([...fileStates].sort());
  });

  it('slices segments from counts alone', () => {
    expect(segmentSlices({ uploading: 2, queued: 5, uploaded: 3 }, 1, 4)).toEqual([
      { state: 'uploading', newestFirst: false, offset: 1, limit: 1 },
      { state: 'queued', newestFirst: false, offset: 0, limit: 3 },
    ]);
    expect(segmentSlices({ queued: 5 }, 10, 4)).toEqual([]);
  });

  it('counts so that the tabs add up and the header says the Done tab number', () => {
    const byState = Object.fromEntries(fileStates.map((s) => [s, 0])) as Record<FileState, number>;
    Object.assign(byState, { uploaded: 40, skipped: 1, failed: 2, queued: 3, uploading: 1, processing: 2, paused: 1 });
    const c = queueCounts(byState);
    expect(c).toMatchObject({ all: 50, done: 41, failed: 2, active: 7, inProgress: 3 });
    expect(c.active + c.failed + c.done).toBe(c.all);
  });
});

describe('droppedPath', () => {
  it('gives the path inside the drop for a staged copy, and nothing for other paths', () => {
    expect(droppedPath('/home/u/.local/share/ferry/staging/0a1b2c3d4e5f60718293a4b5c6d7e8f9/trip/day 1/a.jpg')).toBe('trip/day 1/a.jpg');
    expect(droppedPath('C:\\Users\\u\\Ferry\\staging\\batch-0001\\a.jpg')).toBe('a.jpg');
    expect(droppedPath('/home/u/Pictures/trip/a.jpg')).toBeUndefined();
  });
});

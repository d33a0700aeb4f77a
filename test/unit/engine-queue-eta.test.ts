/**
 * The queue's totals as the UI and the taskbar read them (fake time): the ETA covers the thumbnails
 * still to make, not only the bytes, and the rate comes from a window over bytes sent, so it does
 * not read 0 while files move (issue 14 point 1).
 */
import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../main/engine/progress.ts';
import { QueueViews } from '../../main/engine/queue-views.ts';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';

function setup(files: number) {
  const store = new QueueStore(openDatabase(':memory:'));
  let t = 0;
  const clock = { now: () => t, sleep: async () => undefined };
  const views = new QueueViews({ store, progress: new ProgressTracker(), clock, emit: () => undefined, isActive: () => false, placeholderOf: () => undefined });
  const ids = Array.from({ length: files }, (_, i) =>
    store.insertFile({ path: `/p/${i}.jpg`, target: 'album:A', size: 1_000_000, mtimeMs: 1, mimeType: 'image/jpeg' }, 'queued'),
  );
  return { store, views, ids, at: (ms: number) => (t = ms) };
}

describe('queue totals: rate and ETA through processing', () => {
  it('once bytes are in, the ETA is the thumbnails left at the measured rate', () => {
    const { store, views, ids, at } = setup(10);
    at(0);
    expect(views.totals().etaSeconds).toBeNull();
    // All bytes arrive within a second (the processing state stands for "bytes in").
    for (const id of ids) {
      store.transition(id, 'uploading');
      store.transition(id, 'processing', { bytesSent: 1_000_000 });
    }
    at(500);
    const moving = views.totals();
    expect(moving.bytesSent).toBe(10_000_000);
    // Then one file settles every second; the ETA follows the files left, not the (finished) bytes.
    const etas: (number | null)[] = [];
    for (let i = 0; i < 6; i++) {
      at(1_000 + i * 1_000);
      store.transition(ids[i]!, 'uploaded');
      views.noteSettled();
      etas.push(views.totals().etaSeconds);
    }
    expect(etas[0]).toBeNull(); // one completion is no rate yet
    expect(etas.slice(2)).toEqual([7, 6, 5, 4]);
    expect(views.totals().rate).toBe(0); // nothing left to send: no speed shown
  });

  it('the rate is the bytes sent over the window, across files that start and end between readings', () => {
    const { store, views, ids, at } = setup(10);
    at(0);
    views.totals();
    const rates: number[] = [];
    for (let i = 0; i < 10; i++) {
      at(200 + i * 200);
      store.transition(ids[i]!, 'uploading');
      store.transition(ids[i]!, 'processing', { bytesSent: 1_000_000 });
      rates.push(views.totals().rate);
    }
    // 1 MB every 200 ms, measured from the first file's bytes: 5 MB/s once a second of it is seen
    // (no per-file rate exists here at all: each file is sent between two readings).
    expect(rates.slice(5, 9)).toEqual([5_000_000, 5_000_000, 5_000_000, 5_000_000]);
    expect(rates.slice(0, 5).every((r) => r === 0)).toBe(true);
    expect(rates[9]).toBe(0); // every byte is in
  });

  it('paused files are not counted in the ETA, and an empty queue has none', () => {
    const { store, views, ids, at } = setup(2);
    store.transition(ids[0]!, 'paused');
    store.transition(ids[1]!, 'paused');
    at(10_000);
    expect(views.totals().etaSeconds).toBeNull();
  });
});

// @vitest-environment happy-dom
/** The renderer's store: a paged window over a long queue, engine deltas, actions and their errors. */
import { describe, expect, it, vi } from 'vitest';
import { createFerryStore, pageSize } from '../../renderer/src/store/ferry-store.ts';
import { InMemoryFakeEngine, makeItems } from './renderer-fake-engine.ts';

function setup(n: number) {
  const fake = new InMemoryFakeEngine(makeItems(n));
  const store = createFerryStore(fake.api);
  fake.onEvent((e) => store.getState().apply(e));
  return { fake, store };
}

describe('renderer store', () => {
  it('holds only the pages around the visible rows of a 100,000-row queue', async () => {
    const { fake, store } = setup(100_000);
    await store.getState().refreshAll();
    expect(store.getState().total).toBe(100_000);
    store.getState().showRange(50_000, 50_012);
    await vi.waitFor(() => expect(store.getState().rowAt(50_000)?.id).toBe(50_001));
    const held = [...store.getState().pages.values()].reduce((n, rows) => n + rows.length, 0);
    expect(held).toBeLessThanOrEqual(3 * pageSize);
    expect(store.getState().pages.has(0)).toBe(false);
    // every read is a bounded page, never the whole queue
    for (const c of fake.calls.filter((c) => c.method === 'listQueue')) {
      expect((c.args[0] as { limit: number }).limit).toBeLessThanOrEqual(1000);
    }
  });

  it('applies item deltas to held rows without refetching', async () => {
    const { fake, store } = setup(10);
    await store.getState().refreshAll();
    const before = fake.calls.length;
    fake.emit({ type: 'items', items: [{ ...fake.items[2]!, state: 'uploading', bytesSent: 500_000, rate: 1_000_000, etaSeconds: 2 }] });
    expect(store.getState().rowAt(2)).toMatchObject({ state: 'uploading', bytesSent: 500_000 });
    expect(fake.calls.length).toBe(before);
  });

  it('re-reads the window when the queue grows', async () => {
    const { fake, store } = setup(3);
    await store.getState().refreshAll();
    await fake.api.addPaths(['/a.jpg', '/b.jpg'], { kind: 'album', albumId: 'x' });
    await vi.waitFor(() => expect(store.getState().total).toBe(5));
    expect(store.getState().rowAt(4)?.path).toBe('/b.jpg');
  });

  it('filters by state and drops rows that leave the filter', async () => {
    const { fake, store } = setup(6);
    fake.items[1] = { ...fake.items[1]!, state: 'failed', error: { code: 'NETWORK', message: 'reset' } };
    fake.items[4] = { ...fake.items[4]!, state: 'failed', error: { code: 'NETWORK', message: 'reset' } };
    await store.getState().refreshAll();
    store.getState().setFilter('failed');
    await vi.waitFor(() => expect(store.getState().total).toBe(2));
    expect(fake.calls.some((c) => c.method === 'listQueue' && (c.args[0] as { states?: string[] }).states?.includes('failed'))).toBe(true);
    await store.getState().retry(2);
    await vi.waitFor(() => expect(store.getState().total).toBe(1));
    expect(store.getState().rowAt(0)?.id).toBe(5);
  });

  it('tracks online, paused and batch events', async () => {
    const { fake, store } = setup(1);
    await store.getState().refreshAll();
    fake.emit({ type: 'online', online: false });
    fake.emit({ type: 'paused', paused: true });
    fake.emit({ type: 'batch-finished', uploaded: 3, failed: 1 });
    expect(store.getState()).toMatchObject({ online: false, paused: true, lastBatch: { uploaded: 3, failed: 1 } });
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'warn', text: expect.stringContaining('3 uploaded, 1 failed') });
  });

  it('turns a failed call into a notice that says what failed', async () => {
    const { fake, store } = setup(0);
    fake.failNext.set('createAlbum', new Error('The backend refused the token.'));
    expect(await store.getState().createAlbum('Trip')).toBeUndefined();
    expect(store.getState().notices.at(-1)).toMatchObject({ kind: 'error', text: 'Could not create the album: The backend refused the token.' });
  });

  it('rolls a watch toggle back when the engine refuses it', async () => {
    const { fake, store } = setup(0);
    await fake.api.addWatch({ dir: '/w', comfyui: true });
    await store.getState().loadWatches();
    fake.failNext.set('setWatchEnabled', new Error('nope'));
    await store.getState().setWatchEnabled(1, false);
    expect(store.getState().watches[0]?.enabled).toBe(true);
  });
});

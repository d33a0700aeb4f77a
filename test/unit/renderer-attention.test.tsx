// @vitest-environment happy-dom
/**
 * Issue 14's views over the in-memory engine: rows in attention order with counts that agree,
 * local previews, Dismiss and Cancel on failed rows, the folder picker, and deleting photos from an
 * album (several at once, after a confirmation) with failed media kept out of the grid.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { Media } from '../../shared/api.ts';
import { createFerryStore } from '../../renderer/src/store/ferry-store.ts';
import { layOutQueue, mountApp } from '../helpers/renderer-mount.tsx';
import { InMemoryFakeEngine, makeItems } from './renderer-fake-engine.ts';

afterEach(cleanup);

layOutQueue();

const rowIds = () => [...document.querySelectorAll('.qrow[data-id]')].map((r) => Number(r.getAttribute('data-id')));
const count = (where: string, key: string) => document.querySelector(`${where} [data-count="${key}"]`)?.textContent;

describe('the queue, ordered for attention', () => {
  it('shows work in progress first, then queued, then settled, and the header agrees with the tabs', async () => {
    const items = makeItems(6);
    const states = ['uploaded', 'queued', 'failed', 'uploading', 'skipped', 'processing'] as const;
    states.forEach((s, i) => (items[i]!.state = s));
    items[2]!.error = { code: 'UNSUPPORTED_IMAGE', message: 'bad' };
    await mountApp(new InMemoryFakeEngine(items));
    await waitFor(() => expect(rowIds()).toEqual([4, 6, 2, 3, 5, 1]));
    // "done" is one definition: uploaded + skipped (+ cancelled), in the header and on the Done tab.
    expect(count('.totals', 'done')).toBe('2');
    expect(count('.tabs', 'done')).toBe('2');
    expect(count('.totals', 'all')).toBe(count('.tabs', 'all'));
    expect(count('.tabs', 'active')).toBe('3');
  });

  it('asks the engine for a local preview of each image row (browser: the preview URL; desktop: a data URL)', async () => {
    const items = makeItems(2);
    items[1]!.path = '/photos/clip.mp4';
    await mountApp(new InMemoryFakeEngine(items));
    await waitFor(() => expect(document.querySelector('.qrow[data-id="1"] img')?.getAttribute('src')).toBe('/api/preview/1?size=2000000'));
    expect(document.querySelector('.qrow[data-id="2"] img')).toBeNull();
    expect(document.querySelector('.qrow[data-id="2"] .qthumb')?.textContent).toBe('MP4');
    cleanup();
    const fake = new InMemoryFakeEngine(makeItems(1));
    await mountApp(fake, { kind: 'desktop' });
    await waitFor(() => expect(document.querySelector('.qrow[data-id="1"] img')?.getAttribute('src')).toBe('data:image/webp;base64,UklGRg==#1'));
    expect(fake.calls.filter((c) => c.method === 'preview')).toHaveLength(1);
  });

  it('prefers the rendition once the backend has made it', async () => {
    await mountApp(new InMemoryFakeEngine(makeItems(1, { state: 'uploaded', thumbnail: 'http://s3/thumb.webp' })));
    await waitFor(() => expect(document.querySelector('.qrow img')?.getAttribute('data-preview')).toBe('rendition'));
  });
});

describe('failed and skipped rows', () => {
  it('dismisses a failed or skipped row; where the advice says "Cancel it" the button says Cancel', async () => {
    const items = makeItems(3);
    items[0] = { ...items[0]!, state: 'failed', error: { code: 'FILE_NOT_FOUND', message: 'gone' } };
    items[1] = { ...items[1]!, state: 'failed', error: { code: 'UNSUPPORTED_IMAGE', message: 'damaged' } };
    items[2] = { ...items[2]!, state: 'skipped', skipReason: 'not an image or video Ferry uploads (.txt)' };
    const fake = new InMemoryFakeEngine(items);
    await mountApp(fake);
    await screen.findByRole('button', { name: 'Cancel img-000001.jpg' });
    expect(screen.queryByRole('button', { name: 'Dismiss img-000001.jpg' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel img-000002.jpg' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Dismiss img-000003.jpg' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel img-000001.jpg' }));
    await waitFor(() => expect(document.querySelector('.qrow[data-id="1"]')).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss img-000002.jpg' }));
    await waitFor(() => expect(document.querySelector('.qrow[data-id="2"]')).toBeNull());
    expect(fake.calls.filter((c) => c.method === 'dismiss').map((c) => c.args)).toEqual([[[1]], [[2]]]);
    await waitFor(() => expect(count('.tabs', 'failed')).toBe('0'));
    expect(count('.tabs', 'done')).toBe('1');
  });
});

describe('the folder picker (browser)', () => {
  it('browses the engine’s folders and adds the chosen one by its path', async () => {
    const fake = new InMemoryFakeEngine();
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 0, createdAt: '', updatedAt: '' });
    fake.folders['/home/you/Pictures'] = { folders: ['Iceland'], mediaFiles: 0 };
    fake.folders['/home/you/Pictures/Iceland'] = { folders: [], mediaFiles: 12 };
    await mountApp(fake);
    expect(screen.queryByLabelText('Add folder by path')).toBeNull();
    fireEvent.change(screen.getByLabelText('Target album'), { target: { value: 'a1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Choose a folder…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Choose a folder on this computer' });
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Pictures' }));
    fireEvent.click(await within(dialog).findByRole('button', { name: 'Iceland' }));
    await within(dialog).findByText(/12 photos or videos here/);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add this folder' }));
    await waitFor(() => expect(fake.calls.find((c) => c.method === 'addPaths')?.args).toEqual([['/home/you/Pictures/Iceland'], { kind: 'album', albumId: 'a1' }]));
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('keeps a typed location when the home listing answers after it was typed', async () => {
    const fake = new InMemoryFakeEngine();
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 0, createdAt: '', updatedAt: '' });
    fake.folders['/srv/photos'] = { folders: [], mediaFiles: 4 };
    const real = fake.api;
    let releaseHome = () => {};
    const api = {
      ...real,
      listFolder: async (path?: string) => {
        if (!path) await new Promise<void>((r) => (releaseHome = r));
        return real.listFolder(path);
      },
    };
    await mountApp(fake, { api });
    fireEvent.change(screen.getByLabelText('Target album'), { target: { value: 'a1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Choose a folder…' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByLabelText('Folder location'), { target: { value: '/srv/photos' } });
    // The home listing answers between typing and Go: the typed text must survive it.
    await act(async () => releaseHome());
    await within(dialog).findByRole('button', { name: 'Pictures' });
    expect((within(dialog).getByLabelText('Folder location') as HTMLInputElement).value).toBe('/srv/photos');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Go' }));
    await within(dialog).findByText(/4 photos or videos here/);
    expect(dialog.getAttribute('data-path')).toBe('/srv/photos');
    expect((within(dialog).getByLabelText('Folder location') as HTMLInputElement).value).toBe('/srv/photos');
  });

  it('says so when a typed location is not a folder', async () => {
    const fake = new InMemoryFakeEngine();
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 0, createdAt: '', updatedAt: '' });
    await mountApp(fake);
    fireEvent.change(screen.getByLabelText('Target album'), { target: { value: 'a1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Choose a folder…' }));
    const dialog = await screen.findByRole('dialog');
    await within(dialog).findByRole('button', { name: 'Pictures' });
    fireEvent.change(within(dialog).getByLabelText('Folder location'), { target: { value: '/nope' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Go' }));
    expect((await within(dialog).findByRole('alert')).textContent).toContain('No folder at /nope.');
  });
});

describe('deleting photos from an album', () => {
  const media = (id: string, status: Media['status'] = 'uploaded'): Media => ({
    mediaId: id,
    kind: 'album',
    albumId: 'a1',
    filename: `${id}.jpg`,
    key: `albums/a1/media/${id}.jpg`,
    mimeType: 'image/jpeg',
    size: 100,
    status,
    ...(status === 'uploaded' ? { thumbnails: { cover: 'c', small: 's', medium: `http://s3/${id}.webp`, large: 'l', xlarge: 'x', display: 'd' } } : {}),
    ...(status === 'failed' ? { error: { code: 'UNSUPPORTED_IMAGE', message: 'damaged' } } : {}),
    createdAt: '2026-11-24T10:00:00Z',
    updatedAt: '2026-11-24T10:00:00Z',
  });

  async function openAlbum(fake: InMemoryFakeEngine) {
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 3, createdAt: '', updatedAt: '' });
    fake.media.set('a1', [media('m1'), media('m2'), media('m3'), media('bad', 'failed')]);
    await mountApp(fake, { view: 'albums' });
    fireEvent.click(await screen.findByText('Trip'));
    await screen.findByRole('list', { name: 'Photos' });
  }

  it('keeps failed media out of the grid until asked', async () => {
    await openAlbum(new InMemoryFakeEngine());
    expect(document.querySelectorAll('.media').length).toBe(3);
    fireEvent.click(screen.getByLabelText('Show failed (1)'));
    expect(document.querySelectorAll('.media').length).toBe(4);
    expect(document.querySelector('.media[data-status="failed"]')?.textContent).toContain('damaged');
  });

  it('deletes the selected photos after a confirmation, and only then', async () => {
    const fake = new InMemoryFakeEngine();
    await openAlbum(fake);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select m1.jpg' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select m3.jpg' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    const ask = await screen.findByRole('alertdialog', { name: 'Delete 2 photos?' });
    fireEvent.click(within(ask).getByRole('button', { name: 'Keep them' }));
    expect(fake.calls.some((c) => c.method === 'deleteMedia')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Delete 2 photos' }));
    await screen.findByText('Deleted 2 photos.');
    expect(fake.calls.find((c) => c.method === 'deleteMedia')?.args).toEqual([['m1', 'm3']]);
    expect([...document.querySelectorAll('.media')].map((m) => m.getAttribute('data-media-id'))).toEqual(['m2']);
  });

  it('says which photos could not be deleted and keeps them on screen', async () => {
    const fake = new InMemoryFakeEngine();
    fake.undeletable.add('m2');
    await openAlbum(fake);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select m1.jpg' }));
    fireEvent.click(screen.getByRole('checkbox', { name: 'Select m2.jpg' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete…' }));
    fireEvent.click(within(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Delete 2 photos' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Deleted 1 photo; 1 could not be deleted: The backend refused.');
    expect([...document.querySelectorAll('.media')].map((m) => m.getAttribute('data-media-id'))).toEqual(['m2', 'm3']);
  });

  it('sends a selection of more than 100 in slices the engine accepts', async () => {
    const fake = new InMemoryFakeEngine();
    const ids = Array.from({ length: 250 }, (_, i) => `m${i}`);
    fake.media.set('a1', ids.map((id) => media(id)));
    const store = createFerryStore(fake.api);
    expect(await store.getState().deleteMedia(ids)).toBe(true);
    expect(fake.calls.filter((c) => c.method === 'deleteMedia').map((c) => (c.args[0] as string[]).length)).toEqual([100, 100, 50]);
    expect(store.getState().notices.at(-1)?.text).toBe('Deleted 250 photos.');
  });
});

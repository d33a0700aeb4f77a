// @vitest-environment happy-dom
/** The views over the store and an in-memory engine: what a person sees and what each button does. */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { layOutQueue, mountApp } from '../helpers/renderer-mount.tsx';
import { InMemoryFakeEngine, makeItems } from './renderer-fake-engine.ts';

afterEach(cleanup);

layOutQueue(900);

describe('queue view', () => {
  it('says what to do when the queue is empty', async () => {
    await mountApp(new InMemoryFakeEngine());
    expect(await screen.findByText('Nothing queued yet')).toBeTruthy();
    expect(screen.getByText(/Drop a folder or photos above, or choose a folder/)).toBeTruthy();
  });

  it('renders a bounded number of rows for 100,000 files', async () => {
    await mountApp(new InMemoryFakeEngine(makeItems(100_000)));
    await waitFor(() => expect(document.querySelectorAll('.qrow[data-id]').length).toBeGreaterThan(5));
    expect(document.querySelectorAll('.qslot').length).toBeLessThan(60);
    expect(screen.getByLabelText('Queue, 100,000 files')).toBeTruthy();
  });

  it('shows an uploading row with a real progress bar, speed and ETA', async () => {
    const fake = new InMemoryFakeEngine(makeItems(3));
    await mountApp(fake);
    await screen.findByText('img-000002.jpg');
    act(() => void fake.update(2, { state: 'uploading', bytesSent: 500_000, rate: 250_000, etaSeconds: 6 }));
    // The row moves to the top (work in progress comes first), so it is looked up once it has settled there.
    await waitFor(() => expect(document.querySelector('.qslot[data-index="0"] .qrow')?.getAttribute('data-id')).toBe('2'));
    const bar = screen.getByRole('progressbar', { name: 'img-000002.jpg progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
    const row = bar.closest('.qrow') as HTMLElement;
    expect(within(row).getByText('Uploading')).toBeTruthy();
    expect(within(row).getByText('500 KB of 2.0 MB · 250 KB/s · 6 s left')).toBeTruthy();
  });

  it('explains a failure and retries it', async () => {
    const fake = new InMemoryFakeEngine(makeItems(2));
    fake.items[0] = { ...fake.items[0]!, state: 'failed', error: { code: 'FILE_NOT_FOUND', message: 'The file is gone.' } };
    await mountApp(fake);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The file is gone.');
    expect(alert.textContent).toContain('Put it back and press Retry');
    fireEvent.click(screen.getByRole('button', { name: 'Retry img-000001.jpg' }));
    await waitFor(() => expect(document.querySelector('.qrow[data-id="1"]')?.getAttribute('data-state')).toBe('queued'));
    expect(fake.calls.filter((c) => c.method === 'retry')).toEqual([{ method: 'retry', args: [1] }]);
  });

  it('cancels a queued file', async () => {
    const fake = new InMemoryFakeEngine(makeItems(1));
    await mountApp(fake);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel img-000001.jpg' }));
    await waitFor(() => expect(document.querySelector('.qrow[data-id="1"]')?.getAttribute('data-state')).toBe('cancelled'));
  });

  it('pauses and resumes everything', async () => {
    const fake = new InMemoryFakeEngine(makeItems(1));
    await mountApp(fake);
    fireEvent.click(await screen.findByRole('button', { name: 'Pause all' }));
    await screen.findByRole('button', { name: 'Resume all' });
    expect(screen.getByTestId('paused-banner').textContent).toContain('Uploads are paused');
    fireEvent.click(screen.getByRole('button', { name: 'Resume all' }));
    await screen.findByRole('button', { name: 'Pause all' });
    expect(fake.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['pauseAll', 'resumeAll']));
  });

  it('shows the offline banner while the backend is unreachable', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake);
    act(() => fake.emit({ type: 'online', online: false }));
    expect((await screen.findByTestId('offline-banner')).textContent).toContain('Uploads wait and resume on their own');
    act(() => fake.emit({ type: 'online', online: true }));
    await waitFor(() => expect(screen.queryByTestId('offline-banner')).toBeNull());
  });

  it('adds a folder by path into a new album (desktop)', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake, { kind: 'desktop' });
    fireEvent.change(screen.getByLabelText('Target album'), { target: { value: '__new__' } });
    fireEvent.change(screen.getByLabelText('New album title'), { target: { value: 'Iceland' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect((screen.getByLabelText('Target album') as HTMLSelectElement).value).toBe('album-1'));
    fireEvent.change(screen.getByLabelText('Add folder by path'), { target: { value: '/home/me/iceland' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await screen.findByText('Added 1 file.');
    expect(fake.calls.find((c) => c.method === 'addPaths')?.args).toEqual([['/home/me/iceland'], { kind: 'album', albumId: 'album-1' }]);
    await screen.findByText('iceland');
  });

  it('asks for an album before adding', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake, { kind: 'desktop' });
    fireEvent.change(screen.getByLabelText('Add folder by path'), { target: { value: '/x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Create an album first');
    expect(fake.calls.some((c) => c.method === 'addPaths')).toBe(false);
  });

  it('takes dropped files by their path in the desktop app', async () => {
    const fake = new InMemoryFakeEngine();
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 0, createdAt: '', updatedAt: '' });
    await mountApp(fake, { kind: 'desktop', pathForFile: (f) => `/dropped/${f.name}` });
    fireEvent.change(screen.getByLabelText('Target album'), { target: { value: 'a1' } });
    const file = new File(['x'], 'photo.jpg', { type: 'image/jpeg' });
    fireEvent.drop(screen.getByRole('region', { name: 'Add files' }), { dataTransfer: { files: [file], dropEffect: 'copy' } });
    await waitFor(() => expect(fake.calls.find((c) => c.method === 'addPaths')?.args).toEqual([['/dropped/photo.jpg'], { kind: 'album', albumId: 'a1' }]));
  });

  it('asks a browser user for an album before sending a drop', async () => {
    await mountApp(new InMemoryFakeEngine());
    fireEvent.drop(screen.getByRole('region', { name: 'Add files' }), { dataTransfer: { files: [new File(['x'], 'a.jpg')] } });
    expect((await screen.findByRole('alert')).textContent).toContain('Create an album first');
  });
});

describe('other views', () => {
  it('shows an album with its processed thumbnails', async () => {
    const fake = new InMemoryFakeEngine();
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 1, createdAt: '2026-11-24T10:00:00Z', updatedAt: '2026-11-24T10:00:00Z' });
    fake.media.set('a1', [
      {
        mediaId: 'm1',
        kind: 'album',
        albumId: 'a1',
        filename: 'fjord.jpg',
        key: 'albums/a1/media/m1.jpg',
        mimeType: 'image/jpeg',
        size: 10,
        status: 'uploaded',
        thumbnails: { medium: 'http://127.0.0.1:9/thumbnails/m1/medium.webp' },
        createdAt: '',
        updatedAt: '',
      },
    ]);
    await mountApp(fake, { view: 'albums' });
    fireEvent.click(await screen.findByRole('button', { name: /Trip/ }));
    const img = (await screen.findByAltText('fjord.jpg')) as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('http://127.0.0.1:9/thumbnails/m1/medium.webp');
  });

  it('adds a ComfyUI watched folder and toggles it', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake, { view: 'watched' });
    expect(await screen.findByText('No watched folders')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Folder'), { target: { value: '/comfy/output' } });
    fireEvent.click(screen.getByLabelText(/as ComfyUI generations/));
    fireEvent.click(screen.getByRole('button', { name: 'Watch folder' }));
    await screen.findByText('/comfy/output');
    expect(fake.calls.find((c) => c.method === 'addWatch')?.args).toEqual([{ dir: '/comfy/output', comfyui: true }]);
    fireEvent.click(screen.getByRole('checkbox'));
    await waitFor(() => expect(fake.watches[0]?.enabled).toBe(false));
  });

  it('saves settings: remote backend, concurrency, bandwidth', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake, { view: 'settings' });
    fireEvent.click(await screen.findByLabelText(/Remote/));
    fireEvent.change(screen.getByLabelText('API URL'), { target: { value: 'https://api.example.test' } });
    fireEvent.change(screen.getByLabelText('API token'), { target: { value: 'secret' } });
    fireEvent.change(screen.getByLabelText('Files at once'), { target: { value: '8' } });
    fireEvent.change(screen.getByLabelText('Bandwidth limit (MB/s, 0 for none)'), { target: { value: '2.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(fake.calls.map((c) => c.method)).toContain('updateSettings'));
    await screen.findByText('Settings saved.');
    expect(fake.settings).toMatchObject({ backend: { mode: 'remote', apiUrl: 'https://api.example.test', token: 'secret' }, concurrency: 8, bandwidthLimit: 2_500_000 });
  });

  it('navigates with keyboard-reachable buttons and marks the current page', async () => {
    await mountApp(new InMemoryFakeEngine());
    const nav = screen.getByRole('navigation', { name: 'Main' });
    const albums = within(nav).getByRole('button', { name: 'Albums' });
    albums.focus();
    expect(document.activeElement).toBe(albums);
    fireEvent.click(albums);
    await waitFor(() => expect(albums.getAttribute('aria-current')).toBe('page'));
  });
});

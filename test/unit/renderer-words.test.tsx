// @vitest-environment happy-dom
/** The words and notices a person sees (issue 14 point 6), each checked with its exact wording. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { noticeMs } from '../../renderer/src/components/App.tsx';
import { layOutQueue, mountApp } from '../helpers/renderer-mount.tsx';
import { InMemoryFakeEngine } from './renderer-fake-engine.ts';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

layOutQueue(900);

describe('the batch notice', () => {
  it('is neutral when every file went through', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake);
    act(() => fake.emit({ type: 'batch-finished', uploaded: 44, failed: 0 }));
    const notice = screen.getByText('Batch finished: 44 uploaded, thumbnails ready on the Albums page.').parentElement!;
    expect(notice.className).toBe('notice info');
    expect(notice.getAttribute('role')).toBe('status');
  });

  it('is amber, not an error, when some files failed', async () => {
    const fake = new InMemoryFakeEngine();
    await mountApp(fake);
    act(() => fake.emit({ type: 'batch-finished', uploaded: 41, failed: 3 }));
    const notice = screen.getByText(/^Batch finished: 41 uploaded, 3 failed\./).parentElement!;
    expect(notice.className).toBe('notice warn');
    expect(notice.getAttribute('role')).toBe('status');
  });
});

describe('an error notice', () => {
  it('clears by itself even while other notices keep arriving, and closes at once with its button', async () => {
    const fake = new InMemoryFakeEngine();
    const store = await mountApp(fake);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    act(() => store.getState().notify('error', 'Could not reach the engine: socket closed'));
    // A new notice every 4 s used to restart every timer, so the error never went away.
    for (let t = 0; t < noticeMs.error + 4_000; t += 4_000) {
      act(() => {
        store.getState().notify('info', `Added 1 file (${t}).`);
        vi.advanceTimersByTime(4_000);
      });
    }
    expect(screen.queryByText('Could not reach the engine: socket closed')).toBeNull();

    act(() => store.getState().notify('error', 'Could not pause: the engine is restarting'));
    const close = screen.getByText('Could not pause: the engine is restarting').parentElement!.querySelector('button')!;
    expect(close.getAttribute('aria-label')).toBe('Close notice');
    act(() => fireEvent.click(close));
    expect(screen.queryByText('Could not pause: the engine is restarting')).toBeNull();
  });
});

describe('the notice after adding files', () => {
  it('a .txt in a fresh queue is "not a photo or video", never "already queued"', async () => {
    const fake = new InMemoryFakeEngine();
    const store = await mountApp(fake);
    await act(async () => {
      await store.getState().addPaths(['/photos/notes.txt'], { kind: 'album', albumId: 'a1' });
    });
    expect(store.getState().notices.at(-1)?.text).toBe(
      'Added 0 files; skipped 1 file that is not a photo or video. Ferry uploads JPEG, PNG, WebP, GIF and AVIF images and MP4, WebM and MOV videos.',
    );
  });

  it('files already in the queue are said as such', async () => {
    const fake = new InMemoryFakeEngine();
    const store = await mountApp(fake);
    await act(async () => {
      await store.getState().addPaths(['/photos/a.jpg', '/photos/b.jpg'], { kind: 'album', albumId: 'a1' });
    });
    expect(store.getState().notices.at(-1)?.text).toBe('Added 2 files.');
    await act(async () => {
      await store.getState().addPaths(['/photos/a.jpg', '/photos/b.jpg', '/photos/c.jpg', '/photos/x.txt'], { kind: 'album', albumId: 'a1' });
    });
    expect(store.getState().notices.at(-1)?.text).toBe(
      'Added 1 file; 2 were already in the queue; skipped 1 file that is not a photo or video. Ferry uploads JPEG, PNG, WebP, GIF and AVIF images and MP4, WebM and MOV videos.',
    );
  });
});

describe('processing has its own indicator', () => {
  it('a row making thumbnails says so, and the header counts it and is not at 100 %', async () => {
    const { makeItems } = await import('./renderer-fake-engine.ts');
    const fake = new InMemoryFakeEngine(makeItems(2, { state: 'processing', bytesSent: 2_000_000 }));
    await mountApp(fake);
    const row = await screen.findAllByText('2.0 MB sent · making thumbnails…');
    expect(row).toHaveLength(2);
    const bar = screen.getAllByRole('progressbar', { name: /img-000001\.jpg progress/ })[0]!;
    expect(bar.getAttribute('aria-valuetext')).toBe('Sent; making thumbnails');
    expect(screen.getByRole('progressbar', { name: 'All files' }).getAttribute('aria-valuenow')).toBe('50');
    expect(document.querySelector('.totals-text')!.textContent).toContain('· 2 making thumbnails');
  });

  it('an empty queue has an empty header bar', async () => {
    await mountApp(new InMemoryFakeEngine());
    expect(screen.getByRole('progressbar', { name: 'All files' }).getAttribute('aria-valuenow')).toBe('0');
  });
});

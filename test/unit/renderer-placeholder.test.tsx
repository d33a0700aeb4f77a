// @vitest-environment happy-dom
/** ThumbHash placeholders in the album grid and the queue rows (issue 13), over an in-memory engine. */
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { rgbaToThumbHash } from 'thumbhash';
import type { Media } from '../../shared/api.ts';
import { placeholderStyle } from '../../renderer/src/placeholder.ts';
import { layOutQueue, mountApp } from '../helpers/renderer-mount.tsx';
import { InMemoryFakeEngine, makeItems } from './renderer-fake-engine.ts';

afterEach(cleanup);

layOutQueue(720);

/** A real ThumbHash of a 32×16 red-to-blue gradient, base64 as the API carries it. */
function hashOf(): string {
  const w = 32;
  const h = 16;
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) rgba.set([(255 * (i % w)) / w, 40, 255 - (255 * (i % w)) / w, 255], i * 4);
  return Buffer.from(rgbaToThumbHash(w, h, rgba)).toString('base64');
}

const media = (mediaId: string, extra: Partial<Media>): Media => ({
  mediaId,
  kind: 'album',
  albumId: 'a1',
  filename: `${mediaId}.jpg`,
  key: `albums/a1/media/${mediaId}.jpg`,
  mimeType: 'image/jpeg',
  size: 10,
  status: 'uploaded',
  thumbnails: { medium: `http://127.0.0.1:9/thumbnails/${mediaId}/medium.webp` },
  createdAt: '',
  updatedAt: '',
  ...extra,
});

describe('placeholders', () => {
  it('decodes a ThumbHash to an image URL over the dominant colour, and paints nothing for older records', () => {
    const style = placeholderStyle({ thumbhash: hashOf(), dominantColor: '#a0281e' });
    expect(style.backgroundColor).toBe('#a0281e');
    expect(String(style.backgroundImage)).toMatch(/^url\(data:image\/png;base64,/);
    expect(placeholderStyle({})).toEqual({});
    // A damaged hash leaves the colour, not an exception in the middle of a grid render.
    expect(placeholderStyle({ thumbhash: '!!', dominantColor: '#000000' })).toEqual({ backgroundColor: '#000000' });
  });

  it('the album grid paints each photo’s ThumbHash behind its rendition; a record without one gets none', async () => {
    const fake = new InMemoryFakeEngine();
    fake.albums.push({ albumId: 'a1', title: 'Trip', mediaCount: 2, createdAt: '2026-11-24T10:00:00Z', updatedAt: '2026-11-24T10:00:00Z' });
    fake.media.set('a1', [media('new', { thumbhash: hashOf(), dominantColor: '#a0281e' }), media('old', {})]);
    await mountApp(fake, { view: 'albums' });
    fireEvent.click(await screen.findByRole('button', { name: /Trip/ }));
    const fresh = (await screen.findByAltText('new.jpg')) as HTMLImageElement;
    expect(fresh.style.backgroundImage).toContain('data:image/png;base64,');
    const old = screen.getByAltText('old.jpg') as HTMLImageElement;
    expect(old.style.backgroundImage).toBe('');
  });

  it('a queue row paints the ThumbHash behind its thumbnail once the file is uploaded', async () => {
    const fake = new InMemoryFakeEngine(makeItems(1));
    await mountApp(fake);
    const name = await screen.findByText('img-000001.jpg');
    act(() => void fake.update(1, { state: 'uploaded', thumbnail: 'http://127.0.0.1:9/t/small.webp', thumbhash: hashOf(), dominantColor: '#a0281e' }));
    const row = name.closest('.qrow') as HTMLElement;
    const img = row.querySelector('.qthumb img') as HTMLImageElement;
    expect(img.getAttribute('src')).toBe('http://127.0.0.1:9/t/small.webp');
    expect(img.style.backgroundImage).toContain('data:image/png;base64,');
  });
});

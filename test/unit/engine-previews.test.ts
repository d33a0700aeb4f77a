/**
 * Local previews: small WebPs made once per file version, kept on disk across restarts, bounded in
 * memory, one decode for many simultaneous asks, nothing for videos and damaged images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { PreviewCache } from '../../main/engine/previews.ts';

let root: string;
const paths = new Map<number, string>();
const cache = (over: Partial<ConstructorParameters<typeof PreviewCache>[0]> = {}) =>
  new PreviewCache({ dir: join(root, 'previews'), pathOf: (id) => paths.get(id), ...over });

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ferry-previews-'));
  for (let i = 1; i <= 4; i++) {
    const file = join(root, `p${i}.jpg`);
    await writeFile(file, await sharp({ create: { width: 800 + i, height: 600, channels: 3, background: '#884422' } }).jpeg().toBuffer());
    paths.set(i, file);
  }
  await writeFile(join(root, 'clip.mp4'), Buffer.alloc(1000, 1));
  paths.set(10, join(root, 'clip.mp4'));
  await writeFile(join(root, 'broken.jpg'), Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4096, 7)]));
  paths.set(11, join(root, 'broken.jpg'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('PreviewCache', () => {
  it('makes a WebP no larger than 96 px, once for many simultaneous asks', async () => {
    const c = cache();
    const all = await Promise.all(Array.from({ length: 5 }, () => c.get(1)));
    expect(c.made).toBe(1);
    const meta = await sharp(all[0]!.bytes).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBe(96);
    expect(meta.height).toBe(96);
    expect(new Set(all.map((p) => p!.etag)).size).toBe(1);
    expect(await c.dataUrl(1)).toMatch(/^data:image\/webp;base64,/);
  });

  it('reuses the disk copy after a restart, and makes a new one when the file changes', async () => {
    await cache().get(2);
    const fresh = cache();
    await fresh.get(2);
    expect(fresh.made).toBe(0);
    await utimes(paths.get(2)!, new Date(), new Date(Date.now() + 5000));
    await fresh.get(2);
    expect(fresh.made).toBe(1);
  });

  it('keeps at most memoryEntries previews in memory (older ones come back from disk)', async () => {
    const c = cache({ memoryEntries: 2 });
    for (const id of [1, 2, 3, 4]) await c.get(id);
    const held = (c as unknown as { memory: Map<string, unknown> }).memory;
    expect(held.size).toBe(2);
    const dirs = await readdir(join(root, 'previews'));
    expect(dirs.length).toBeGreaterThan(0);
  });

  it('has nothing for a video, a damaged image, or an unknown row', async () => {
    const c = cache();
    expect(await c.get(10)).toBeNull();
    expect(await c.get(11)).toBeNull();
    expect(await c.get(999)).toBeNull();
    expect(await c.dataUrl(11)).toBeNull();
  });
});

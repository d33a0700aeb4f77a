/**
 * DELETE /media/{id}'s core over the in-memory fakes: the original, its renditions and the record go,
 * the album's count and cover follow, 404 for an unknown ID, 403 for another user's media. The
 * real-stack version is test/integration/backend-delete.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { albumRenditions } from '../../shared/renditions.ts';
import { renditionKey } from '../../shared/object-keys.ts';
import { deleteMedia, objectKeysOf } from '../../backend-lambda/lib/delete-media.ts';
import type { MediaRecord } from '../../backend-lambda/lib/storage/storage.ts';
import { codeOf, fakeDeps, withAlbum, type FakeBackend } from '../helpers/fake-backend.ts';

const USER = 'user-1';

/** An uploaded (or other status) media in album-1 with its original and renditions in the fake S3. */
async function seed(f: FakeBackend, mediaId: string, over: Partial<MediaRecord> = {}): Promise<MediaRecord> {
  const now = f.clock.now().toISOString();
  const key = `albums/album-1/media/${mediaId}.jpg`;
  const thumbnailKeys = Object.fromEntries(albumRenditions.map((r) => [r.name, renditionKey(key, r.name)]));
  const record: MediaRecord = {
    mediaId,
    ownerId: USER,
    kind: 'album',
    albumId: 'album-1',
    filename: `${mediaId}.jpg`,
    key,
    mimeType: 'image/jpeg',
    size: 10,
    status: 'uploaded',
    thumbnailKeys,
    createdAt: now,
    updatedAt: now,
    ...over,
  };
  await f.storage.createPendingMedia({ ...record, status: 'pending' });
  Object.assign(f.storage.media.get(mediaId)!, record);
  for (const k of [key, ...Object.values(thumbnailKeys)]) f.s3.objects.set(k, { bytes: Buffer.from(k) });
  f.clock.advance(1000);
  return record;
}

describe('deleteMedia', () => {
  it('removes the original, every rendition and the record; the count follows and the cover moves on', async () => {
    const f = fakeDeps();
    const album = await withAlbum(f);
    const older = await seed(f, 'm-old');
    const newest = await seed(f, 'm-new');
    Object.assign(album, { mediaCount: 2, coverKey: newest.thumbnailKeys!.cover });

    await deleteMedia(f.deps, USER, 'm-new');
    expect(f.storage.media.has('m-new')).toBe(false);
    expect(objectKeysOf(newest).filter((k) => f.s3.objects.has(k))).toEqual([]);
    expect(objectKeysOf(older).every((k) => f.s3.objects.has(k))).toBe(true);
    expect(album.mediaCount).toBe(1);
    expect(album.coverKey).toBe(older.thumbnailKeys!.cover);

    await deleteMedia(f.deps, USER, 'm-old');
    expect(album.mediaCount).toBe(0);
    expect(album.coverKey).toBeUndefined();
    expect(f.s3.objects.size).toBe(0);
  });

  it('404 for an unknown ID, 403 for another user’s media, 409 for an avatar; nothing deleted', async () => {
    const f = fakeDeps();
    await withAlbum(f);
    await seed(f, 'theirs', { ownerId: 'someone-else' });
    await seed(f, 'avatar-1', { kind: 'avatar' });
    const before = f.s3.objects.size;
    expect(await codeOf(deleteMedia(f.deps, USER, 'nope'))).toBe('NOT_FOUND');
    expect(await codeOf(deleteMedia(f.deps, USER, 'theirs'))).toBe('FORBIDDEN');
    expect(await codeOf(deleteMedia(f.deps, USER, 'avatar-1'))).toBe('CONFLICT');
    expect(f.s3.objects.size).toBe(before);
    expect(f.storage.writes().filter((w) => w === 'deleteMedia' || w === 'uncountAlbumMedia')).toEqual([]);
  });

  it('a failed or pending media is deleted without touching the count (it was never counted)', async () => {
    const f = fakeDeps();
    const album = await withAlbum(f);
    album.mediaCount = 1;
    await seed(f, 'broken', { status: 'failed', error: { code: 'UNSUPPORTED_IMAGE', message: 'x' } });
    await deleteMedia(f.deps, USER, 'broken');
    expect(f.storage.media.has('broken')).toBe(false);
    expect(album.mediaCount).toBe(1);
  });

  it('a pending multipart upload is aborted too', async () => {
    const f = fakeDeps();
    await withAlbum(f);
    f.s3.uploads.set('up-1', { key: 'albums/album-1/media/big.mp4' });
    await seed(f, 'big', { status: 'pending', uploadId: 'up-1', key: 'albums/album-1/media/big.mp4', thumbnailKeys: undefined });
    await deleteMedia(f.deps, USER, 'big');
    expect(f.s3.uploads.has('up-1')).toBe(false);
    expect(f.s3.sent).toContain('AbortMultipartUploadCommand');
  });

  it('two deletes of one media: both succeed, the count drops once', async () => {
    const f = fakeDeps();
    const album = await withAlbum(f);
    album.mediaCount = 1;
    await seed(f, 'm1');
    await Promise.all([deleteMedia(f.deps, USER, 'm1'), deleteMedia(f.deps, USER, 'm1')]);
    expect(album.mediaCount).toBe(0);
    expect(f.storage.writes().filter((w) => w === 'uncountAlbumMedia')).toEqual(['uncountAlbumMedia']);
  });
});

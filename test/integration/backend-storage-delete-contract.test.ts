/**
 * The delete half of the storage contract (lib/storage/dynamo-storage-delete.ts), run against
 * DynamoDB (the embedded backend's dynalite) and against MemoryStorage, so the fake the delete core's
 * unit tests use behaves like the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyDeps, type AwsDeps } from '../../backend-lambda/lib/deps.ts';
import { dynamoStorageWithDelete } from '../../backend-lambda/lib/storage/dynamo-storage-delete.ts';
import type { NewPendingMedia, StorageWithDelete } from '../../backend-lambda/lib/storage/storage.ts';
import { backendDeps, startTestBackend, type TestBackend } from '../helpers/backend.ts';
import { MemoryStorage } from '../helpers/fake-backend.ts';

let backend: TestBackend;
let deps: AwsDeps<ReturnType<typeof dynamoStorageWithDelete>>;
let dynamo: StorageWithDelete;
beforeAll(async () => {
  backend = await startTestBackend();
  // the table is reachable only through the backend's private socket: the same deps the cores get
  deps = backendDeps(backend, {}, undefined, dynamoStorageWithDelete);
  dynamo = deps.storage;
});
afterAll(async () => {
  if (deps) destroyDeps(deps);
  await backend?.destroy();
});

let n = 0;
const uid = (what: string) => `${what}-${++n}-${Date.now().toString(36)}`;
const T0 = '2026-01-01T00:00:00.000Z';

function media(over: Partial<NewPendingMedia> & { mediaId: string }): NewPendingMedia {
  return { ownerId: 'u', kind: 'album', filename: 'f.jpg', key: `albums/a/media/${over.mediaId}.jpg`, mimeType: 'image/jpeg', size: 10, status: 'pending', createdAt: T0, updatedAt: T0, ...over };
}

describe.each([
  ['DynamoStorageWithDelete', () => dynamo as StorageWithDelete],
  ['MemoryStorage', () => new MemoryStorage() as StorageWithDelete],
])('%s', (_name, make) => {
  it('deletes a media record once, answering it as it was; it leaves the album listing', async () => {
    const s = make();
    const albumId = uid('a');
    const id = uid('m');
    await s.createPendingMedia(media({ mediaId: id, albumId, sha256: 'ab' }));
    await s.markUploaded(id, { size: 10 }, T0);
    const removed = await s.deleteMedia(id);
    expect(removed).toMatchObject({ mediaId: id, albumId, status: 'uploaded', sha256: 'ab' });
    expect(Object.keys(removed!)).not.toContain('pk');
    expect(await s.deleteMedia(id)).toBeUndefined();
    expect(await s.getMedia(id)).toBeUndefined();
    expect((await s.listAlbumMedia(albumId, { limit: 10 })).items).toEqual([]);
    expect(await s.findUploadedDuplicate(albumId, 'ab')).toBeUndefined();
    // its duplicate pointer went with it: the batch route must not skip those bytes as a duplicate of nothing
    expect(await s.findUploadedDuplicates(albumId, ['ab'])).toEqual(new Map());
  });

  it('deleting a later copy of the same bytes leaves the first copy’s duplicate pointer', async () => {
    const s = make();
    const albumId = uid('a');
    const [first, second] = [uid('m'), uid('m')];
    for (const id of [first, second]) {
      await s.createPendingMedia(media({ mediaId: id, albumId, sha256: 'cd' }));
      await s.markUploaded(id, { size: 10 }, T0);
    }
    await s.deleteMedia(second);
    expect((await s.findUploadedDuplicates(albumId, ['cd'])).get('cd')).toBe(first);
  });

  it('uncounts down to 0 and no further, and moves the cover only while it is the removed one', async () => {
    const s = make();
    const albumId = uid('a');
    await s.createAlbum({ albumId, ownerId: 'u', title: 't', mediaCount: 0, createdAt: T0, updatedAt: T0 });
    await s.countAlbumUpload('u', albumId, 'thumbnails/x/cover.webp', T0);
    await s.countAlbumUpload('u', albumId, 'thumbnails/y/cover.webp', T0);
    // The cover is x's: removing y's leaves it; removing x's moves it to y's.
    expect(await s.uncountAlbumMedia('u', albumId, { removedCover: 'thumbnails/y/cover.webp', newCover: undefined }, T0)).toBe(true);
    expect(await s.getAlbum('u', albumId)).toMatchObject({ mediaCount: 1, coverKey: 'thumbnails/x/cover.webp' });
    expect(await s.uncountAlbumMedia('u', albumId, { removedCover: 'thumbnails/x/cover.webp', newCover: 'thumbnails/z/cover.webp' }, T0)).toBe(true);
    expect(await s.getAlbum('u', albumId)).toMatchObject({ mediaCount: 0, coverKey: 'thumbnails/z/cover.webp' });
    expect(await s.uncountAlbumMedia('u', albumId, { removedCover: 'thumbnails/z/cover.webp', newCover: undefined }, T0)).toBe(false);
    const album = await s.getAlbum('u', albumId);
    expect(album?.mediaCount).toBe(0);
    expect(album?.coverKey).toBeUndefined();
    expect(await s.uncountAlbumMedia('u', uid('gone'), undefined, T0)).toBe(false);
  });
});

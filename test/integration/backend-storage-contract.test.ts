/**
 * One contract, two implementations: every case runs against DynamoStorage (on the embedded
 * backend's dynalite) and against MemoryStorage, so the fake the core unit tests use behaves like
 * the table: conditional writes, index order, paging, records without table attributes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyDeps, type AwsDeps } from '../../backend-lambda/lib/deps.ts';
import { ApiError } from '../../backend-lambda/lib/errors.ts';
import type { NewPendingMedia, Storage } from '../../backend-lambda/lib/storage/storage.ts';
import { backendDeps, startTestBackend, type TestBackend } from '../helpers/backend.ts';
import { MemoryStorage } from '../helpers/fake-backend.ts';

let backend: TestBackend;
let deps: AwsDeps;
beforeAll(async () => {
  backend = await startTestBackend();
  deps = backendDeps(backend);
});
afterAll(async () => {
  destroyDeps(deps);
  await backend.destroy();
});

let n = 0;
/** IDs unique across cases: the Dynamo table is shared by all of them. */
const uid = (what: string) => `${what}-${++n}-${Date.now().toString(36)}`;
const T0 = '2026-01-01T00:00:00.000Z';
const at = (s: number) => new Date(Date.parse(T0) + s * 1000).toISOString();

function media(over: Partial<NewPendingMedia> & { mediaId: string }): NewPendingMedia {
  return { ownerId: 'u', kind: 'album', filename: 'f.jpg', key: `albums/a/media/${over.mediaId}.jpg`, mimeType: 'image/jpeg', size: 10, status: 'pending', createdAt: T0, updatedAt: T0, ...over };
}

describe.each([
  ['DynamoStorage', () => deps.storage as Storage],
  ['MemoryStorage', () => new MemoryStorage() as Storage],
])('%s', (_name, make) => {
  it('creates a pending record once, and reads it back without table attributes', async () => {
    const s = make();
    const id = uid('m');
    expect(await s.createPendingMedia(media({ mediaId: id, albumId: 'a', sha256: 'ab', uploadId: 'up', partSize: 5, partCount: 2 }))).toBe(true);
    expect(await s.createPendingMedia(media({ mediaId: id }))).toBe(false);
    const got = await s.getMedia(id);
    expect(got).toEqual({ ...media({ mediaId: id, albumId: 'a', sha256: 'ab', uploadId: 'up', partSize: 5, partCount: 2 }) });
    expect(await s.getMedia(uid('none'))).toBeUndefined();
  });

  it('replaces a failed record only for its owner, and only when asked', async () => {
    const s = make();
    const id = uid('g');
    await s.createPendingMedia(media({ mediaId: id }));
    expect(await s.createPendingMedia(media({ mediaId: id }), { replaceFailed: true })).toBe(false);
    await s.failPending(id, { code: 'CHECKSUM_MISMATCH', message: 'x' }, at(1));
    expect(await s.createPendingMedia(media({ mediaId: id, ownerId: 'other' }), { replaceFailed: true })).toBe(false);
    expect(await s.createPendingMedia(media({ mediaId: id }))).toBe(false);
    expect(await s.createPendingMedia(media({ mediaId: id, createdAt: at(2) }), { replaceFailed: true })).toBe(true);
    expect(await s.getMedia(id)).toMatchObject({ status: 'pending', createdAt: at(2) });
  });

  it('pending → uploaded and pending → failed are each decided once', async () => {
    const s = make();
    const [a, b] = [uid('m'), uid('m')];
    await s.createPendingMedia(media({ mediaId: a, uploadId: 'up' }));
    await s.createPendingMedia(media({ mediaId: b, uploadId: 'up' }));
    expect(await s.markUploaded(a, { size: 11, width: 4, height: 3, thumbnailKeys: { small: 'thumbnails/x/small.webp' } }, at(5))).toBe(true);
    expect(await s.markUploaded(a, { size: 11 }, at(6))).toBe(false);
    expect(await s.failPending(a, { code: 'UPLOAD_EXPIRED', message: 'late' }, at(7))).toBe(false);
    const up = await s.getMedia(a);
    expect(up).toMatchObject({ status: 'uploaded', size: 11, width: 4, height: 3, thumbnailKeys: { small: 'thumbnails/x/small.webp' }, updatedAt: at(5) });
    expect(up?.uploadId).toBeUndefined();
    expect(await s.failPending(b, { code: 'CANCELLED', message: 'bye' }, at(8))).toBe(true);
    expect(await s.markUploaded(b, { size: 10 }, at(9))).toBe(false);
    const failed = await s.getMedia(b);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'CANCELLED', message: 'bye' }, updatedAt: at(8) });
    expect(failed?.uploadId).toBeUndefined();
    expect((await s.getMediaBatch([a, b, uid('none'), a])).map((m) => m.mediaId).sort()).toEqual([a, b].sort());
  });

  it('finds only an uploaded duplicate of (album, sha256)', async () => {
    const s = make();
    const album = uid('album');
    const [p, u] = [uid('m'), uid('m')];
    await s.createPendingMedia(media({ mediaId: p, albumId: album, sha256: 'cafe' }));
    expect(await s.findUploadedDuplicate(album, 'cafe')).toBeUndefined();
    await s.createPendingMedia(media({ mediaId: u, albumId: album, sha256: 'cafe' }));
    await s.markUploaded(u, { size: 10 }, at(1));
    expect((await s.findUploadedDuplicate(album, 'cafe'))?.mediaId).toBe(u);
    expect(await s.findUploadedDuplicate(uid('album'), 'cafe')).toBeUndefined();
  });

  it('batch-reads duplicate pointers, written once per (album, sha256) by the first upload to win', async () => {
    const s = make();
    const album = uid('album');
    const [p, u, later] = [uid('m'), uid('m'), uid('m')];
    await s.createPendingMediaBatch([media({ mediaId: p, albumId: album, sha256: 'beef' }), media({ mediaId: u, albumId: album, sha256: 'cafe' })]);
    expect((await s.getMediaBatch([p, u])).map((m) => m.status)).toEqual(['pending', 'pending']);
    expect(await s.findUploadedDuplicates(album, ['beef', 'cafe'])).toEqual(new Map());
    await s.markUploaded(u, { size: 10 }, at(1));
    await s.createPendingMedia(media({ mediaId: later, albumId: album, sha256: 'cafe' }));
    await s.markUploaded(later, { size: 10 }, at(2));
    expect(await s.findUploadedDuplicates(album, ['beef', 'cafe', 'cafe'])).toEqual(new Map([['cafe', u]]));
    expect(await s.findUploadedDuplicates(uid('album'), ['cafe'])).toEqual(new Map());
    expect(await s.findUploadedDuplicates(album, [])).toEqual(new Map());
  });

  it('sets a sha256 known only at completion, on a pending record only, and the duplicate query sees it', async () => {
    const s = make();
    const album = uid('album');
    const [m, done] = [uid('m'), uid('m')];
    await s.createPendingMedia(media({ mediaId: m, albumId: album }));
    expect(await s.setPendingSha256(m, album, 'f00d', at(3))).toBe(true);
    expect(await s.getMedia(m)).toMatchObject({ sha256: 'f00d', updatedAt: at(3) });
    await s.markUploaded(m, { size: 10 }, at(4));
    expect((await s.findUploadedDuplicate(album, 'f00d'))?.mediaId).toBe(m);
    expect((await s.findUploadedDuplicates(album, ['f00d'])).get('f00d')).toBe(m);
    await s.createPendingMedia(media({ mediaId: done, albumId: album }));
    await s.failPending(done, { code: 'CANCELLED', message: 'x' }, at(5));
    expect(await s.setPendingSha256(done, album, 'f00d', at(6))).toBe(false);
  });

  it('pages an album newest first, and refuses another album’s cursor', async () => {
    const s = make();
    const album = uid('album');
    const ids = [uid('m'), uid('m'), uid('m')];
    for (const [i, id] of ids.entries()) await s.createPendingMedia(media({ mediaId: id, albumId: album, createdAt: at(i) }));
    const first = await s.listAlbumMedia(album, { limit: 2 });
    expect(first.items.map((m) => m.mediaId)).toEqual([ids[2], ids[1]]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await s.listAlbumMedia(album, { cursor: first.nextCursor!, limit: 2 });
    expect(second.items.map((m) => m.mediaId)).toEqual([ids[0]]);
    await expect(s.listAlbumMedia(uid('album'), { cursor: first.nextCursor!, limit: 2 })).rejects.toBeInstanceOf(ApiError);
    await expect(s.listAlbumMedia(album, { cursor: 'not-a-cursor', limit: 2 })).rejects.toBeInstanceOf(ApiError);
  });

  it('lists a generation in index order (10 after 2)', async () => {
    const s = make();
    const gen = uid('gen');
    for (const i of [10, 2, 1]) await s.createPendingMedia(media({ mediaId: `${gen}_${i}`, kind: 'generated', generationId: gen, generationIndex: i }));
    expect((await s.listGenerationMedia(gen)).map((m) => m.mediaId)).toEqual([`${gen}_1`, `${gen}_2`, `${gen}_10`]);
  });

  it('lists pending records by age, and a decided one leaves the list', async () => {
    const s = make();
    const [old, young] = [uid('m'), uid('m')];
    await s.createPendingMedia(media({ mediaId: old, createdAt: '2001-01-01T00:00:00.000Z' }));
    await s.createPendingMedia(media({ mediaId: young, createdAt: '2001-01-01T00:00:10.000Z' }));
    const before = (q: string) => s.listPending({ createdBefore: q, limit: 1000 }).then((l) => l.map((m) => m.mediaId).filter((id) => id === old || id === young));
    expect(await before('2001-01-01T00:00:05.000Z')).toEqual([old]);
    expect((await before('2001-01-01T00:00:11.000Z')).sort()).toEqual([old, young].sort());
    await s.failPending(old, { code: 'UPLOAD_EXPIRED', message: 'x' }, at(1));
    expect(await before('2001-01-01T00:00:11.000Z')).toEqual([young]);
    expect((await s.listPending({ limit: 10_000 })).some((m) => m.mediaId === young)).toBe(true);
  });

  it('albums: created once, listed newest first, counted atomically, cover set once; a missing album is not counted', async () => {
    const s = make();
    const owner = uid('owner');
    const [a, b] = [uid('album'), uid('album')];
    expect(await s.createAlbum({ albumId: a, ownerId: owner, title: 'A', mediaCount: 0, createdAt: at(1), updatedAt: at(1) })).toBe(true);
    expect(await s.createAlbum({ albumId: a, ownerId: owner, title: 'A again', mediaCount: 0, createdAt: at(1), updatedAt: at(1) })).toBe(false);
    await s.createAlbum({ albumId: b, ownerId: owner, title: 'B', mediaCount: 0, createdAt: at(2), updatedAt: at(2) });
    expect((await s.listAlbums(owner)).map((x) => x.albumId)).toEqual([b, a]);
    expect(await s.getAlbum('someone-else', a)).toBeUndefined();
    expect(await s.countAlbumUpload(owner, a, 'thumbnails/first/cover.webp', at(3))).toBe(true);
    expect(await s.countAlbumUpload(owner, a, 'thumbnails/second/cover.webp', at(4))).toBe(true);
    expect(await s.countAlbumUpload(owner, uid('album'), undefined, at(4))).toBe(false);
    expect(await s.getAlbum(owner, a)).toEqual({ albumId: a, ownerId: owner, title: 'A', mediaCount: 2, coverKey: 'thumbnails/first/cover.webp', createdAt: at(1), updatedAt: at(4) });
  });

  it('users: ensured once (name kept), avatar set', async () => {
    const s = make();
    const user = uid('user');
    await s.ensureUser(user, at(1), 'First');
    await s.ensureUser(user, at(2), 'Second');
    expect(await s.getUser(user)).toEqual({ userId: user, name: 'First', createdAt: at(1), updatedAt: at(1) });
    await s.setAvatar(user, { key: 'users/u/avatar/a.png', thumbnailKeys: { small: 't/s.webp' }, width: 3, height: 2 }, at(3));
    expect(await s.getUser(user)).toMatchObject({ avatar: { key: 'users/u/avatar/a.png', thumbnailKeys: { small: 't/s.webp' }, width: 3, height: 2 }, updatedAt: at(3) });
    const fresh = uid('user');
    await s.setAvatar(fresh, { key: 'k' }, at(4));
    expect(await s.getUser(fresh)).toMatchObject({ userId: fresh, createdAt: at(4), avatar: { key: 'k' } });
  });
});

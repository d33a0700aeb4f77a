/**
 * The upload cores (lib/uploads.ts) over in-memory fakes: requests for album, generation and avatar
 * uploads, duplicates, completion and cancel. The real-stack versions are in test/integration/backend-*.
 */
import { describe, expect, it } from 'vitest';
import { MULTIPART_THRESHOLD } from '../../shared/multipart.ts';
import {
  abortUpload,
  completeUpload,
  refreshUploadUrl,
  requestAlbumUpload,
  requestAvatarUpload,
  requestGenerationUpload,
  signParts,
} from '../../backend-lambda/lib/uploads.ts';
import { codeOf, fakeDeps, withAlbum, type FakeBackend } from '../helpers/fake-backend.ts';

const USER = 'user-1';
const SHA = 'a'.repeat(64);
const jpeg = (over: Record<string, unknown> = {}) => ({ filename: 'a.jpg', mimeType: 'image/jpeg', size: 1000, ...over });

describe('requestAlbumUpload', () => {
  it('writes one pending record and answers a presigned PUT bound to type and length', async () => {
    const f = fakeDeps();
    const { albumId } = await withAlbum(f);
    const out = await requestAlbumUpload(f.deps, USER, albumId, jpeg({ sha256: SHA }));
    expect(out.status).toBe(201);
    if (out.status !== 201) return;
    expect(out.body).toMatchObject({ mediaId: 'id-1', key: 'albums/album-1/media/id-1.jpg', status: 'pending', upload: { type: 'single', method: 'PUT' } });
    expect(out.body.upload).toMatchObject({ headers: { 'Content-Type': 'image/jpeg', 'Content-Length': '1000' } });
    expect(f.storage.media.get('id-1')).toMatchObject({ status: 'pending', ownerId: USER, albumId, sha256: SHA, kind: 'album', createdAt: '2026-01-01T00:00:00.000Z' });
    expect(f.storage.writes()).toEqual(['createAlbum', 'createPendingMedia']);
  });

  it('404 for a missing album or another user’s album, and nothing is written', async () => {
    const f = fakeDeps();
    await withAlbum(f, 'theirs', 'someone-else');
    expect(await codeOf(requestAlbumUpload(f.deps, USER, 'nope', jpeg()))).toBe('NOT_FOUND');
    expect(await codeOf(requestAlbumUpload(f.deps, USER, 'theirs', jpeg()))).toBe('NOT_FOUND');
    expect(f.storage.writes()).toEqual(['createAlbum']);
  });

  it('415 off the allow list, 413 above the cap, before any read', async () => {
    const f = fakeDeps({ maxUploadBytes: 5000 });
    const { albumId } = await withAlbum(f);
    expect(await codeOf(requestAlbumUpload(f.deps, USER, albumId, jpeg({ mimeType: 'application/pdf' })))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await codeOf(requestAlbumUpload(f.deps, USER, albumId, jpeg({ size: 5001 })))).toBe('FILE_TOO_LARGE');
    expect(f.storage.calls).toEqual(['createAlbum']);
  });

  it('the same sha256 already uploaded in the album answers duplicateOf and writes nothing', async () => {
    const f = fakeDeps();
    const { albumId } = await withAlbum(f);
    const first = await requestAlbumUpload(f.deps, USER, albumId, jpeg({ sha256: SHA }));
    // Still pending: not a duplicate yet (its bytes may never arrive).
    expect((await requestAlbumUpload(f.deps, USER, albumId, jpeg({ sha256: SHA }))).status).toBe(201);
    await f.storage.markUploaded(first.body.mediaId, { size: 1000 }, f.clock.now().toISOString());
    const before = f.storage.writes().length;
    const dup = await requestAlbumUpload(f.deps, USER, albumId, jpeg({ sha256: SHA }));
    expect(dup).toEqual({ status: 200, body: { mediaId: first.body.mediaId, duplicateOf: first.body.mediaId, status: 'uploaded' } });
    expect(f.storage.writes().length).toBe(before);
    // Another album is another story.
    const { albumId: other } = await withAlbum(f, 'album-2');
    expect((await requestAlbumUpload(f.deps, USER, other, jpeg({ sha256: SHA }))).status).toBe(201);
  });

  it('from 32 MiB on: a multipart upload, its ID kept on the record', async () => {
    const f = fakeDeps();
    const { albumId } = await withAlbum(f);
    const out = await requestAlbumUpload(f.deps, USER, albumId, jpeg({ size: MULTIPART_THRESHOLD }));
    expect(out.body).toMatchObject({ upload: { type: 'multipart', uploadId: 'upload-1', partSize: 8 * 1024 * 1024, partCount: 4 } });
    expect(f.storage.media.get(out.body.mediaId)).toMatchObject({ uploadId: 'upload-1', partSize: 8 * 1024 * 1024, partCount: 4 });
  });

  it('a lost create (ID taken) is a 409, and the multipart upload it opened is aborted', async () => {
    const f = fakeDeps();
    const { albumId } = await withAlbum(f);
    f.deps.newId = () => 'same';
    await requestAlbumUpload(f.deps, USER, albumId, jpeg());
    expect(await codeOf(requestAlbumUpload(f.deps, USER, albumId, jpeg({ size: MULTIPART_THRESHOLD })))).toBe('CONFLICT');
    expect(f.s3.sent).toEqual(['CreateMultipartUploadCommand', 'AbortMultipartUploadCommand']);
    expect(f.s3.uploads.size).toBe(0);
  });
});

describe('requestGenerationUpload', () => {
  const gen = (index: number, over: Record<string, unknown> = {}) => ({ ...jpeg(over), index });

  it('the media ID is {generationId}_{index}, filed in the album when given', async () => {
    const f = fakeDeps();
    const { albumId } = await withAlbum(f);
    const out = await requestGenerationUpload(f.deps, USER, 'gen-1', { ...gen(3), albumId, metadata: { prompt: 'p' } });
    expect(out.body).toMatchObject({ mediaId: 'gen-1_3', key: 'generated/gen-1/gen-1_3.jpg', status: 'pending' });
    expect(f.storage.media.get('gen-1_3')).toMatchObject({ kind: 'generated', generationId: 'gen-1', albumId, metadata: { prompt: 'p' }, generationIndex: 3 });
  });

  it('another user’s generation is 403; a pending one 409; an uploaded one answers itself as duplicate', async () => {
    const f = fakeDeps();
    await requestGenerationUpload(f.deps, 'someone-else', 'gen-x', gen(0));
    expect(await codeOf(requestGenerationUpload(f.deps, USER, 'gen-x', gen(0)))).toBe('FORBIDDEN');
    await requestGenerationUpload(f.deps, USER, 'gen-1', gen(0));
    expect(await codeOf(requestGenerationUpload(f.deps, USER, 'gen-1', gen(0)))).toBe('CONFLICT');
    await f.storage.markUploaded('gen-1_0', { size: 1000 }, f.clock.now().toISOString());
    expect(await requestGenerationUpload(f.deps, USER, 'gen-1', gen(0))).toEqual({ status: 200, body: { mediaId: 'gen-1_0', duplicateOf: 'gen-1_0', status: 'uploaded' } });
  });

  it('a failed generated record is replaced by a retry of the same index', async () => {
    const f = fakeDeps();
    await requestGenerationUpload(f.deps, USER, 'gen-1', gen(1));
    await f.storage.failPending('gen-1_1', { code: 'CHECKSUM_MISMATCH', message: 'x' }, f.clock.now().toISOString());
    f.clock.advance(1000);
    expect((await requestGenerationUpload(f.deps, USER, 'gen-1', gen(1))).status).toBe(201);
    expect(f.storage.media.get('gen-1_1')).toMatchObject({ status: 'pending', createdAt: '2026-01-01T00:00:01.000Z' });
    expect(f.storage.media.get('gen-1_1')?.error).toBeUndefined();
  });

  it('with an album and a known sha256 it answers the album’s duplicate', async () => {
    const f = fakeDeps();
    const { albumId } = await withAlbum(f);
    const first = await requestAlbumUpload(f.deps, USER, albumId, jpeg({ sha256: SHA }));
    await f.storage.markUploaded(first.body.mediaId, { size: 1000 }, f.clock.now().toISOString());
    const out = await requestGenerationUpload(f.deps, USER, 'gen-1', { ...gen(0, { sha256: SHA }), albumId });
    expect(out).toEqual({ status: 200, body: { mediaId: first.body.mediaId, duplicateOf: first.body.mediaId, status: 'uploaded' } });
  });
});

describe('requestAvatarUpload', () => {
  it('keys the upload under the user, and refuses a video', async () => {
    const f = fakeDeps();
    const out = await requestAvatarUpload(f.deps, USER, jpeg());
    expect(out.body).toMatchObject({ mediaId: 'id-1', key: `users/${USER}/avatar/id-1.jpg` });
    expect(f.storage.media.get('id-1')).toMatchObject({ kind: 'avatar', ownerId: USER });
    expect(await codeOf(requestAvatarUpload(f.deps, USER, jpeg({ mimeType: 'video/mp4' })))).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('refresh, sign, complete, cancel', () => {
  async function multipart(f: FakeBackend) {
    const { albumId } = await withAlbum(f);
    const out = await requestAlbumUpload(f.deps, USER, albumId, jpeg({ size: MULTIPART_THRESHOLD }));
    return out.body as { mediaId: string; key: string };
  }
  const parts = [1, 2, 3, 4].map((partNumber) => ({ partNumber, etag: `"e${partNumber}"` }));

  it('a fresh URL only for a pending single upload; parts only for a multipart one, within its count', async () => {
    const f = fakeDeps();
    const { albumId } = await withAlbum(f);
    const single = await requestAlbumUpload(f.deps, USER, albumId, jpeg());
    expect((await refreshUploadUrl(f.deps, USER, single.body.mediaId)).type).toBe('single');
    expect(await codeOf(signParts(f.deps, USER, single.body.mediaId, [1]))).toBe('CONFLICT');
    const m = await multipart(f);
    expect(await codeOf(refreshUploadUrl(f.deps, USER, m.mediaId))).toBe('CONFLICT');
    expect((await signParts(f.deps, USER, m.mediaId, [1, 4])).map((p) => p.partNumber)).toEqual([1, 4]);
    expect(await codeOf(signParts(f.deps, USER, m.mediaId, [5]))).toBe('INVALID_REQUEST');
    expect(await codeOf(refreshUploadUrl(f.deps, 'someone-else', single.body.mediaId))).toBe('NOT_FOUND');
  });

  it('complete checks the part list, asks S3 to assemble, and answers the record as it is', async () => {
    const f = fakeDeps();
    const m = await multipart(f);
    expect(await codeOf(completeUpload(f.deps, USER, m.mediaId, parts.slice(1)))).toBe('INVALID_REQUEST');
    const done = await completeUpload(f.deps, USER, m.mediaId, parts);
    expect(done).toMatchObject({ mediaId: m.mediaId, status: 'pending' });
    expect(f.s3.objects.has(m.key)).toBe(true);
    // The event then decides; a second complete after that answers the record, not an error.
    await f.storage.markUploaded(m.mediaId, { size: MULTIPART_THRESHOLD }, f.clock.now().toISOString());
    expect(await completeUpload(f.deps, USER, m.mediaId, parts)).toMatchObject({ status: 'uploaded' });
  });

  it('complete after S3 lost the upload: the record if the object is there, else 409', async () => {
    const f = fakeDeps();
    const m = await multipart(f);
    f.s3.uploads.clear();
    expect(await codeOf(completeUpload(f.deps, USER, m.mediaId, parts))).toBe('CONFLICT');
    f.s3.objects.set(m.key, { bytes: Buffer.alloc(1) });
    expect(await completeUpload(f.deps, USER, m.mediaId, parts)).toMatchObject({ mediaId: m.mediaId });
  });

  it('cancel aborts the multipart upload and fails the record CANCELLED, once', async () => {
    const f = fakeDeps();
    const m = await multipart(f);
    f.clock.advance(5000);
    await abortUpload(f.deps, USER, m.mediaId);
    expect(f.s3.uploads.size).toBe(0);
    expect(f.storage.media.get(m.mediaId)).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' }, updatedAt: '2026-01-01T00:00:05.000Z' });
    expect(f.storage.media.get(m.mediaId)?.uploadId).toBeUndefined();
    expect(await codeOf(abortUpload(f.deps, USER, m.mediaId))).toBe('CONFLICT');
  });
});

/**
 * The batch upload request (lib/batch-uploads.ts, SPEC §2) and the sha256-at-completion extension
 * (completeUploadWithHash) over the in-memory fakes. The real-stack version is in
 * test/integration/backend-batch-uploads.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { MULTIPART_THRESHOLD } from '../../shared/multipart.ts';
import { withDeps as batchHandler } from '../../backend-lambda/functions/request-album-uploads.ts';
import { requestAlbumUploads } from '../../backend-lambda/lib/batch-uploads.ts';
import type { ApiEvent } from '../../backend-lambda/lib/http.ts';
import { completeUploadWithHash, requestAlbumUpload } from '../../backend-lambda/lib/uploads.ts';
import { fakeDeps, type FakeBackend } from '../helpers/fake-backend.ts';

const USER = 'user-1';
const sha = (n: number) => n.toString(16).padStart(64, '0');
const jpeg = (n: number, over: Record<string, unknown> = {}) => ({ filename: `f${n}.jpg`, mimeType: 'image/jpeg', size: 1000, sha256: sha(n), clientRef: `r${n}`, ...over });

async function withAlbum(f: FakeBackend, albumId = 'album-1', ownerId = USER) {
  const now = f.clock.now().toISOString();
  await f.storage.createAlbum({ albumId, ownerId, title: 't', mediaCount: 0, createdAt: now, updatedAt: now });
  return albumId;
}

/** An uploaded media with sha(n) in the album, as process-upload would leave it. */
async function uploaded(f: FakeBackend, albumId: string, n: number): Promise<string> {
  const out = await requestAlbumUpload(f.deps, USER, albumId, jpeg(n));
  await f.storage.markUploaded(out.body.mediaId, { size: 1000 }, f.clock.now().toISOString());
  return out.body.mediaId;
}

/** The handler over the fakes (it is typed for DynamoStorage; MemoryStorage keeps the same contract). */
const handlerOver = (f: FakeBackend) => batchHandler(f.deps as unknown as Parameters<typeof batchHandler>[0]);

const event = (albumId: string, body: unknown, sub = USER) =>
  ({
    body: JSON.stringify(body),
    isBase64Encoded: false,
    pathParameters: { albumId },
    requestContext: { authorizer: { jwt: { claims: { sub }, scopes: [] } } },
  }) as unknown as ApiEvent;

describe('requestAlbumUploads', () => {
  it('answers in order: a new pending upload, a duplicate, a bad entry; one ownership read, one duplicate read, one write', async () => {
    const f = fakeDeps();
    const albumId = await withAlbum(f);
    const original = await uploaded(f, albumId, 2);
    f.storage.calls.length = 0;
    const results = await requestAlbumUploads(f.deps, USER, albumId, [jpeg(1), jpeg(2), jpeg(3, { mimeType: 'application/pdf' })]);
    expect(results).toHaveLength(3);
    expect(results[0]).toMatchObject({ clientRef: 'r1', status: 'pending', key: expect.stringMatching(new RegExp(`^albums/${albumId}/media/`)), upload: { type: 'single' } });
    expect(results[1]).toEqual({ clientRef: 'r2', mediaId: original, duplicateOf: original, status: 'uploaded' });
    expect(results[2]).toMatchObject({ clientRef: 'r3', error: { code: 'UNSUPPORTED_MEDIA_TYPE', details: { field: 'files.2.mimeType' } } });
    expect(f.storage.calls.sort()).toEqual(['createPendingMediaBatch', 'findUploadedDuplicates', 'getAlbum']);
    const created = results[0] as { mediaId: string };
    expect(f.storage.media.get(created.mediaId)).toMatchObject({ status: 'pending', albumId, ownerId: USER, sha256: sha(1), filename: 'f1.jpg' });
  });

  it('gives each bad entry its own error naming the field, and still serves the good ones', async () => {
    const f = fakeDeps({ maxUploadBytes: 5000 });
    const albumId = await withAlbum(f);
    const results = await requestAlbumUploads(f.deps, USER, albumId, [
      jpeg(1, { filename: '' }),
      jpeg(2, { size: 5001 }),
      jpeg(3, { sha256: 'nothex' }),
      { clientRef: 'r4' },
      'not an object',
      jpeg(6),
    ]);
    expect(results.map((r) => ('error' in r ? `${r.error.code} ${String(r.error.details?.field)}` : r.status))).toEqual([
      'INVALID_REQUEST files.0.filename',
      'FILE_TOO_LARGE files.1.size',
      'INVALID_REQUEST files.2.sha256',
      'INVALID_REQUEST files.3.filename',
      'INVALID_REQUEST files.4.',
      'pending',
    ]);
    expect(results.slice(0, 4).map((r) => r.clientRef)).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect([...f.storage.media.values()]).toHaveLength(1);
  });

  it('another user’s album fails the whole request with 404 and writes nothing; all-bad entries never touch the table beyond ownership', async () => {
    const f = fakeDeps();
    await withAlbum(f, 'theirs', 'someone-else');
    await expect(requestAlbumUploads(f.deps, USER, 'theirs', [jpeg(1)])).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(f.storage.writes()).toEqual(['createAlbum']);
    const albumId = await withAlbum(f);
    f.storage.calls.length = 0;
    const results = await requestAlbumUploads(f.deps, USER, albumId, [jpeg(1, { mimeType: 'text/plain' })]);
    expect(results[0]).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect(f.storage.calls).toEqual(['getAlbum']);
  });

  it('plans multipart for large files (a multipart upload made per file) and single PUTs for the rest', async () => {
    const f = fakeDeps();
    const albumId = await withAlbum(f);
    const results = await requestAlbumUploads(f.deps, USER, albumId, [jpeg(1, { size: MULTIPART_THRESHOLD, mimeType: 'video/mp4', filename: 'v.mp4' }), jpeg(2)]);
    expect(results[0]).toMatchObject({ upload: { type: 'multipart', partSize: 8 * 1024 * 1024, partCount: 4 } });
    expect(results[1]).toMatchObject({ upload: { type: 'single', headers: { 'Content-Length': '1000' } } });
    const big = results[0] as { mediaId: string; upload: { uploadId: string } };
    expect(f.storage.media.get(big.mediaId)).toMatchObject({ uploadId: big.upload.uploadId, partCount: 4 });
    expect(f.s3.sent.filter((c) => c === 'CreateMultipartUploadCommand')).toHaveLength(1);
  });

  it('entries the table did not take (throttled past retries) get RATE_LIMITED, and their multipart uploads are aborted', async () => {
    const f = fakeDeps();
    const albumId = await withAlbum(f);
    f.storage.createPendingMediaBatch = async (media) => [media[0]!.mediaId];
    const results = await requestAlbumUploads(f.deps, USER, albumId, [jpeg(1, { size: MULTIPART_THRESHOLD }), jpeg(2)]);
    expect(results[0]).toMatchObject({ clientRef: 'r1', error: { code: 'RATE_LIMITED' } });
    expect(results[1]).toMatchObject({ status: 'pending' });
    expect(f.s3.uploads.size).toBe(0);
  });
});

describe('POST /albums/{albumId}/media/uploads', () => {
  it('100 files in one request; 101 is a 400 naming `files`, before any read', async () => {
    const f = fakeDeps();
    const albumId = await withAlbum(f);
    const handler = handlerOver(f);
    const hundred = Array.from({ length: 100 }, (_, i) => jpeg(i));
    const ok = await handler(event(albumId, { files: hundred }));
    expect(ok.statusCode).toBe(200);
    const body = JSON.parse(ok.body!) as { results: { status: string; clientRef: string }[] };
    expect(body.results.map((r) => r.status)).toEqual(Array(100).fill('pending'));
    expect(body.results.map((r) => r.clientRef)).toEqual(hundred.map((h) => h.clientRef));
    f.storage.calls.length = 0;
    const tooMany = await handler(event(albumId, { files: [...hundred, jpeg(100)] }));
    expect(tooMany.statusCode).toBe(400);
    expect(JSON.parse(tooMany.body!).error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'files' } });
    expect(f.storage.calls).toEqual([]);
    expect((await handler(event(albumId, { files: [] }))).statusCode).toBe(400);
  });

  it('another user’s album: 404 for the whole request', async () => {
    const f = fakeDeps();
    await withAlbum(f, 'theirs', 'someone-else');
    const r = await handlerOver(f)(event('theirs', { files: [jpeg(1)] }));
    expect([r.statusCode, JSON.parse(r.body!).error.code]).toEqual([404, 'NOT_FOUND']);
  });
});

describe('completeUploadWithHash (sha256 given at completion)', () => {
  const parts = [1, 2, 3, 4].map((partNumber) => ({ partNumber, etag: `"e${partNumber}"` }));
  async function bigUpload(f: FakeBackend, albumId: string) {
    const out = await requestAlbumUpload(f.deps, USER, albumId, { filename: 'v.mp4', mimeType: 'video/mp4', size: MULTIPART_THRESHOLD });
    if (out.status !== 201) throw new Error('expected a new upload');
    return out.body;
  }

  it('a duplicate found at completion aborts the upload, fails the record CANCELLED and names the original', async () => {
    const f = fakeDeps();
    const albumId = await withAlbum(f);
    const original = await uploaded(f, albumId, 7);
    const m = await bigUpload(f, albumId);
    const out = await completeUploadWithHash(f.deps, USER, m.mediaId, parts, sha(7));
    expect(out.duplicateOf).toBe(original);
    expect(out.record).toMatchObject({ mediaId: m.mediaId, status: 'failed', error: { code: 'CANCELLED' } });
    expect(f.s3.uploads.size).toBe(0);
    expect(f.s3.objects.has(m.key)).toBe(false);
  });

  it('new bytes: the record takes the sha256 (processing checks it) and S3 assembles the parts', async () => {
    const f = fakeDeps();
    const albumId = await withAlbum(f);
    const m = await bigUpload(f, albumId);
    const out = await completeUploadWithHash(f.deps, USER, m.mediaId, parts, sha(8));
    expect(out.duplicateOf).toBeUndefined();
    expect(out.record).toMatchObject({ status: 'pending', sha256: sha(8) });
    expect(f.s3.objects.has(m.key)).toBe(true);
    // Once processed, the pointer makes the next batch see it as a duplicate.
    await f.storage.markUploaded(m.mediaId, { size: MULTIPART_THRESHOLD }, f.clock.now().toISOString());
    const again = await requestAlbumUploads(f.deps, USER, albumId, [jpeg(8)]);
    expect(again[0]).toMatchObject({ duplicateOf: m.mediaId });
  });
});

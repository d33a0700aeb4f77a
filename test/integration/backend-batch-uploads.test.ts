/**
 * POST /albums/{albumId}/media/uploads on the real embedded backend (s3rver + dynalite): duplicates
 * from the pointers process-upload leaves, a bad entry beside good ones, another user's album, the
 * 100-file cap; and a multipart upload whose sha256 comes with its completion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyDeps } from '../../backend-lambda/lib/deps.ts';
import { api, backendDeps, createAlbum, makeJpeg, sha256Hex, startTestBackend, type Loose, type TestBackend } from '../helpers/backend.ts';

let backend: TestBackend;
let albumId: string;
beforeAll(async () => {
  backend = await startTestBackend();
  albumId = await createAlbum(backend, 'batch');
});
afterAll(async () => {
  await backend?.destroy();
});

const entry = (data: Buffer, name: string) => ({ filename: name, mimeType: 'image/jpeg', size: data.length, sha256: sha256Hex(data), clientRef: name });

async function put(upload: Loose, body: Buffer): Promise<number> {
  const res = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: body as unknown as BodyInit });
  await res.arrayBuffer();
  return res.status;
}

describe('batch upload request', () => {
  it('one request: new files upload and process, a known one is a duplicate, a bad entry fails alone', async () => {
    const [a, b, c] = await Promise.all([makeJpeg(320, 240), makeJpeg(330, 240), makeJpeg(340, 240)]);
    const first = await api(backend, 'POST', `/albums/${albumId}/media/uploads`, { files: [entry(a!, 'a.jpg'), entry(b!, 'b.jpg')] });
    expect(first.status).toBe(200);
    expect(first.body.results.map((r: Loose) => [r.clientRef, r.status, r.upload.type])).toEqual([
      ['a.jpg', 'pending', 'single'],
      ['b.jpg', 'pending', 'single'],
    ]);
    expect(await put(first.body.results[0].upload, a!)).toBe(200);
    expect(await put(first.body.results[1].upload, b!)).toBe(200);
    await backend.idle();
    const status = await api(backend, 'POST', '/media/status', { mediaIds: first.body.results.map((r: Loose) => r.mediaId) });
    expect(status.body.media.map((m: Loose) => m.status)).toEqual(['uploaded', 'uploaded']);

    const second = await api(backend, 'POST', `/albums/${albumId}/media/uploads`, {
      files: [entry(a!, 'a-again.jpg'), { ...entry(c!, 'c.pdf'), mimeType: 'application/pdf' }, entry(c!, 'c.jpg'), { filename: 'x.jpg', clientRef: 'broken' }],
    });
    expect(second.status).toBe(200);
    const [dup, bad, fresh, broken] = second.body.results;
    expect(dup).toEqual({ clientRef: 'a-again.jpg', mediaId: first.body.results[0].mediaId, duplicateOf: first.body.results[0].mediaId, status: 'uploaded' });
    expect([bad.clientRef, bad.error.code, bad.error.details.field]).toEqual(['c.pdf', 'UNSUPPORTED_MEDIA_TYPE', 'files.1.mimeType']);
    expect(fresh).toMatchObject({ clientRef: 'c.jpg', status: 'pending' });
    expect([broken.clientRef, broken.error.code]).toEqual(['broken', 'INVALID_REQUEST']);
    expect(await put(fresh.upload, c!)).toBe(200);
    await backend.idle();
    expect((await api(backend, 'GET', `/media/${fresh.mediaId}`)).body.media).toMatchObject({ status: 'uploaded', filename: 'c.jpg' });
    const album = (await api(backend, 'GET', '/albums')).body.albums.find((x: Loose) => x.albumId === albumId);
    expect(album.mediaCount).toBe(3);
  });

  it('another user’s album: 404 for the whole request, nothing written', async () => {
    const deps = backendDeps(backend);
    const now = new Date().toISOString();
    await deps.storage.createAlbum({ albumId: 'their-batch-album', ownerId: 'someone-else', title: 't', mediaCount: 0, createdAt: now, updatedAt: now });
    destroyDeps(deps);
    const data = await makeJpeg(100, 100);
    const r = await api(backend, 'POST', '/albums/their-batch-album/media/uploads', { files: [entry(data, 'x.jpg')] });
    expect([r.status, r.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await api(backend, 'GET', '/albums/their-batch-album/media')).status).toBe(404);
  });

  it('100 files in one request; 101 is a 400 naming `files`', async () => {
    const files = Array.from({ length: 101 }, (_, i) => ({ filename: `f${i}.jpg`, mimeType: 'image/jpeg', size: 1000 + i, sha256: i.toString(16).padStart(64, 'a') }));
    const tooMany = await api(backend, 'POST', `/albums/${albumId}/media/uploads`, { files });
    expect([tooMany.status, tooMany.body.error.code, tooMany.body.error.details.field]).toEqual([400, 'INVALID_REQUEST', 'files']);
    const ok = await api(backend, 'POST', `/albums/${albumId}/media/uploads`, { files: files.slice(0, 100) });
    expect(ok.status).toBe(200);
    expect(ok.body.results).toHaveLength(100);
    expect(new Set(ok.body.results.map((r: Loose) => r.mediaId)).size).toBe(100);
    const status = await api(backend, 'POST', '/media/status', { mediaIds: ok.body.results.map((r: Loose) => r.mediaId) });
    expect(status.body.media.filter((m: Loose) => m.status === 'pending')).toHaveLength(100);
  });
});

describe('sha256 at completion (multipart)', () => {
  const PART = 8 * 1024 * 1024;
  const SIZE = 4 * PART;
  /** A 32 MiB "mp4" (ISO BMFF header, then filler): the smallest file that goes multipart. */
  function video(seed: number): Buffer {
    const buf = Buffer.alloc(SIZE, seed);
    Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')]).copy(buf);
    return buf;
  }
  async function sendParts(mediaId: string, data: Buffer) {
    const signed = await api(backend, 'POST', `/media/${mediaId}/parts`, { partNumbers: [1, 2, 3, 4] });
    return Promise.all(
      signed.body.parts.map(async (p: Loose) => {
        const res = await fetch(p.url, { method: 'PUT', body: data.subarray((p.partNumber - 1) * PART, p.partNumber * PART) as unknown as BodyInit });
        await res.arrayBuffer();
        return { partNumber: p.partNumber, etag: String(res.headers.get('etag')) };
      }),
    );
  }
  const request = () => api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'v.mp4', mimeType: 'video/mp4', size: SIZE });

  it('new bytes are completed and checked against it; the same bytes again are aborted and answered duplicateOf', async () => {
    const data = video(7);
    const sha256 = sha256Hex(data);
    const first = await request();
    expect(first.body.upload.type).toBe('multipart');
    const done = await api(backend, 'POST', `/media/${first.body.mediaId}/complete`, { parts: await sendParts(first.body.mediaId, data), sha256 });
    expect([done.status, done.body.duplicateOf, done.body.media.sha256]).toEqual([200, undefined, sha256]);
    await backend.idle();
    expect((await api(backend, 'GET', `/media/${first.body.mediaId}`)).body.media.status).toBe('uploaded');

    const second = await request();
    const dup = await api(backend, 'POST', `/media/${second.body.mediaId}/complete`, { parts: await sendParts(second.body.mediaId, data), sha256 });
    expect([dup.status, dup.body.duplicateOf, dup.body.media.status, dup.body.media.error.code]).toEqual([200, first.body.mediaId, 'failed', 'CANCELLED']);
    await backend.idle();
    const media = (await api(backend, 'GET', `/albums/${albumId}/media`)).body.media.filter((m: Loose) => m.filename === 'v.mp4');
    expect(media.map((m: Loose) => m.status).sort()).toEqual(['failed', 'uploaded']);
  });

  it('a wrong sha256 at completion fails processing with CHECKSUM_MISMATCH', async () => {
    const data = video(9);
    const m = await request();
    const done = await api(backend, 'POST', `/media/${m.body.mediaId}/complete`, { parts: await sendParts(m.body.mediaId, data), sha256: 'e'.repeat(64) });
    expect(done.status).toBe(200);
    await backend.idle();
    expect((await api(backend, 'GET', `/media/${m.body.mediaId}`)).body.media).toMatchObject({ status: 'failed', error: { code: 'CHECKSUM_MISMATCH' } });
  });
});

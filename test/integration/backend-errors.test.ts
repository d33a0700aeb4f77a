/** Every refusal and every processing failure, each with its code, on the real embedded backend. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cleanupPending } from '../../backend-lambda/lib/cleanup.ts';
import { destroyDeps } from '../../backend-lambda/lib/deps.ts';
import { api, backendDeps, createAlbum, makeHugePngHeader, makeJpeg, makePng, sha256Hex, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';

const MAX = 10 * 1024 * 1024;
let backend: TestBackend;
let albumId: string;
beforeAll(async () => {
  backend = await startTestBackend({ maxUploadBytes: MAX });
  albumId = await createAlbum(backend);
});
afterAll(async () => {
  await backend?.destroy();
});

const media = async (id: string) => (await api(backend, 'GET', `/media/${id}`)).body.media;

describe('auth', () => {
  it('health needs no token', async () => {
    expect(await api(backend, 'GET', '/health', undefined, { token: null })).toEqual({ status: 200, body: { ok: true } });
  });
  it.each([
    ['missing', null],
    ['wrong', 'not-the-token'],
    ['empty', ''],
  ])('%s token: 401 UNAUTHORIZED', async (_name, token) => {
    const res = await api(backend, 'GET', '/albums', undefined, { token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('UNAUTHORIZED');
  });
});

describe('request errors', () => {
  it('invalid JSON: 400 naming the body', async () => {
    const res = await api(backend, 'POST', '/albums', undefined, { rawBody: '{"title": ' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'body' } });
  });
  it.each([
    ['/albums', {}, 'title'],
    [`/albums/ALBUM/media/upload`, { filename: 'a.jpg', mimeType: 'image/jpeg', size: -1 }, 'size'],
    [`/albums/ALBUM/media/upload`, { filename: 'a.jpg', mimeType: 'image/jpeg', size: 1, sha256: 'xyz' }, 'sha256'],
    ['/media/status', { mediaIds: [] }, 'mediaIds'],
  ])('POST %s with a bad field: 400 naming it', async (path, body, field) => {
    const res = await api(backend, 'POST', path.replace('ALBUM', albumId), body);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field } });
  });
  it('a type off the allow list: 415', async () => {
    const res = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'a.tiff', mimeType: 'image/tiff', size: 10 });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
  it('above the size cap: 413', async () => {
    const res = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'a.jpg', mimeType: 'image/jpeg', size: MAX + 1 });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'FILE_TOO_LARGE', details: { maxBytes: MAX } });
  });
  it('no such album, no such media, no such route: 404', async () => {
    const a = await api(backend, 'POST', '/albums/nope/media/upload', { filename: 'a.jpg', mimeType: 'image/jpeg', size: 10 });
    expect([a.status, a.body.error.code]).toEqual([404, 'NOT_FOUND']);
    expect((await api(backend, 'GET', '/media/nope')).status).toBe(404);
    expect((await api(backend, 'GET', '/albums/nope/media')).status).toBe(404);
    expect((await api(backend, 'GET', '/no/such/route')).body.error.code).toBe('NOT_FOUND');
    const malformed = await api(backend, 'GET', '/media/%E0%A4%A');
    expect([malformed.status, malformed.body.error.details.field]).toEqual([400, 'mediaId']);
  });
  it("another user's album and media answer 404, never 200", async () => {
    const deps = backendDeps(backend);
    const now = new Date().toISOString();
    await deps.storage.createAlbum({ albumId: 'their-album', ownerId: 'someone-else', title: 't', mediaCount: 0, createdAt: now, updatedAt: now });
    await deps.storage.createPendingMedia({ mediaId: 'their-media', ownerId: 'someone-else', kind: 'album', filename: 'x', key: 'k', mimeType: 'image/jpeg', size: 1, status: 'pending', createdAt: now, updatedAt: now });
    destroyDeps(deps);
    expect((await api(backend, 'POST', '/albums/their-album/media/upload', { filename: 'a.jpg', mimeType: 'image/jpeg', size: 10 })).status).toBe(404);
    expect((await api(backend, 'GET', '/media/their-media')).status).toBe(404);
    expect((await api(backend, 'DELETE', '/media/their-media/upload')).status).toBe(404);
    expect((await api(backend, 'POST', '/media/status', { mediaIds: ['their-media'] })).body.media).toEqual([]);
  });
});

describe('processing failures end as failed with a code', () => {
  /** Requests an upload declaring `declared`, then PUTs `body` (optionally without the signed headers). */
  async function send(body: Buffer, declared: { filename: string; mimeType: string; size?: number; sha256?: string }, headers?: Record<string, string>) {
    const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { size: body.length, ...declared });
    expect(req.status).toBe(201);
    const put = await fetch(req.body.upload.url, { method: 'PUT', headers: headers ?? req.body.upload.headers, body: body as unknown as BodyInit });
    expect(put.status).toBe(200);
    await backend.idle();
    return media(req.body.mediaId);
  }

  it('a corrupt JPEG: UNSUPPORTED_IMAGE', async () => {
    const good = await makeJpeg(400, 300);
    const corrupt = Buffer.concat([good.subarray(0, 400), Buffer.alloc(2000, 0x55)]);
    const m = await send(corrupt, { filename: 'broken.jpg', mimeType: 'image/jpeg' });
    expect(m.status).toBe('failed');
    expect(m.error.code).toBe('UNSUPPORTED_IMAGE');
  });
  it('text named .png: CONTENT_TYPE_MISMATCH', async () => {
    const m = await send(Buffer.from('hello, I am a text file and not a picture\n'.repeat(20)), { filename: 'notes.png', mimeType: 'image/png' });
    expect([m.status, m.error.code]).toEqual(['failed', 'CONTENT_TYPE_MISMATCH']);
  });
  it('declared JPEG, bytes PNG: CONTENT_TYPE_MISMATCH', async () => {
    const m = await send(await makePng(64, 64), { filename: 'liar.jpg', mimeType: 'image/jpeg' });
    expect([m.status, m.error.code]).toEqual(['failed', 'CONTENT_TYPE_MISMATCH']);
    expect(m.error.message).toContain('image/png');
  });
  it('a 0-byte file: refused at the request (400 naming size); arriving anyway, EMPTY_FILE', async () => {
    const refused = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'empty.jpg', mimeType: 'image/jpeg', size: 0 });
    expect([refused.status, refused.body.error.details.field]).toEqual([400, 'size']);
    const m = await sendAround(Buffer.alloc(0), { filename: 'empty.jpg', mimeType: 'image/jpeg', size: 1 });
    expect([m.status, m.error.code]).toEqual(['failed', 'EMPTY_FILE']);
  });
  it('a 60,000 × 60,000 px image: IMAGE_TOO_LARGE before any decode', async () => {
    const m = await send(await makeHugePngHeader(60_000, 60_000), { filename: 'bomb.png', mimeType: 'image/png' });
    expect([m.status, m.error.code]).toEqual(['failed', 'IMAGE_TOO_LARGE']);
  });
  /**
   * The store now refuses a PUT without the signed headers (403, as S3 does); processing must still
   * catch such bytes should they arrive another way, so they are written with the install's key.
   */
  async function sendAround(body: Buffer, declared: { filename: string; mimeType: string; size?: number; sha256?: string }) {
    const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { size: body.length, ...declared });
    expect(req.status).toBe(201);
    const refused = await fetch(req.body.upload.url, { method: 'PUT', headers: { 'Content-Type': declared.mimeType }, body: body as unknown as BodyInit });
    expect(refused.status).toBe(403);
    const deps = backendDeps(backend);
    await deps.s3.send(new PutObjectCommand({ Bucket: deps.config.bucketName, Key: req.body.key, Body: body, ContentType: declared.mimeType }));
    destroyDeps(deps);
    await backend.idle();
    return media(req.body.mediaId);
  }
  it('bytes that do not match the declared sha256: CHECKSUM_MISMATCH', async () => {
    const data = await makeJpeg(100, 100);
    const other = sha256Hex(Buffer.from('something else'));
    const m = await sendAround(data, { filename: 'sum.jpg', mimeType: 'image/jpeg', sha256: other });
    expect([m.status, m.error.code]).toEqual(['failed', 'CHECKSUM_MISMATCH']);
  });
  it('more bytes than declared: SIZE_MISMATCH', async () => {
    const data = await makeJpeg(100, 100);
    const m = await sendAround(data, { filename: 'size.jpg', mimeType: 'image/jpeg', size: data.length - 10 });
    expect([m.status, m.error.code]).toEqual(['failed', 'SIZE_MISMATCH']);
  });
  it('an emoji file name is just a name', async () => {
    const name = '🌅 sunset – été 😀.jpg';
    const up = await uploadToAlbum(backend, albumId, await makeJpeg(200, 150), { filename: name, mimeType: 'image/jpeg' });
    await backend.idle();
    expect(await media(up.mediaId)).toMatchObject({ filename: name, status: 'uploaded' });
  });
});

describe('cancel and clean-up', () => {
  it('DELETE /media/{id}/upload cancels a pending upload once', async () => {
    const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'c.jpg', mimeType: 'image/jpeg', size: 100 });
    const del = await api(backend, 'DELETE', `/media/${req.body.mediaId}/upload`);
    expect(del.status).toBe(204);
    expect(await media(req.body.mediaId)).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
    const again = await api(backend, 'DELETE', `/media/${req.body.mediaId}/upload`);
    expect([again.status, again.body.error.code]).toEqual([409, 'CONFLICT']);
  });

  it('records pending past the configured age become UPLOAD_EXPIRED; others are untouched', async () => {
    const album = await createAlbum(backend, 'sweep');
    const stale = await api(backend, 'POST', `/albums/${album}/media/upload`, { filename: 'old.jpg', mimeType: 'image/jpeg', size: 100 });
    const done = await uploadToAlbum(backend, album, await makeJpeg(100, 100), { filename: 'done.jpg', mimeType: 'image/jpeg' });
    await backend.idle();
    // A clock 25 hours ahead stands in for waiting a day (the default age is 24 h).
    const later = backendDeps(backend, {}, () => new Date(Date.now() + 25 * 3600_000));
    const swept = await cleanupPending(later);
    destroyDeps(later);
    expect(swept.expired).toContain(stale.body.mediaId);
    expect(swept.expired).not.toContain(done.mediaId);
    expect(await media(stale.body.mediaId)).toMatchObject({ status: 'failed', error: { code: 'UPLOAD_EXPIRED' } });
    expect((await media(done.mediaId)).status).toBe('uploaded');
    // The clock as it is: nothing is old enough.
    const nowDeps = backendDeps(backend);
    expect((await cleanupPending(nowDeps)).expired).toEqual([]);
    destroyDeps(nowDeps);
  });
});

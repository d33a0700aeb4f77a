/**
 * process-upload's status transitions over in-memory fakes (Sharp is real: it is the thing being
 * driven). Each case puts an object in the fake S3 the way a client's PUT would, then runs the core.
 */
import { describe, expect, it } from 'vitest';
import { processObject } from '../../backend-lambda/lib/process-upload.ts';
import { requestAlbumUpload, requestAvatarUpload } from '../../backend-lambda/lib/uploads.ts';
import { makeJpeg, makePng, sha256Hex } from '../helpers/backend.ts';
import { fakeDeps, type FakeBackend } from '../helpers/fake-backend.ts';

const USER = 'user-1';

/** Requests an upload into album-1 (made on first use) declaring `declared`, and lands `bytes` at its key. */
async function landed(f: FakeBackend, bytes: Buffer, declared: { mimeType?: string; size?: number; sha256?: string } = {}) {
  const now = f.clock.now().toISOString();
  await f.storage.createAlbum({ albumId: 'album-1', ownerId: USER, title: 't', mediaCount: 0, createdAt: now, updatedAt: now });
  const out = await requestAlbumUpload(f.deps, USER, 'album-1', { filename: 'x', mimeType: 'image/jpeg', size: bytes.length, ...declared });
  if (out.status !== 201) throw new Error('expected a new upload');
  f.s3.objects.set(out.body.key, { bytes });
  return out.body;
}

/** The smallest ISO BMFF header file-type reads as MP4. */
const mp4 = () => Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2'), Buffer.alloc(64)]);

describe('processObject', () => {
  it('pending → uploaded: six renditions under thumbnails/, sizes recorded, the album counted once', async () => {
    const f = fakeDeps();
    const bytes = await makeJpeg(800, 600);
    const up = await landed(f, bytes, { sha256: sha256Hex(bytes) });
    f.clock.advance(2000);
    expect(await processObject(f.deps, up.key)).toEqual({ outcome: 'uploaded', mediaId: up.mediaId });
    const m = f.storage.media.get(up.mediaId)!;
    expect(m).toMatchObject({ status: 'uploaded', width: 800, height: 600, size: bytes.length, updatedAt: '2026-01-01T00:00:02.000Z' });
    expect(Object.keys(m.thumbnailKeys ?? {}).sort()).toEqual(['cover', 'display', 'large', 'medium', 'small', 'xlarge']);
    const cover = f.s3.objects.get(m.thumbnailKeys!.cover!)!;
    expect(cover.contentType).toBe('image/webp');
    expect(cover.cacheControl).toContain('immutable');
    expect(f.storage.albums.get(`${USER}/album-1`)).toMatchObject({ mediaCount: 1, coverKey: m.thumbnailKeys!.cover });
    // A re-delivered event finds the record decided and changes nothing.
    expect(await processObject(f.deps, up.key)).toEqual({ outcome: 'ignored', reason: 'already uploaded' });
    expect(f.storage.albums.get(`${USER}/album-1`)?.mediaCount).toBe(1);
  });

  it.each([
    ['bytes of another type', async () => ({ bytes: await makePng(50, 50) }), 'CONTENT_TYPE_MISMATCH'],
    ['a declared sha256 that does not match', async () => ({ bytes: await makeJpeg(50, 50), sha256: 'b'.repeat(64) }), 'CHECKSUM_MISMATCH'],
    ['fewer bytes than declared', async () => ({ bytes: await makeJpeg(50, 50), size: 999_999 }), 'SIZE_MISMATCH'],
    ['an empty object', async () => ({ bytes: Buffer.alloc(0), size: 0 }), 'EMPTY_FILE'],
    ['a JPEG header over garbage', async () => ({ bytes: Buffer.concat([(await makeJpeg(50, 50)).subarray(0, 300), Buffer.alloc(500, 0x55)]) }), 'UNSUPPORTED_IMAGE'],
  ])('pending → failed for %s', async (_name, make, code) => {
    const f = fakeDeps();
    const { bytes, ...declared } = await make();
    const up = await landed(f, bytes, declared);
    expect(await processObject(f.deps, up.key)).toEqual({ outcome: 'failed', mediaId: up.mediaId, code });
    expect(f.storage.media.get(up.mediaId)).toMatchObject({ status: 'failed', error: { code } });
    expect(f.storage.albums.get(`${USER}/album-1`)?.mediaCount).toBe(0);
    expect([...f.s3.objects.keys()].some((k) => k.startsWith('thumbnails/'))).toBe(false);
    // the original is tagged for the lifecycle rule that deletes failed originals
    expect(f.s3.objects.get(up.key)?.tags).toEqual({ 'ferry-status': 'failed' });
  });

  it('an image past maxImageBytes is IMAGE_TOO_LARGE without being decoded', async () => {
    const f = fakeDeps({ maxImageBytes: 100 });
    const up = await landed(f, await makeJpeg(50, 50));
    expect(await processObject(f.deps, up.key)).toMatchObject({ outcome: 'failed', code: 'IMAGE_TOO_LARGE' });
  });

  it('a video is stored and marked uploaded without renditions (sha256 streamed)', async () => {
    const f = fakeDeps();
    const bytes = mp4();
    const up = await landed(f, bytes, { mimeType: 'video/mp4', sha256: sha256Hex(bytes) });
    expect(await processObject(f.deps, up.key)).toEqual({ outcome: 'uploaded', mediaId: up.mediaId });
    expect(f.storage.media.get(up.mediaId)?.thumbnailKeys).toBeUndefined();
    expect(f.storage.albums.get(`${USER}/album-1`)).toMatchObject({ mediaCount: 1 });
    expect(f.storage.albums.get(`${USER}/album-1`)?.coverKey).toBeUndefined();
  });

  it('an avatar sets the user’s avatar renditions', async () => {
    const f = fakeDeps();
    const bytes = await makePng(300, 200);
    const req = await requestAvatarUpload(f.deps, USER, { filename: 'me.png', mimeType: 'image/png', size: bytes.length });
    if (req.status !== 201) throw new Error('expected a new upload');
    f.s3.objects.set(req.body.key, { bytes });
    expect(await processObject(f.deps, req.body.key)).toMatchObject({ outcome: 'uploaded' });
    const user = f.storage.users.get(USER)!;
    expect(user.avatar).toMatchObject({ key: req.body.key, width: 300, height: 200 });
    expect(Object.keys(user.avatar?.thumbnailKeys ?? {}).sort()).toEqual(['display', 'large', 'medium', 'small']);
  });

  it('ignores thumbnails, unknown keys, keys with no record, and records already decided', async () => {
    const f = fakeDeps();
    expect(await processObject(f.deps, 'thumbnails/albums/a/media/m/small.webp')).toMatchObject({ outcome: 'ignored' });
    expect(await processObject(f.deps, 'elsewhere/x.jpg')).toMatchObject({ outcome: 'ignored' });
    expect(await processObject(f.deps, 'albums/a/media/nobody.jpg')).toMatchObject({ outcome: 'ignored', reason: 'no record for albums/a/media/nobody.jpg' });
    const up = await landed(f, await makeJpeg(50, 50));
    await f.storage.failPending(up.mediaId, { code: 'CANCELLED', message: 'x' }, f.clock.now().toISOString());
    expect(await processObject(f.deps, up.key)).toEqual({ outcome: 'ignored', reason: 'already failed' });
    // S3 event keys are URL-encoded with + for spaces; decoding finds the same record.
    expect(await processObject(f.deps, encodeURIComponent(up.key))).toEqual({ outcome: 'ignored', reason: 'already failed' });
  });

  it('loses the race to another decision (clean-up, cancel) without counting the album', async () => {
    const f = fakeDeps();
    const up = await landed(f, await makeJpeg(60, 40));
    const real = f.storage.markUploaded.bind(f.storage);
    f.storage.markUploaded = async (...args) => {
      await f.storage.failPending(up.mediaId, { code: 'UPLOAD_EXPIRED', message: 'swept' }, f.clock.now().toISOString());
      return real(...args);
    };
    expect(await processObject(f.deps, up.key)).toEqual({ outcome: 'ignored', reason: 'decided by another delivery' });
    expect(f.storage.media.get(up.mediaId)).toMatchObject({ status: 'failed', error: { code: 'UPLOAD_EXPIRED' } });
    expect(f.storage.albums.get(`${USER}/album-1`)?.mediaCount).toBe(0);
  });

  it('an error that is not the file’s fault is thrown (the event is retried) and the record stays pending', async () => {
    const f = fakeDeps();
    const up = await landed(f, await makeJpeg(50, 50));
    const down = f.s3.send.bind(f.s3);
    f.s3.send = async (command) => {
      if ((command as object).constructor.name === 'PutObjectCommand') throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
      return down(command);
    };
    await expect(processObject(f.deps, up.key)).rejects.toThrow('slow down');
    expect(f.storage.media.get(up.mediaId)?.status).toBe('pending');
  });
});

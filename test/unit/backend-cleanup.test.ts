/** The pending sweeper (lib/cleanup.ts) over in-memory fakes and a clock the test moves. */
import { describe, expect, it } from 'vitest';
import { cleanupPending } from '../../backend-lambda/lib/cleanup.ts';
import { requestAlbumUpload } from '../../backend-lambda/lib/uploads.ts';
import { MULTIPART_THRESHOLD } from '../../shared/multipart.ts';
import { fakeDeps, type FakeBackend } from '../helpers/fake-backend.ts';

const HOUR = 3600_000;

async function pending(f: FakeBackend, size = 100): Promise<string> {
  const now = f.clock.now().toISOString();
  await f.storage.createAlbum({ albumId: 'album-1', ownerId: 'u', title: 't', mediaCount: 0, createdAt: now, updatedAt: now });
  const out = await requestAlbumUpload(f.deps, 'u', 'album-1', { filename: 'x.jpg', mimeType: 'image/jpeg', size });
  return out.body.mediaId;
}

describe('cleanupPending', () => {
  it('fails records pending past the configured age (UPLOAD_EXPIRED); younger and decided ones are untouched', async () => {
    const f = fakeDeps({ pendingMaxAgeSeconds: 2 * 3600 });
    const old = await pending(f);
    const uploaded = await pending(f);
    await f.storage.markUploaded(uploaded, { size: 100 }, f.clock.now().toISOString());
    f.clock.advance(90 * 60_000);
    const young = await pending(f);
    f.clock.advance(31 * 60_000);
    const result = await cleanupPending(f.deps);
    expect(result).toEqual({ expired: [old], abortUnsupported: 0 });
    expect(f.storage.media.get(old)).toMatchObject({ status: 'failed', error: { code: 'UPLOAD_EXPIRED', message: 'The upload did not finish within 2 h' } });
    expect(f.storage.media.get(young)?.status).toBe('pending');
    expect(f.storage.media.get(uploaded)?.status).toBe('uploaded');
    // Nothing is left old enough: a second sweep does nothing.
    expect((await cleanupPending(f.deps)).expired).toEqual([]);
  });

  it('aborts the multipart uploads of what it expires, and counts the ones the store cannot abort', async () => {
    const f = fakeDeps();
    const a = await pending(f, MULTIPART_THRESHOLD);
    const b = await pending(f, MULTIPART_THRESHOLD);
    const abortable = f.storage.media.get(a)!.uploadId!;
    const send = f.s3.send.bind(f.s3);
    // s3rver answers AbortMultipartUpload with 501; AWS would abort.
    f.s3.send = async (command) => {
      const input = (command as { input?: { UploadId?: string } }).input;
      if ((command as object).constructor.name === 'AbortMultipartUploadCommand' && input?.UploadId !== abortable) {
        throw Object.assign(new Error('NotImplemented'), { name: 'NotImplemented', $metadata: { httpStatusCode: 501 } });
      }
      return send(command);
    };
    f.clock.advance(25 * HOUR);
    const result = await cleanupPending(f.deps);
    expect(result.expired.sort()).toEqual([a, b].sort());
    expect(result.abortUnsupported).toBe(1);
    expect(f.s3.uploads.has(abortable)).toBe(false);
  });

  it('works through more stale records than one batch', async () => {
    const f = fakeDeps();
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push(await pending(f));
    f.clock.advance(25 * HOUR);
    expect((await cleanupPending(f.deps, 3)).expired.sort()).toEqual(ids.sort());
  });
});

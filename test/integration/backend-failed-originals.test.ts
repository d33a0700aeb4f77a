/**
 * Failed originals are tagged for the bucket's expiry rule (infra/bucket.ts), on the real embedded
 * stores (s3rver implements PutObjectTagging/GetObjectTagging; the lifecycle rule itself is AWS's
 * and is pinned by test/unit/infra-stack.test.ts): bytes that fail processing are tagged, good ones
 * are not, a re-delivered event tags again, and cancelling an upload whose bytes never came is fine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectTaggingCommand, PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import { api, backendDeps, createAlbum, makeJpeg, makePng, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';
import { s3Client } from '../helpers/engine-fixtures.ts';
import { FAILED_TAG } from '../../backend-lambda/lib/failed-originals.ts';
import { processObject } from '../../backend-lambda/lib/process-upload.ts';
import { destroyDeps } from '../../backend-lambda/lib/deps.ts';

let backend: TestBackend;
let albumId: string;
beforeAll(async () => {
  backend = await startTestBackend();
  albumId = await createAlbum(backend, 'failures');
});
afterAll(() => backend?.destroy());

const tagsOf = async (key: string) => (await s3Client(backend.s3Listen, backend.s3Key).send(new GetObjectTaggingCommand({ Bucket: backend.bucket, Key: key }))).TagSet ?? [];

describe('failed originals (integration)', () => {
  it('tags an original whose bytes fail processing, and leaves a good one untagged', async () => {
    const bad = await uploadToAlbum(backend, albumId, await makePng(40, 30), { filename: 'lies.jpg', mimeType: 'image/jpeg' });
    const good = await uploadToAlbum(backend, albumId, await makeJpeg(40, 30), { filename: 'fine.jpg', mimeType: 'image/jpeg' });
    await backend.idle();
    expect((await api(backend, 'GET', `/media/${bad.mediaId}`)).body.media).toMatchObject({ status: 'failed', error: { code: 'CONTENT_TYPE_MISMATCH' } });
    expect((await api(backend, 'GET', `/media/${good.mediaId}`)).body.media.status).toBe('uploaded');
    expect(await tagsOf(bad.key)).toEqual([FAILED_TAG]);
    expect(await tagsOf(good.key)).toEqual([]);
  });

  it('a re-delivered event for a failed record tags its original again (after a tagging error, say)', async () => {
    const bad = await uploadToAlbum(backend, albumId, await makePng(20, 20), { filename: 'again.jpg', mimeType: 'image/jpeg' });
    await backend.idle();
    const s3 = s3Client(backend.s3Listen, backend.s3Key);
    await s3.send(new PutObjectTaggingCommand({ Bucket: backend.bucket, Key: bad.key, Tagging: { TagSet: [] } }));
    expect(await tagsOf(bad.key)).toEqual([]);
    const deps = backendDeps(backend);
    try {
      expect(await processObject(deps, bad.key)).toEqual({ outcome: 'ignored', reason: 'already failed' });
    } finally {
      destroyDeps(deps);
    }
    expect(await tagsOf(bad.key)).toEqual([FAILED_TAG]);
  });

  it('cancelling an upload whose bytes never arrived fails the record without an error', async () => {
    const res = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'never.jpg', mimeType: 'image/jpeg', size: 1000 });
    expect(res.status).toBe(201);
    expect((await api(backend, 'DELETE', `/media/${res.body.mediaId}/upload`)).status).toBe(204);
    expect((await api(backend, 'GET', `/media/${res.body.mediaId}`)).body.media).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
  });
});

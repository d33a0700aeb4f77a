/** A 70 MiB file through multipart on the real embedded backend, streamed from disk part by part. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { partRange } from '../../shared/multipart.ts';
import { cleanupPending } from '../../backend-lambda/lib/cleanup.ts';
import { destroyDeps } from '../../backend-lambda/lib/deps.ts';
import { api, backendDeps, createAlbum, startTestBackend, type TestBackend } from '../helpers/backend.ts';

const SIZE = 70 * 1024 * 1024;
let backend: TestBackend;
let file: string;
let sha256: string;

/** Writes a 70 MiB ISO-BMFF ("mp4") file in 1 MiB blocks and returns its sha256; never holds it whole. */
async function writeVideo(path: string): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')]);
  const block = Buffer.alloc(1024 * 1024);
  let written = 0;
  for (let i = 0; written < SIZE; i++) {
    block.fill(i % 251);
    const chunk = i === 0 ? Buffer.concat([ftyp, block.subarray(ftyp.length)]) : block;
    const part = chunk.subarray(0, Math.min(chunk.length, SIZE - written));
    await fh.write(part);
    hash.update(part);
    written += part.length;
  }
  await fh.close();
  return hash.digest('hex');
}

/** PUTs a byte range of a file as a stream with an explicit Content-Length (fetch would send chunked). */
function putRange(url: string, path: string, start: number, end: number, headers: Record<string, string> = {}): Promise<{ status: number; etag: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { ...headers, 'content-length': String(end - start) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? '') }));
    });
    req.on('error', reject);
    createReadStream(path, { start, end: end - 1 }).pipe(req);
  });
}

async function hashRange(path: string, start: number, end: number): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { start, end: end - 1 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

beforeAll(async () => {
  backend = await startTestBackend();
  file = join(backend.dataDir, 'big.mp4');
  sha256 = await writeVideo(file);
});
afterAll(async () => {
  await rm(file, { force: true });
  await backend?.destroy();
});

describe('multipart', () => {
  it('a 70 MiB file goes multipart: parts signed just in time, completed, processed', async () => {
    const albumId = await createAlbum(backend);
    const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'big.mp4', mimeType: 'video/mp4', size: SIZE, sha256 });
    expect(req.status).toBe(201);
    const { upload, mediaId } = req.body;
    expect(upload).toMatchObject({ type: 'multipart', partSize: 8 * 1024 * 1024, partCount: 9 });

    const beyond = await api(backend, 'POST', `/media/${mediaId}/parts`, { partNumbers: [10] });
    expect([beyond.status, beyond.body.error.details.field]).toEqual([400, 'partNumbers']);
    expect((await api(backend, 'POST', `/media/${mediaId}/upload-url`)).status).toBe(409);

    const parts: { partNumber: number; etag: string; sha256?: string }[] = [];
    // Two parts per signing round, as a client would ask just before sending them.
    for (let first = 1; first <= upload.partCount; first += 2) {
      const numbers = [first, first + 1].filter((n) => n <= upload.partCount);
      // Odd parts carry their sha256 (the URL is then bound to it); even parts show it is optional.
      const checksums: Record<string, string> = {};
      for (const n of numbers.filter((x) => x % 2 === 1)) {
        const { start, end } = partRange(upload, SIZE, n);
        checksums[String(n)] = await hashRange(file, start, end);
      }
      const signed = await api(backend, 'POST', `/media/${mediaId}/parts`, { partNumbers: numbers, checksums });
      expect(signed.status).toBe(200);
      for (const p of signed.body.parts) {
        expect(new Date(p.expiresAt).getTime() - Date.now()).toBeLessThanOrEqual(15 * 60_000 + 5000);
        const sha = checksums[String(p.partNumber)];
        const signedHeaders = new URL(p.url).searchParams.get('X-Amz-SignedHeaders');
        if (sha) {
          expect(p.headers).toEqual({ 'x-amz-checksum-sha256': Buffer.from(sha, 'hex').toString('base64') });
          expect(signedHeaders).toBe('host;x-amz-checksum-sha256');
        } else {
          expect([p.headers, signedHeaders]).toEqual([undefined, 'host']);
        }
        const { start, end } = partRange(upload, SIZE, p.partNumber);
        const put = await putRange(p.url, file, start, end, p.headers);
        expect(put.status).toBe(200);
        parts.push({ partNumber: p.partNumber, etag: put.etag, ...(sha ? { sha256: sha } : {}) });
      }
    }
    const stray = await api(backend, 'POST', `/media/${mediaId}/parts`, { partNumbers: [1], checksums: { '2': sha256 } });
    expect([stray.status, stray.body.error.details.field]).toEqual([400, 'checksums']);
    const missing = await api(backend, 'POST', `/media/${mediaId}/complete`, { parts: parts.slice(1) });
    expect([missing.status, missing.body.error.code]).toEqual([400, 'INVALID_REQUEST']);

    const done = await api(backend, 'POST', `/media/${mediaId}/complete`, { parts: [...parts].reverse() });
    expect(done.status).toBe(200);
    expect(done.body.media.mediaId).toBe(mediaId);
    await backend.idle();
    const media = (await api(backend, 'GET', `/media/${mediaId}`)).body.media;
    expect(media).toMatchObject({ status: 'uploaded', size: SIZE, sha256 });
    // A retried complete (the first answer lost) answers with the record as it is.
    const again = await api(backend, 'POST', `/media/${mediaId}/complete`, { parts });
    expect([again.status, again.body.media.status]).toEqual([200, 'uploaded']);
    const album = (await api(backend, 'GET', '/albums')).body.albums[0];
    expect(album.mediaCount).toBe(1);
  });

  it('aborting a multipart upload marks it CANCELLED even though s3rver cannot abort', async () => {
    const albumId = await createAlbum(backend);
    const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'x.mp4', mimeType: 'video/mp4', size: 40 * 1024 * 1024 });
    expect(req.body.upload.type).toBe('multipart');
    const del = await api(backend, 'DELETE', `/media/${req.body.mediaId}/upload`);
    expect(del.status).toBe(204);
    const media = (await api(backend, 'GET', `/media/${req.body.mediaId}`)).body.media;
    expect(media).toMatchObject({ status: 'failed', error: { code: 'CANCELLED' } });
    const parts = await api(backend, 'POST', `/media/${req.body.mediaId}/parts`, { partNumbers: [1] });
    expect(parts.status).toBe(409);
  });

  it('the clean-up expires a stale multipart upload, counting the abort s3rver answers 405 to', async () => {
    const albumId = await createAlbum(backend);
    const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'stale.mp4', mimeType: 'video/mp4', size: 40 * 1024 * 1024 });
    const later = backendDeps(backend, {}, () => new Date(Date.now() + 25 * 3600_000));
    const swept = await cleanupPending(later);
    destroyDeps(later);
    expect(swept).toEqual({ expired: [req.body.mediaId], abortUnsupported: 1 });
    expect((await api(backend, 'GET', `/media/${req.body.mediaId}`)).body.media.error.code).toBe('UPLOAD_EXPIRED');
  });
});

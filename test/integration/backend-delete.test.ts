/**
 * DELETE /media/{id} on the real embedded stack (s3rver + dynalite): the original, its six
 * renditions and the record are gone, the album's count and cover follow, 404 for an unknown ID and
 * 403 for another user's media; then `ferry rm` does the same from the command line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_BUCKET } from '../../backend-lambda/local/index.ts';
import { destroyDeps, type AwsDeps } from '../../backend-lambda/lib/deps.ts';
import { api, backendDeps, createAlbum, makeJpeg, sha256Hex, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';

let backend: TestBackend;
let deps: AwsDeps;
const work = mkdtempSync(join(tmpdir(), 'ferry-delete-'));
beforeAll(async () => {
  backend = await startTestBackend();
  deps = backendDeps(backend);
});
afterAll(async () => {
  if (deps) destroyDeps(deps);
  await backend?.destroy();
  rmSync(work, { recursive: true, force: true });
});

async function exists(key: string): Promise<boolean> {
  return deps.s3.send(new HeadObjectCommand({ Bucket: LOCAL_BUCKET, Key: key })).then(
    () => true,
    () => false,
  );
}

async function uploaded(albumId: string, width: number) {
  const data = await makeJpeg(width, 300);
  const up = await uploadToAlbum(backend, albumId, data, { filename: `p${width}.jpg`, mimeType: 'image/jpeg', sha256: sha256Hex(data) });
  expect(up.status).toBe(201);
  return up;
}

/** Runs the ferry command without blocking this process, which serves the backend it talks to. */
function ferry(args: string[], input?: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['bin/ferry.js', ...args, '--api', backend.api, '--token', backend.token], {
    env: { ...process.env, FERRY_DATA_DIR: join(work, 'cli') },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(input ?? '');
  return new Promise((resolve) => child.once('close', (status) => resolve({ status, stdout, stderr })));
}

const albumOf = async (albumId: string) => (await api(backend, 'GET', '/albums')).body.albums.find((a: { albumId: string }) => a.albumId === albumId);

describe('DELETE /media/{mediaId}', () => {
  it('removes the original, its renditions and the record; the album count and cover follow', async () => {
    const albumId = await createAlbum(backend, 'delete me');
    const first = await uploaded(albumId, 400);
    await backend.idle();
    const second = await uploaded(albumId, 401);
    await backend.idle();
    const media = (await api(backend, 'GET', `/media/${first.mediaId}`)).body.media;
    expect(media.status).toBe('uploaded');
    const record = await deps.storage.getMedia(first.mediaId);
    const keys = [record!.key, ...Object.values(record!.thumbnailKeys!)];
    expect(keys).toHaveLength(7);
    for (const k of keys) expect(await exists(k), k).toBe(true);
    expect((await albumOf(albumId)).mediaCount).toBe(2);
    const coverBefore = (await deps.storage.getAlbum(backend.userId, albumId))!.coverKey;
    expect(coverBefore).toBe(record!.thumbnailKeys!.cover);

    const del = await api(backend, 'DELETE', `/media/${first.mediaId}`);
    expect(del.status).toBe(204);
    for (const k of keys) expect(await exists(k), k).toBe(false);
    expect((await api(backend, 'GET', `/media/${first.mediaId}`)).status).toBe(404);
    const list = (await api(backend, 'GET', `/albums/${albumId}/media`)).body.media.map((m: { mediaId: string }) => m.mediaId);
    expect(list).toEqual([second.mediaId]);
    expect((await albumOf(albumId)).mediaCount).toBe(1);
    // The cover was the deleted photo's: it moves to the one left.
    expect((await deps.storage.getAlbum(backend.userId, albumId))!.coverKey).toBe((await deps.storage.getMedia(second.mediaId))!.thumbnailKeys!.cover);

    // Deleting it again: it is unknown now.
    const again = await api(backend, 'DELETE', `/media/${first.mediaId}`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('NOT_FOUND');
  });

  it('404 for an unknown ID, 403 for another user’s media (and it stays), 401 without a token', async () => {
    const albumId = await createAlbum(backend, 'not yours');
    const now = new Date().toISOString();
    await deps.storage.createPendingMedia({
      mediaId: 'someone-elses',
      ownerId: 'another-user',
      kind: 'album',
      albumId,
      filename: 'x.jpg',
      key: `albums/${albumId}/media/someone-elses.jpg`,
      mimeType: 'image/jpeg',
      size: 10,
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
    const unknown = await api(backend, 'DELETE', '/media/no-such-media');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'NOT_FOUND']);
    const theirs = await api(backend, 'DELETE', '/media/someone-elses');
    expect([theirs.status, theirs.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(await deps.storage.getMedia('someone-elses')).toBeDefined();
    expect((await api(backend, 'DELETE', '/media/someone-elses', undefined, { token: null })).status).toBe(401);
  });

  it('ferry rm --yes deletes from the command line and says what it did', async () => {
    const albumId = await createAlbum(backend, 'rm');
    const a = await uploaded(albumId, 402);
    const b = await uploaded(albumId, 403);
    await backend.idle();
    const r = await ferry(['rm', a.mediaId, b.mediaId, 'missing-id', '--yes']);
    expect(r.stderr).toBe('not deleted  missing-id  no photo or video with ID missing-id\n');
    expect(r.stdout).toBe(`deleted      ${a.mediaId}  p402.jpg\ndeleted      ${b.mediaId}  p403.jpg\n2 deleted, 1 not deleted\n`);
    expect(r.status).toBe(1);
    expect((await albumOf(albumId)).mediaCount).toBe(0);
    expect((await api(backend, 'GET', `/albums/${albumId}/media`)).body.media).toEqual([]);

    // Without --yes and without a terminal to ask on, nothing is deleted.
    const c = await uploaded(albumId, 404);
    const refused = await ferry(['rm', c.mediaId], 'y\n');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('ferry: ferry rm deletes for good and there is no terminal to ask on: add --yes to confirm\n');
    expect((await api(backend, 'GET', `/media/${c.mediaId}`)).status).toBe(200);
  });
});

/** Persistence across restarts, crash recovery of lost S3 events, and the `ferry backend` command. */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { api, createAlbum, makeJpeg, startTestBackend, uploadToAlbum } from '../helpers/backend.ts';

describe('embedded backend restarts', () => {
  it('albums, media and the token persist across a restart', async () => {
    const first = await startTestBackend();
    const albumId = await createAlbum(first, 'keeps');
    const up = await uploadToAlbum(first, albumId, await makeJpeg(300, 200), { filename: 'a.jpg', mimeType: 'image/jpeg' });
    await first.idle();
    const info = JSON.parse(await readFile(join(first.dataDir, 'backend', 'backend.json'), 'utf8'));
    expect(info).toMatchObject({ api: first.api, s3: first.s3, bucket: first.bucket, dynamodb: first.dynamodb, token: first.token, pid: process.pid });
    await first.stop();
    expect(existsSync(join(first.dataDir, 'backend', 'backend.json'))).toBe(false);

    const second = await startTestBackend({ dataDir: first.dataDir });
    try {
      expect(second.token).toBe(first.token);
      expect(second.userId).toBe(first.userId);
      const albums = (await api(second, 'GET', '/albums')).body.albums;
      expect(albums).toMatchObject([{ albumId, title: 'keeps', mediaCount: 1 }]);
      const media = (await api(second, 'GET', `/media/${up.mediaId}`)).body.media;
      expect(media.status).toBe('uploaded');
      // The renditions' bytes persisted too, and URLs point at the new S3 port.
      const res = await fetch(media.thumbnails.cover);
      expect(res.status).toBe(200);
    } finally {
      await second.destroy();
    }
  });

  it('an object whose event was lost (a crash) is processed on the next start', async () => {
    const crashed = await startTestBackend({ processEvents: false });
    const albumId = await createAlbum(crashed);
    const up = await uploadToAlbum(crashed, albumId, await makeJpeg(320, 240), { filename: 'lost.jpg', mimeType: 'image/jpeg' });
    const orphan = await api(crashed, 'POST', `/albums/${albumId}/media/upload`, { filename: 'never-sent.jpg', mimeType: 'image/jpeg', size: 10 });
    await crashed.idle();
    expect((await api(crashed, 'GET', `/media/${up.mediaId}`)).body.media.status).toBe('pending');
    await crashed.stop();

    const restarted = await startTestBackend({ dataDir: crashed.dataDir });
    try {
      await restarted.idle();
      expect((await api(restarted, 'GET', `/media/${up.mediaId}`)).body.media).toMatchObject({ status: 'uploaded', width: 320, height: 240 });
      // No object, nothing to process: it stays pending for the clean-up.
      expect((await api(restarted, 'GET', `/media/${orphan.body.mediaId}`)).body.media.status).toBe('pending');
    } finally {
      await restarted.destroy();
    }
  });
});

describe('ferry backend', () => {
  async function runBackend(dataDir: string, extra: string[] = []) {
    const child = spawn(process.execPath, ['bin/ferry.js', 'backend', '--data-dir', dataDir, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
    const stderr: string[] = [];
    child.stderr.on('data', (d) => stderr.push(String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const lines = createInterface({ input: child.stdout });
    const first = await new Promise<string>((resolve, reject) => {
      lines.once('line', resolve);
      void exited.then((code) => reject(new Error(`ferry backend exited ${code}: ${stderr.join('')}`)));
    });
    return { child, ready: JSON.parse(first) as Record<string, string>, exited, lines };
  }

  it('prints one JSON line when ready, serves it, honours --s3-public-url, and stops on SIGTERM and SIGINT', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'ferry-cli-'));
    try {
      const a = await runBackend(dataDir);
      expect(Object.keys(a.ready).sort()).toEqual(['api', 'bucket', 'dynamodb', 's3', 'token']);
      const health = await fetch(`${a.ready.api}/health`);
      expect(await health.json()).toEqual({ ok: true });
      // A second backend on the same data dir refuses to start (its stores hold file locks).
      const twin = spawn(process.execPath, ['bin/ferry.js', 'backend', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let twinErr = '';
      twin.stderr.on('data', (d) => (twinErr += String(d)));
      expect(await new Promise((resolve) => twin.on('exit', resolve))).toBe(1);
      expect(twinErr).toContain('already running');
      const more: string[] = [];
      a.lines.on('line', (l) => more.push(l));
      a.child.kill('SIGTERM');
      expect(await a.exited).toBe(0);
      expect(more).toEqual([]);
      expect(existsSync(join(dataDir, 'backend', 'backend.json'))).toBe(false);

      const b = await runBackend(dataDir, ['--s3-public-url', 'http://photos.example.test:9000']);
      expect(b.ready.token).toBe(a.ready.token);
      expect(b.ready.s3).toBe('http://photos.example.test:9000');
      const backend = { api: b.ready.api!, token: b.ready.token! };
      const albumId = await createAlbum(backend);
      const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'a.jpg', mimeType: 'image/jpeg', size: 10 });
      expect(new URL(req.body.upload.url).origin).toBe('http://photos.example.test:9000');
      b.child.kill('SIGINT');
      expect(await b.exited).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

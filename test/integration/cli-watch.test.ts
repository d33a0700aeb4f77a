/**
 * `ferry watch` as a user runs it: a file written slowly (~3.5 s here; 10 s in the manual check) is
 * uploaded exactly once, after the writing stops; Ctrl-C exits 0.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { api, makeJpeg } from '../helpers/backend.ts';
import { startProxiedBackend, useCleanups } from '../helpers/proxied-backend.ts';
import { waitFor } from '../helpers/engine-fixtures.ts';

const BIN = join(import.meta.dirname, '../../bin/ferry.js');
const defer = useCleanups();

describe('ferry watch (integration)', () => {
  it('uploads a slowly written file exactly once, after it stops growing', async () => {
    const { work, proxy, backend } = await startProxiedBackend('ferry-cli-watch-', defer);
    const dir = join(work, 'inbox');
    await mkdir(dir);

    const child = spawn(
      process.execPath,
      [BIN, 'watch', dir, '--album', 'inbox', '--create-album', '--api', backend.api, '--token', backend.token, '--data-dir', join(work, 'client')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    defer(async () => void child.kill('SIGKILL'));
    await waitFor('watching', () => out.includes('watching'), 30_000);

    const bytes = await makeJpeg(800, 600, { quality: 95 });
    const file = join(dir, 'slow.jpg');
    const slice = Math.ceil(bytes.length / 8);
    let lastWrite = 0;
    for (let i = 0; i < 8; i++) {
      await appendFile(file, bytes.subarray(i * slice, (i + 1) * slice));
      lastWrite = Date.now();
      await new Promise((r) => setTimeout(r, 450));
    }
    expect(proxy.puts.filter((p) => p.startedAt <= lastWrite)).toEqual([]);
    await waitFor('uploaded line', () => /uploaded\s+\S*slow\.jpg/.test(out), 30_000);
    expect(proxy.puts).toHaveLength(1);
    expect(proxy.puts[0]!.bytes).toBe(bytes.length);

    const albums = await api(backend, 'GET', '/albums');
    const album = (albums.body.albums as { albumId: string; title: string }[]).find((a) => a.title === 'inbox')!;
    const media = await api(backend, 'GET', `/albums/${album.albumId}/media`);
    expect(media.body.media).toHaveLength(1);
    expect(media.body.media[0].size).toBe(bytes.length);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 90_000);
});

/**
 * Issue 11 against the real embedded backend: files written with pauses are uploaded once, whole;
 * a file rewritten after its upload leaves one record (or, with replace, one record of the new
 * bytes); creator metadata of ComfyUI, A1111 and Image-Saver files comes back from the API, with no
 * secret in any record; --strip-secrets uploads a clean copy and the record says its bytes differ.
 * Real time here (chokidar, s3rver), kept short and event-driven: waits are on the queue's state.
 */
import { describe, expect, it } from 'vitest';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { api, sha256Hex } from '../helpers/backend.ts';
import { startProxiedBackend, useCleanups } from '../helpers/proxied-backend.ts';
import { s3Client, sha256OfObject, waitFor } from '../helpers/engine-fixtures.ts';
import { a1111Parameters, comfyPrompt, comfyWorkflow, exifApp1, exifWithUserComment, makeJpeg, makePng, tEXt, withJpegSegments, withPngChunks } from '../helpers/intake-fixtures.ts';
import { openEngineHost, type OpenEngineHostOptions } from '../../main/engine/host.ts';

const defer = useCleanups();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setup(extra: Partial<OpenEngineHostOptions> = {}) {
  const { work, proxy, backend } = await startProxiedBackend('ferry-intake-', defer);
  const host = await openEngineHost({
    dataDir: join(work, 'client'),
    apiUrl: backend.api,
    token: backend.token,
    engineOptions: { poll: { minMs: 100, maxMs: 500 } },
    ...extra,
  });
  defer(() => host.close());
  return { work, proxy, backend, host };
}

/** Every media record the backend holds in an album, as JSON text (for "never in any record"). */
async function albumMedia(backend: { api: string; token: string }, albumId: string) {
  const r = await api(backend, 'GET', `/albums/${albumId}/media`);
  expect(r.status).toBe(200);
  return r.body.media as { mediaId: string; status: string; key: string; size: number; sha256?: string; metadata?: Record<string, unknown> }[];
}

describe('watching (issue 11, integration)', () => {
  it('a PNG written in two halves 4 s apart and a JPEG in 4 chunks 1.2 s apart: each uploaded once, whole, no failed record', async () => {
    const { work, proxy, backend, host } = await setup();
    const dir = join(work, 'inbox');
    await mkdir(dir);
    const album = await host.client.createAlbum('slow writers');
    await host.api.addWatch({ dir, albumId: album.albumId, comfyui: false });

    const png = await makePng(640, 480);
    const jpeg = await makeJpeg(900, 700);
    const lastWrite: Record<string, number> = {};
    const writeInParts = async (name: string, bytes: Buffer, parts: number, gapMs: number) => {
      const size = Math.ceil(bytes.length / parts);
      for (let i = 0; i < parts; i++) {
        if (i > 0) await sleep(gapMs);
        await appendFile(join(dir, name), bytes.subarray(i * size, (i + 1) * size));
        lastWrite[name] = Date.now();
      }
    };
    await Promise.all([writeInParts('halves.png', png, 2, 4000), writeInParts('chunks.jpg', jpeg, 4, 1200)]);
    await waitFor('both uploaded', () => host.store.countInState('uploaded') === 2, 30_000);

    const media = await albumMedia(backend, album.albumId);
    expect(media.map((m) => m.status)).toEqual(['uploaded', 'uploaded']);
    const s3 = s3Client(backend.s3Listen, backend.s3Key);
    for (const [name, bytes] of [['halves.png', png], ['chunks.jpg', jpeg]] as const) {
      const m = media.find((x) => x.size === bytes.length)!;
      expect(await sha256OfObject(s3, backend.bucket, m.key)).toBe(sha256Hex(bytes));
      const puts = proxy.puts.filter((p) => p.key.endsWith(m.key.split('/').pop()!));
      expect(puts, name).toHaveLength(1);
      expect(puts[0]!.startedAt, name).toBeGreaterThan(lastWrite[name]!);
    }
    expect(proxy.puts).toHaveLength(2);
    expect(host.store.page(0, 10).total).toBe(2);
  }, 60_000);
});

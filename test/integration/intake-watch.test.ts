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
import { openEngineHost, type OpenEngineHostOptions } from '../../main/host/host.ts';

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

  it('a file rewritten after its upload leaves one record; with replace, the new bytes replace it', async () => {
    const { work, backend, host } = await setup({ watchOptions: { recheckMs: 300 } });
    const dir = join(work, 'edits');
    await mkdir(dir);
    const album = await host.client.createAlbum('edits');
    await host.api.addWatch({ dir, albumId: album.albumId, comfyui: false });
    const file = join(dir, 'photo.jpg');
    await writeFile(file, await makeJpeg(300, 200));
    await waitFor('first version uploaded', () => host.store.countInState('uploaded') === 1, 30_000);
    const second = await makeJpeg(310, 200);
    await writeFile(file, second);
    await waitFor('second version seen', () => host.store.page(0, 10).total === 2, 30_000);
    const rows = host.store.page(0, 10).rows;
    expect(rows[0]!.state).toBe('skipped');
    expect(rows[0]!.skipReason).toMatch(/changed after it was uploaded as .*kept that upload/);
    const kept = await albumMedia(backend, album.albumId);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.status).toBe('uploaded');
    await host.close();

    // The same folder and data directory, now with replace: a third version goes in place of the first.
    const replacing = await openEngineHost({ dataDir: join(work, 'client'), apiUrl: backend.api, token: backend.token, intake: { replace: true }, engineOptions: { poll: { minMs: 100, maxMs: 500 } } });
    defer(() => replacing.close());
    const notices: string[] = [];
    replacing.onEvent((e) => e.type === 'notice' && notices.push(e.message));
    const third = await makeJpeg(320, 200);
    await writeFile(file, third);
    await waitFor('third version uploaded', () => replacing.store.page(0, 10).rows.some((r) => r.size === third.length && r.state === 'uploaded'), 30_000);
    const canDelete = (await api(backend, 'DELETE', '/media/no-such-media')).body?.error?.message?.startsWith('No media');
    await waitFor('replacement settled', () => notices.some((n) => /replacing|was kept/.test(n)), 10_000);
    const after = await albumMedia(backend, album.albumId);
    const newest = after.find((m) => m.size === third.length)!;
    expect(newest.sha256).toBe(sha256Hex(third));
    if (canDelete) {
      expect(after).toHaveLength(1);
    } else {
      // No DELETE /media/{id} on this backend yet: the earlier upload stays, and the row says so.
      expect(after.map((m) => m.status)).toEqual(['uploaded', 'uploaded']);
      expect(replacing.store.page(0, 10).rows.find((r) => r.size === third.length)!.note).toMatch(/was kept: the backend did not delete it/);
    }
    expect(after.every((m) => m.status === 'uploaded')).toBe(true);
  }, 90_000);

  it('creator metadata of ComfyUI (LoRAs), A1111 and Image-Saver files comes back from the API; no secret in any record', async () => {
    const { work, backend, host } = await setup();
    const dir = join(work, 'comfy');
    await mkdir(dir);
    const key = 'sk-proj-Zq81bW3xYc0vT5nLr7Ks2PdA9fGhJ4mE';
    const plain = 'relay-password-for-my-node-1234';
    const album = await host.client.createAlbum('made');
    await host.api.addWatch({ dir, albumId: album.albumId, comfyui: true });
    const imageSaverText = `a red fox <lora:add_detail:0.7>\nNegative prompt: blurry\nSteps: 20, Sampler: euler_ancestral, CFG scale: 7.0, Seed: 77, Size: 512x768, Model: juggernaut, Hashes: {"model": "abcdef1234", "lora:add_detail": "7c6bad76eb54"}, Version: ComfyUI`;
    await writeFile(join(dir, 'ComfyUI_00001_.png'), withPngChunks(await makePng(64, 48), [tEXt('prompt', JSON.stringify(comfyPrompt({ apiKey: plain }))), tEXt('workflow', JSON.stringify(comfyWorkflow(key)))]));
    await writeFile(join(dir, 'forge_00001.png'), withPngChunks(await makePng(66, 48), [tEXt('parameters', a1111Parameters)]));
    await writeFile(join(dir, 'saver_00001.jpg'), withJpegSegments(await makeJpeg(80, 60), [exifApp1(exifWithUserComment(imageSaverText))]));
    await waitFor('three uploaded', () => host.store.countInState('uploaded') === 3, 30_000);
    const byName = new Map(host.store.page(0, 10).rows.map((r) => [r.path.split('/').pop()!, r.mediaId!]));
    const get = async (name: string) => (await api(backend, 'GET', `/media/${byName.get(name)}`)).body.media.metadata;

    const comfy = await get('ComfyUI_00001_.png');
    expect(comfy).toMatchObject({ sources: ['comfyui'], seed: 123456789, steps: 30, model: 'sdxl/juggernautXL_v9.safetensors', prompt: 'a lighthouse at dusk, volumetric light' });
    expect(comfy.loras).toEqual([{ name: 'film_grain.safetensors', weight: 0.35, clipWeight: 1 }, { name: 'detail_tweaker.safetensors', weight: 0.8, clipWeight: 0.6 }]);
    expect(Object.keys(comfy.comfyui.prompt)).toHaveLength(11);
    const forge = await get('forge_00001.png');
    expect(forge).toMatchObject({ seed: 3141592653, model: 'sd_xl_base_1.0', modelHash: '31e35c80fc', hashes: { model: '31e35c80fc' } });
    expect(forge.loras.map((l: { name: string; hash?: string }) => [l.name, l.hash])).toEqual([['add_detail', '7c6bad76eb54'], ['fox_style', '0b1c2d3e4f50']]);
    const saver = await get('saver_00001.jpg');
    expect(saver).toMatchObject({ seed: 77, model: 'juggernaut', modelHash: 'abcdef1234', loras: [{ name: 'add_detail', weight: 0.7, hash: '7c6bad76eb54' }] });

    // Never in any record: not the named input, not the same value in the workflow's widgets.
    const all = JSON.stringify([...(await albumMedia(backend, album.albumId)), ...(await Promise.all([...byName.values()].map(async (id) => (await api(backend, 'GET', `/media/${id}`)).body)))]);
    expect(all).not.toContain(plain);
    expect(all).not.toContain(key);
    expect(comfy.redacted).toEqual(expect.arrayContaining(['comfyui.prompt.11.inputs.api_key']));
  }, 60_000);

  it('--strip-secrets: the object in S3 holds no secret, and its record says its bytes differ from the source and why', async () => {
    const { work, backend, host } = await setup({ intake: { stripSecrets: true } });
    const key = 'hf_abcdefghijklmnopqrstuvwxyz0123456789';
    const source = join(work, 'ComfyUI_00002_.png');
    const bytes = withPngChunks(await makePng(50, 40), [tEXt('prompt', JSON.stringify(comfyPrompt({ apiKey: key })))]);
    await writeFile(source, bytes);
    const album = await host.client.createAlbum('stripped');
    const { ids } = await host.addPathsWithIds([source], { kind: 'album', albumId: album.albumId });
    await waitFor('uploaded', () => host.store.get(ids[0]!)!.state === 'uploaded', 30_000);
    const [media] = await albumMedia(backend, album.albumId);
    const s3 = s3Client(backend.s3Listen, backend.s3Key);
    const { GetObjectCommand } = await import('@aws-sdk/client-s3');
    const stored = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: backend.bucket, Key: media!.key }))).Body!.transformToByteArray());
    expect(stored.includes(Buffer.from(key))).toBe(false);
    expect(stored.includes(Buffer.from('"api_key":"[redacted]"'))).toBe(true);
    expect(await readFile(source)).toEqual(bytes); // the user's file is untouched
    expect(media!.metadata!.bytesDiffer).toEqual({ reason: 'secrets rewritten out of the prompt chunk (--strip-secrets)', sourceSha256: sha256Hex(bytes) });
    expect(media!.sha256).toBe(sha256Hex(stored));
  }, 60_000);
});

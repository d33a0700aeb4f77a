/**
 * Watched folders against the real backend: a file written slowly is uploaded exactly once after the
 * writing stops; temp/partial files are ignored; files already there are reconciled (none twice); a
 * folder that disappears and comes back is watched again; the ComfyUI preset files PNGs as generated
 * media with their prompt metadata.
 */
import { describe, expect, it } from 'vitest';
import { appendFile, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { api, makeJpeg, makePng } from '../helpers/backend.ts';
import { startProxiedBackend, useCleanups } from '../helpers/proxied-backend.ts';
import { waitFor, writeImages } from '../helpers/engine-fixtures.ts';
import { openEngineHost, type OpenEngineHostOptions } from '../../main/host/host.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

const defer = useCleanups();

async function setup(extra: Partial<OpenEngineHostOptions> = {}) {
  const { work, proxy, backend } = await startProxiedBackend('ferry-watch-', defer);
  const host = await openEngineHost({
    dataDir: join(work, 'client'),
    apiUrl: backend.api,
    token: backend.token,
    watchOptions: { stabilityMs: 1000, recheckMs: 300 },
    engineOptions: { poll: { minMs: 100, maxMs: 500 } },
    ...extra,
  });
  defer(() => host.close());
  return { work, proxy, backend, host };
}

/** A PNG with ComfyUI's `prompt` and `workflow` tEXt chunks inserted after IHDR. */
async function comfyPng(prompt: object, w = 32): Promise<Buffer> {
  const png = await makePng(w, 32);
  const chunk = (keyword: string, text: string) => {
    const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write('tEXt', 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdrEnd = 8 + 8 + 13 + 4;
  return Buffer.concat([png.subarray(0, ihdrEnd), chunk('prompt', JSON.stringify(prompt)), chunk('workflow', '{"nodes":[]}'), png.subarray(ihdrEnd)]);
}

describe('watched folders (integration)', () => {
  it('uploads a slowly written file exactly once after it stops growing; ignores temp files; reconciles what was there', async () => {
    // The watchers run on fake time: the test decides when a file has been quiet long enough.
    const clock = new ManualClock();
    const reported: string[] = [];
    const { work, proxy, host } = await setup({ watchClock: clock, onWatchedFile: (_id, path) => reported.push(path) });
    const dir = join(work, 'inbox');
    const existing = await writeImages(dir, 3, { prefix: 'old' });
    const album = await host.client.createAlbum('watched');
    await host.api.addWatch({ dir, albumId: album.albumId, comfyui: false });
    await waitFor(
      'existing files uploaded',
      async () => {
        await clock.advance(500);
        return host.store.countInState('uploaded') === 3;
      },
      30_000,
    );

    // Written in 8 slices 450 ms of watcher time apart (under the 1 s it must stay unchanged), each
    // slice once the watcher has looked at the previous one; a temp file and a partial download
    // appear beside it.
    const bytes = await makeJpeg(900, 700, { quality: 95 });
    const slow = join(dir, 'slow.jpg');
    await writeFile(join(dir, 'download.jpg.part'), bytes.subarray(0, 1000));
    await writeFile(join(dir, '.hidden.jpg'), bytes);
    await writeFile(join(dir, 'scratch.tmp'), 'x');
    const slice = Math.ceil(bytes.length / 8);
    let lastWrite = 0;
    // asleep: the recheck loop and the follower of slow.jpg (its last look finished)
    const watcherIdle = () => waitFor('the watcher has looked at slow.jpg', () => clock.pending === 2, 10_000);
    for (let i = 0; i < 8; i++) {
      if (i > 0) await watcherIdle();
      await appendFile(slow, bytes.subarray(i * slice, (i + 1) * slice));
      lastWrite = Date.now();
      expect(host.store.findByPath(slow, `album:${album.albumId}`)).toBeUndefined();
      if (i === 0) await watcherIdle();
      await clock.advance(450);
    }
    await waitFor(
      'slow file reported',
      async () => {
        if (clock.pending === 2) await clock.advance(500);
        return reported.includes(slow);
      },
      30_000,
    );
    await waitFor('slow file uploaded', () => host.store.findByPath(slow, `album:${album.albumId}`)?.state === 'uploaded', 30_000);
    const row = host.store.findByPath(slow, `album:${album.albumId}`)!;
    expect(row.size).toBe(bytes.length);
    const putsOfSlow = proxy.puts.filter((p) => p.key.endsWith(row.objectKey!.split('/').pop()!));
    expect(putsOfSlow).toHaveLength(1);
    expect(putsOfSlow[0]!.startedAt).toBeGreaterThan(lastWrite);

    // Only 4 rows exist: the three reconciled files and the slow one; temp, partial and dotfiles never queued.
    expect(host.store.page(0, 100).total).toBe(4);

    // The watcher restarting (a new session) reconciles: nothing is queued or sent again.
    const putsBefore = proxy.puts.length;
    const w = (await host.api.listWatches())[0]!;
    await host.api.setWatchEnabled(w.id, false);
    const reportedBefore = reported.length;
    await host.api.setWatchEnabled(w.id, true);
    await waitFor(
      'the re-attached watcher reported all four files',
      async () => {
        await clock.advance(500);
        return reported.length >= reportedBefore + 4;
      },
      30_000,
    );
    expect(host.store.page(0, 100).total).toBe(4);
    expect(proxy.puts.length).toBe(putsBefore);
    expect(existing).toHaveLength(3);
  }, 90_000);

  it('picks a folder up again after it disappears and comes back', async () => {
    const { work, host } = await setup();
    const dir = join(work, 'card');
    await mkdir(dir);
    const album = await host.client.createAlbum('card');
    const watch = await host.api.addWatch({ dir, albumId: album.albumId, comfyui: false });
    expect(watch.missing).toBe(false);
    await rename(dir, join(work, 'card-away'));
    await waitFor('missing', async () => (await host.api.listWatches())[0]!.missing, 10_000);
    await rename(join(work, 'card-away'), dir);
    await waitFor('back', async () => !(await host.api.listWatches())[0]!.missing, 10_000);
    await writeImages(dir, 2, { prefix: 'back' });
    await waitFor('uploaded after return', () => host.store.countInState('uploaded') === 2, 30_000);
  }, 60_000);

  it('ComfyUI preset: groups a prompt execution into one generation, in order, with prompt metadata, also filed in the album', async () => {
    const { work, backend, host } = await setup();
    const dir = join(work, 'output');
    await mkdir(dir);
    const prompt = {
      '3': { class_type: 'KSampler', inputs: { seed: 123456, steps: 20, cfg: 7.5, sampler_name: 'euler', scheduler: 'normal', positive: ['6', 0], negative: ['7', 0], model: ['4', 0] } },
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a lighthouse at dusk', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] } },
    };
    const album = await host.client.createAlbum('comfy');
    await host.api.addWatch({ dir, albumId: album.albumId, comfyui: true });
    await writeFile(join(dir, 'ComfyUI_00001_.png'), await comfyPng(prompt, 32));
    // The second image arrives once the first is queued: the index is arrival order.
    await waitFor('first image queued', () => host.store.page(0, 10).total === 1, 30_000);
    await writeFile(join(dir, 'ComfyUI_00002_.png'), await comfyPng(prompt, 33));
    await waitFor('both uploaded', () => host.store.countInState('uploaded') === 2, 30_000);
    const rows = host.store.page(0, 10).rows.sort((a, b) => a.path.localeCompare(b.path));
    expect(rows[0]!.generationId).toBe(rows[1]!.generationId);
    expect(rows.map((r) => r.mediaId)).toEqual([`${rows[0]!.generationId}_0`, `${rows[0]!.generationId}_1`]);
    const gen = await api(backend, 'GET', `/generations/${rows[0]!.generationId}/media`);
    expect(gen.status).toBe(200);
    expect(gen.body.media).toHaveLength(2);
    expect(gen.body.media[0].metadata).toMatchObject({
      prompt: 'a lighthouse at dusk',
      negativePrompt: 'blurry',
      seed: 123456,
      model: 'sd_xl_base_1.0.safetensors',
      sampler: 'euler',
      steps: 20,
      cfg: 7.5,
    });
    const inAlbum = await api(backend, 'GET', `/albums/${album.albumId}/media`);
    expect(inAlbum.body.media.map((m: { mediaId: string }) => m.mediaId).sort()).toEqual(rows.map((r) => r.mediaId).sort());
  }, 60_000);
});

/** The upload flow end to end against the real embedded backend (s3rver + dynalite), no mocked clients. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { albumRenditions } from '../../shared/renditions.ts';
import { withDeps as processUploadWithDeps } from '../../backend-lambda/functions/process-upload.ts';
import {
  api,
  backendDeps,
  createAlbum,
  fetchImage,
  makeAvif,
  makeGif,
  makeJpeg,
  makePng,
  makeWebp,
  sha256Hex,
  startTestBackend,
  uploadToAlbum,
  type ApiAnswer,
  type TestBackend,
} from '../helpers/backend.ts';

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend?.destroy();
});

async function mediaOf(mediaId: string) {
  const res = await api(backend, 'GET', `/media/${mediaId}`);
  expect(res.status).toBe(200);
  return res.body.media;
}

/** Expected rendition size: cover boxes fill exactly when the source is big enough; inside never enlarges. */
function expectedSize(spec: (typeof albumRenditions)[number], w: number, h: number) {
  if (spec.fit === 'cover') return { width: Math.min(spec.width, w), height: Math.min(spec.height, h) };
  const scale = Math.min(1, spec.width / w, spec.height / h);
  return { width: Math.round(w * scale), height: Math.round(h * scale) };
}

async function expectRenditions(media: { thumbnails: Record<string, string>; width: number; height: number }) {
  expect(Object.keys(media.thumbnails).sort()).toEqual(albumRenditions.map((r) => r.name).sort());
  for (const spec of albumRenditions) {
    const img = await fetchImage(media.thumbnails[spec.name]!);
    expect(img.format, spec.name).toBe('webp');
    expect(img.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const meta = await sharp(img.bytes).metadata();
    expect(meta.exif, `${spec.name} keeps no EXIF`).toBeUndefined();
    expect(meta.pages ?? 1, `${spec.name} is one frame`).toBe(1);
    const want = expectedSize(spec, media.width, media.height);
    expect({ name: spec.name, width: img.width, height: img.height }).toEqual({ name: spec.name, ...want });
  }
}

describe('images through the whole flow', () => {
  const cases = [
    { name: 'JPEG', mimeType: 'image/jpeg', filename: 'photo.jpg', make: () => makeJpeg(1200, 900), w: 1200, h: 900 },
    { name: 'PNG', mimeType: 'image/png', filename: 'drawing.png', make: () => makePng(1000, 800), w: 1000, h: 800 },
    { name: 'WebP', mimeType: 'image/webp', filename: 'still.webp', make: () => makeWebp(800, 640), w: 800, h: 640 },
    { name: 'AVIF', mimeType: 'image/avif', filename: 'modern.avif', make: () => makeAvif(700, 620), w: 700, h: 620 },
    { name: 'animated GIF', mimeType: 'image/gif', filename: 'loop.gif', make: () => makeGif(400, 300, 3), w: 400, h: 300 },
  ];
  for (const c of cases) {
    it(`${c.name}: pending, PUT, processed, six renditions that download and decode at the right size`, async () => {
      const albumId = await createAlbum(backend, `album ${c.name}`);
      const data = await c.make();
      const up = await uploadToAlbum(backend, albumId, data, { filename: c.filename, mimeType: c.mimeType, sha256: sha256Hex(data) });
      expect(up.status).toBe(201);
      expect(up.body.status).toBe('pending');
      expect(up.key).toMatch(new RegExp(`^albums/${albumId}/media/${up.mediaId}\\.`));
      await backend.idle();
      const media = await mediaOf(up.mediaId);
      expect(media).toMatchObject({ status: 'uploaded', width: c.w, height: c.h, size: data.length, mimeType: c.mimeType, filename: c.filename });
      await expectRenditions(media);
      const album = (await api(backend, 'GET', '/albums')).body.albums.find((a: { albumId: string }) => a.albumId === albumId);
      expect(album.mediaCount).toBe(1);
      expect((await fetchImage(album.coverThumbnail)).width).toBe(Math.min(128, c.w));
    });
  }

  it('an EXIF-rotated photo comes out upright', async () => {
    // Stored 1200×900 with a red band along the top; orientation 6 says "turn 90° clockwise", so
    // upright it is 900×1200 with the band down the right edge.
    const stored = await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#ffffff' } })
      .composite([{ input: { create: { width: 1200, height: 150, channels: 3, background: '#ff0000' } }, top: 0, left: 0 }])
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const albumId = await createAlbum(backend);
    const up = await uploadToAlbum(backend, albumId, stored, { filename: 'rotated.jpg', mimeType: 'image/jpeg' });
    await backend.idle();
    const media = await mediaOf(up.mediaId);
    expect(media).toMatchObject({ status: 'uploaded', width: 900, height: 1200 });
    const display = await fetchImage(media.thumbnails.display);
    expect([display.width, display.height]).toEqual([900, 1200]);
    const { data, info } = await sharp(display.bytes).raw().toBuffer({ resolveWithObject: true });
    const px = (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3));
    const [rr, rg] = px(info.width - 20, 600);
    const [lr, lg] = px(20, 600);
    expect(rr).toBeGreaterThan(200);
    expect(rg).toBeLessThan(60);
    expect(lr).toBeGreaterThan(200);
    expect(lg).toBeGreaterThan(200);
    await expectRenditions(media);
  });

  it('a video is stored and marked uploaded without renditions', async () => {
    const albumId = await createAlbum(backend);
    const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')]);
    const video = Buffer.concat([ftyp, Buffer.from([0, 0, 0x10, 0x08]), Buffer.from('mdat'), Buffer.alloc(4096, 7)]);
    const up = await uploadToAlbum(backend, albumId, video, { filename: 'clip.mp4', mimeType: 'video/mp4', sha256: sha256Hex(video) });
    await backend.idle();
    const media = await mediaOf(up.mediaId);
    expect(media.status).toBe('uploaded');
    expect(media.thumbnails).toBeUndefined();
    expect(media.size).toBe(video.length);
  });
});

describe('records, listing and re-delivery', () => {
  it('the same sha256 in the same album answers 200 duplicateOf and makes no new record', async () => {
    const albumId = await createAlbum(backend);
    const data = await makeJpeg(300, 200);
    const sha256 = sha256Hex(data);
    const first = await uploadToAlbum(backend, albumId, data, { filename: 'a.jpg', mimeType: 'image/jpeg', sha256 });
    await backend.idle();
    const again = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'copy.jpg', mimeType: 'image/jpeg', size: data.length, sha256 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ mediaId: first.mediaId, duplicateOf: first.mediaId, status: 'uploaded' });
    const list = await api(backend, 'GET', `/albums/${albumId}/media`);
    expect(list.body.media).toHaveLength(1);
    // Another album is another place: the same bytes upload again there.
    const other = await createAlbum(backend);
    expect((await api(backend, 'POST', `/albums/${other}/media/upload`, { filename: 'a.jpg', mimeType: 'image/jpeg', size: data.length, sha256 })).status).toBe(201);
  });

  it('an event delivered twice is harmless: one record, one count', async () => {
    const albumId = await createAlbum(backend);
    const data = await makeJpeg(320, 240);
    const up = await uploadToAlbum(backend, albumId, data, { filename: 'twice.jpg', mimeType: 'image/jpeg' });
    await backend.idle();
    const before = await mediaOf(up.mediaId);
    const deps = backendDeps(backend);
    const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'ferry-media' }, object: { key: up.key } } }] };
    const outcomes = await processUploadWithDeps(deps)(event as never);
    expect(outcomes).toEqual([{ outcome: 'ignored', reason: 'already uploaded' }]);
    const after = await mediaOf(up.mediaId);
    expect(after.updatedAt).toBe(before.updatedAt);
    const album = (await api(backend, 'GET', '/albums')).body.albums.find((a: { albumId: string }) => a.albumId === albumId);
    expect(album.mediaCount).toBe(1);
  });

  it('two uploads racing into one album, then both events racing too: the count is still right', async () => {
    const albumId = await createAlbum(backend);
    const files = await Promise.all([makeJpeg(400, 300), makePng(300, 300), makeWebp(350, 300), makeJpeg(500, 260)]);
    const ups = await Promise.all(files.map((f, i) => uploadToAlbum(backend, albumId, f, { filename: `race-${i}`, mimeType: ['image/jpeg', 'image/png', 'image/webp', 'image/jpeg'][i]! })));
    await backend.idle();
    // Re-deliver all four at once, as S3 may: no record is counted twice.
    const deps = backendDeps(backend);
    await Promise.all(ups.map((u) => processUploadWithDeps(deps)({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: u.key } } }] } as never)));
    const album = (await api(backend, 'GET', '/albums')).body.albums.find((a: { albumId: string }) => a.albumId === albumId);
    expect(album.mediaCount).toBe(4);
  });

  it('album media are listed newest first, with cursors', async () => {
    const albumId = await createAlbum(backend);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: `${i}.jpg`, mimeType: 'image/jpeg', size: 100 });
      ids.push(res.body.mediaId);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const res: ApiAnswer = await api(backend, 'GET', `/albums/${albumId}/media?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.media.map((m: { mediaId: string }) => m.mediaId));
      cursor = res.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...ids].reverse());
    const bad = await api(backend, 'GET', `/albums/${albumId}/media?cursor=nonsense`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'INVALID_REQUEST', details: { field: 'cursor' } });
  });

  it('POST /media/status answers many records in one poll, leaving out unknown IDs', async () => {
    const albumId = await createAlbum(backend);
    const a = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'a.jpg', mimeType: 'image/jpeg', size: 10 });
    const b = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'b.jpg', mimeType: 'image/jpeg', size: 10 });
    const res = await api(backend, 'POST', '/media/status', { mediaIds: [b.body.mediaId, 'no-such-media', a.body.mediaId] });
    expect(res.status).toBe(200);
    expect(res.body.media.map((m: { mediaId: string; status: string }) => [m.mediaId, m.status])).toEqual([
      [b.body.mediaId, 'pending'],
      [a.body.mediaId, 'pending'],
    ]);
  });

  it('a fresh upload URL for a pending single upload', async () => {
    const albumId = await createAlbum(backend);
    const data = await makeJpeg(200, 200);
    const req = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'late.jpg', mimeType: 'image/jpeg', size: data.length, sha256: sha256Hex(data) });
    const fresh = await api(backend, 'POST', `/media/${req.body.mediaId}/upload-url`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.upload.headers).toEqual({ 'Content-Type': 'image/jpeg', 'Content-Length': String(data.length), 'x-amz-checksum-sha256': Buffer.from(sha256Hex(data), 'hex').toString('base64') });
    expect(new URL(fresh.body.upload.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host;x-amz-checksum-sha256');
    expect(Number(new URL(fresh.body.upload.url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(15 * 60);
    const put = await fetch(fresh.body.upload.url, { method: 'PUT', headers: fresh.body.upload.headers, body: data as unknown as BodyInit });
    expect(put.status).toBe(200);
    await backend.idle();
    expect((await mediaOf(req.body.mediaId)).status).toBe('uploaded');
    const again = await api(backend, 'POST', `/media/${req.body.mediaId}/upload-url`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  });
});

describe('generated media and avatars', () => {
  it('generated media are found by the ID in their file name, listed in index order, and filed in an album', async () => {
    const albumId = await createAlbum(backend);
    const gen = `gen-${Date.now()}`;
    for (const index of [1, 0]) {
      const data = await makePng(256, 256);
      const res = await api(backend, 'POST', `/generations/${gen}/media/upload`, {
        filename: `ComfyUI_${index}.png`,
        mimeType: 'image/png',
        size: data.length,
        index,
        albumId,
        metadata: { prompt: 'a lighthouse', seed: 42 + index },
      });
      expect(res.status).toBe(201);
      expect(res.body.mediaId).toBe(`${gen}_${index}`);
      expect(res.body.key).toBe(`generated/${gen}/${gen}_${index}.png`);
      await fetch(res.body.upload.url, { method: 'PUT', headers: res.body.upload.headers, body: data as unknown as BodyInit });
    }
    await backend.idle();
    const list = await api(backend, 'GET', `/generations/${gen}/media`);
    expect(list.body.media.map((m: { mediaId: string; status: string }) => [m.mediaId, m.status])).toEqual([
      [`${gen}_0`, 'uploaded'],
      [`${gen}_1`, 'uploaded'],
    ]);
    expect(list.body.media[0].metadata).toEqual({ prompt: 'a lighthouse', seed: 42 });
    expect(Object.keys(list.body.media[0].thumbnails)).toHaveLength(6);
    const album = (await api(backend, 'GET', '/albums')).body.albums.find((a: { albumId: string }) => a.albumId === albumId);
    expect(album.mediaCount).toBe(2);
    const again = await api(backend, 'POST', `/generations/${gen}/media/upload`, { filename: 'x.png', mimeType: 'image/png', size: 10, index: 0 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ mediaId: `${gen}_0`, duplicateOf: `${gen}_0`, status: 'uploaded' });
    const badId = await api(backend, 'POST', `/generations/bad_id/media/upload`, { filename: 'x.png', mimeType: 'image/png', size: 10, index: 0 });
    expect(badId.status).toBe(400);
  });

  it('an avatar updates the user record with its renditions', async () => {
    const data = await makeJpeg(640, 480);
    const res = await api(backend, 'POST', '/users/me/avatar/upload', { filename: 'me.jpg', mimeType: 'image/jpeg', size: data.length });
    expect(res.status).toBe(201);
    expect(res.body.key).toBe(`users/${backend.userId}/avatar/${res.body.mediaId}.jpg`);
    await fetch(res.body.upload.url, { method: 'PUT', headers: res.body.upload.headers, body: data as unknown as BodyInit });
    await backend.idle();
    const me = await api(backend, 'GET', '/users/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ userId: backend.userId, avatar: { key: res.body.key, width: 640, height: 480 } });
    const sizes: Record<string, [number, number]> = { small: [32, 24], medium: [96, 72], large: [128, 96], display: [640, 480] };
    for (const [name, [w, h]] of Object.entries(sizes)) {
      const img = await fetchImage(me.body.user.avatar.thumbnails[name]);
      expect([name, img.width, img.height]).toEqual([name, w, h]);
    }
    const video = await api(backend, 'POST', '/users/me/avatar/upload', { filename: 'me.mp4', mimeType: 'video/mp4', size: 100 });
    expect(video.status).toBe(415);
  });
});

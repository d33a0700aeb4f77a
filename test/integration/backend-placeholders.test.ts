/**
 * Issue 13 on the real embedded backend (s3rver + dynalite, the real handlers): every processed image
 * record carries a ThumbHash and a dominant colour on the album's media page, and records written
 * before those fields existed still read and parse.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { thumbHashToRGBA } from 'thumbhash';
import { mediaPageResponse, mediaResponse } from '../../shared/api.ts';
import { LOCAL_TABLE } from '../../backend-lambda/local/index.ts';
import { destroyDeps } from '../../backend-lambda/lib/deps.ts';
import { tableKeys } from '../../backend-lambda/lib/storage/table-keys.ts';
import { dynamoStorage } from '../../backend-lambda/lib/storage/dynamo-storage.ts';
import { api, backendDeps, createAlbum, makeJpeg, makePng, makeWebp, sha256Hex, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';

let backend: TestBackend;
beforeAll(async () => {
  backend = await startTestBackend();
});
afterAll(async () => {
  await backend?.destroy();
});

const ftyp = Buffer.concat([Buffer.from([0, 0, 0, 0x18]), Buffer.from('ftypisom'), Buffer.from([0, 0, 2, 0]), Buffer.from('isomiso2')]);
const video = Buffer.concat([ftyp, Buffer.from([0, 0, 0x10, 0x08]), Buffer.from('mdat'), Buffer.alloc(4096, 7)]);

describe('placeholders on the album media page', () => {
  it('every uploaded image carries a thumbhash of its aspect and a #rrggbb colour; a video carries neither', async () => {
    const albumId = await createAlbum(backend, 'placeholders');
    const files = [
      { data: await makeJpeg(1600, 900), filename: 'wide.jpg', mimeType: 'image/jpeg', aspect: 1600 / 900 },
      { data: await makePng(500, 1000), filename: 'tall.png', mimeType: 'image/png', aspect: 0.5 },
      { data: await makeWebp(640, 640), filename: 'square.webp', mimeType: 'image/webp', aspect: 1 },
    ];
    for (const f of files) await uploadToAlbum(backend, albumId, f.data, { filename: f.filename, mimeType: f.mimeType, sha256: sha256Hex(f.data) });
    await uploadToAlbum(backend, albumId, video, { filename: 'clip.mp4', mimeType: 'video/mp4', sha256: sha256Hex(video) });
    await backend.idle();

    const res = await api(backend, 'GET', `/albums/${albumId}/media`);
    expect(res.status).toBe(200);
    // The client's own schema accepts the page (what the engine and the renderer parse with).
    const page = mediaPageResponse.parse(res.body);
    expect(page.media).toHaveLength(4);
    for (const m of page.media) {
      expect(m.status, m.filename).toBe('uploaded');
      if (m.mimeType.startsWith('video/')) {
        expect([m.thumbhash, m.dominantColor]).toEqual([undefined, undefined]);
        continue;
      }
      const f = files.find((x) => x.filename === m.filename)!;
      expect(m.dominantColor, m.filename).toMatch(/^#[0-9a-f]{6}$/);
      const decoded = thumbHashToRGBA(Buffer.from(m.thumbhash!, 'base64'));
      // ThumbHash stores the aspect as the ratio of its DCT sizes (long side 7, or 5 with alpha), so a
      // 1:2 PNG with alpha decodes as 3:5: the error bound is that quantisation, and the shape must hold.
      expect(Math.abs(decoded.w / decoded.h - f.aspect) / f.aspect, `${m.filename} thumbhash aspect`).toBeLessThan(0.21);
      expect(Math.sign(decoded.w - decoded.h), `${m.filename} orientation`).toBe(Math.sign(f.aspect - 1));
    }
  });

  it('a record processed before placeholders existed still reads and parses, on its own and in the page', async () => {
    const albumId = await createAlbum(backend, 'older records');
    const data = await makeJpeg(800, 600);
    const up = await uploadToAlbum(backend, albumId, data, { filename: 'old.jpg', mimeType: 'image/jpeg', sha256: sha256Hex(data) });
    await backend.idle();
    // Back to what process-upload wrote before issue 13: renditions, size, no placeholders.
    // The table is reachable only through the backend's private socket: borrow the deps' client.
    let ddb: DynamoDBDocumentClient | undefined;
    const deps = backendDeps(backend, {}, undefined, (client, table) => ((ddb = client), dynamoStorage(client, table)));
    try {
      await ddb!.send(new UpdateCommand({ TableName: LOCAL_TABLE, Key: tableKeys.media(up.mediaId), UpdateExpression: 'REMOVE thumbhash, dominantColor' }));
    } finally {
      destroyDeps(deps);
    }
    const one = await api(backend, 'GET', `/media/${up.mediaId}`);
    expect(one.status).toBe(200);
    const media = mediaResponse.parse(one.body).media;
    expect(media).toMatchObject({ status: 'uploaded', width: 800, height: 600 });
    expect(Object.keys(media.thumbnails ?? {})).toHaveLength(6);
    expect('thumbhash' in media || 'dominantColor' in media).toBe(false);
    const page = mediaPageResponse.parse((await api(backend, 'GET', `/albums/${albumId}/media`)).body);
    expect(page.media.map((m) => [m.mediaId, m.thumbhash])).toEqual([[up.mediaId, undefined]]);
  });
});

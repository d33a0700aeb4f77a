/**
 * The audit's client mistakes that were answered 500 (or accepted), each sent to the real embedded
 * API: every one is now a 4xx with a code, and a refused oversized body does not harm the next
 * request on the same keep-alive socket.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request } from 'node:http';
import { api, createAlbum, makeJpeg, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';

let backend: TestBackend;
let albumId: string;
beforeAll(async () => {
  backend = await startTestBackend();
  albumId = await createAlbum(backend);
  // Two uploaded files, so the album has a second page to ask a cursor for.
  for (const name of ['a.jpg', 'b.jpg']) await uploadToAlbum(backend, albumId, await makeJpeg(60, 40), { filename: name, mimeType: 'image/jpeg' });
  await backend.idle();
});
afterAll(async () => {
  await backend?.destroy();
});

const bad = (res: { status: number; body: { error?: { code?: string; details?: { field?: string } } } }, field?: string) => {
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe('INVALID_REQUEST');
  if (field) expect(res.body.error?.details?.field).toBe(field);
};
const file = { filename: 'ok.jpg', mimeType: 'image/jpeg', size: 10 };

describe('path IDs past DynamoDB key limits', () => {
  for (const n of [1100, 3000]) {
    it(`${n} characters: 400 naming the parameter`, async () => {
      const id = 'a'.repeat(n);
      bad(await api(backend, 'GET', `/media/${id}`), 'mediaId');
      bad(await api(backend, 'GET', `/albums/${id}/media`), 'albumId');
      bad(await api(backend, 'POST', `/generations/${id}/media/upload`, { ...file, index: 0 }), 'generationId');
      bad(await api(backend, 'POST', '/media/status', { mediaIds: [id] }), 'mediaIds.0');
    });
  }
});

describe('cursors', () => {
  it('one the API gave works; a crafted one (too few or too many attributes, another album) is 400', async () => {
    const first = await api(backend, 'GET', `/albums/${albumId}/media?limit=1`);
    expect(first.status).toBe(200);
    const cursor = first.body.nextCursor as string;
    expect(cursor).toBeTruthy();
    expect((await api(backend, 'GET', `/albums/${albumId}/media?limit=1&cursor=${cursor}`)).status).toBe(200);
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, string>;
    const forge = (k: unknown) => Buffer.from(JSON.stringify(k)).toString('base64url');
    for (const crafted of [
      forge({ gsi1pk: `ALBUM#${albumId}` }),
      forge({ ...key, extra: 'x' }),
      forge({ ...key, gsi1pk: 'ALBUM#other' }),
      forge({ ...key, pk: 'USER#someone' }),
      forge({ ...key, gsi1sk: 'x'.repeat(3000) }),
      'not-base64-json',
    ]) {
      bad(await api(backend, 'GET', `/albums/${albumId}/media?cursor=${crafted}`), 'cursor');
    }
  });
});

describe('generation metadata', () => {
  it('900 KB: 400 naming metadata; 20 levels deep: 400; a number DynamoDB cannot store: 400, not 500', async () => {
    const big = { prompt: 'x'.repeat(900 * 1024) };
    bad(await api(backend, 'POST', '/generations/gen-meta/media/upload', { ...file, index: 0, metadata: big }), 'metadata');
    let deep: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 20; i++) deep = { d: deep };
    bad(await api(backend, 'POST', '/generations/gen-meta/media/upload', { ...file, index: 0, metadata: deep }), 'metadata');
    // Valid JSON numbers DynamoDB cannot store: 1e200 (the SDK's marshaller refuses integers past
    // 2^53) and 1e-200 (below DynamoDB's range: its ValidationException is the client's mistake).
    for (const n of ['1e200', '18446744073709551615', '1e-200']) {
      const rawBody = JSON.stringify({ ...file, index: 1 }).replace(/}$/, `,"metadata":{"seed":${n}}}`);
      bad(await api(backend, 'POST', '/generations/gen-meta/media/upload', undefined, { rawBody }));
    }
    expect((await api(backend, 'POST', '/generations/gen-meta/media/upload', { ...file, index: 2, metadata: { prompt: 'a cat', seed: 42 } })).status).toBe(201);
  });
});

describe('file declarations', () => {
  it('size 0 or negative: 400 naming size', async () => {
    bad(await api(backend, 'POST', `/albums/${albumId}/media/upload`, { ...file, size: 0 }), 'size');
    bad(await api(backend, 'POST', `/albums/${albumId}/media/upload`, { ...file, size: -1 }), 'size');
  });
  it('names with NUL, a newline, a lone surrogate, or a bidi override: 400 naming filename', async () => {
    for (const filename of ['a\u0000.jpg', 'a\n.jpg', 'a\uD800.jpg', 'a\uDC00b.jpg', 'x\u202Egnp.exe', 'x\u2066.jpg', 'x\u200F.jpg']) {
      bad(await api(backend, 'POST', `/albums/${albumId}/media/upload`, { ...file, filename }), 'filename');
    }
    expect((await api(backend, 'POST', `/albums/${albumId}/media/upload`, { ...file, filename: '🌅 été – ok.jpg' })).status).toBe(201);
  });
});

describe('an oversized body', () => {
  it('2 MB: 413 BODY_TOO_LARGE with Connection: close, and the next requests on a keep-alive agent are unharmed', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const u = new URL(backend.api);
    const send = (method: string, path: string, body?: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; text: string; ms: number }>((resolve, reject) => {
        const t0 = Date.now();
        const req = request(
          { agent, host: u.hostname, port: u.port, method, path, headers: { authorization: `Bearer ${backend.token}`, 'content-type': 'application/json', ...(body ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text, ms: Date.now() - t0 }));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      const big = await send('POST', '/albums', JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }));
      expect(big.status).toBe(413);
      expect(JSON.parse(big.text).error.code).toBe('BODY_TOO_LARGE');
      expect(big.headers.connection).toBe('close');
      for (let i = 0; i < 3; i++) {
        const next = await send('GET', '/albums');
        expect(next.status).toBe(200);
        expect(next.ms).toBeLessThan(2000);
      }
    } finally {
      agent.destroy();
    }
  });
});

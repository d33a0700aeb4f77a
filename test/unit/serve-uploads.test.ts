/**
 * Serve mode's drop endpoint and preview endpoint over a real HTTP server: the token and Origin
 * guard, a body streamed to the staging folder (and memory that does not grow with it), relative
 * paths that try to leave the staging folder, files Ferry cannot take, a body cut short, and the
 * previews' caching headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { startServe, type ServeHandle } from '../../main/serve/server.ts';
import { removeLeftoverPartials, removeStagedWhenUploaded } from '../../main/serve/api-routes.ts';
import { PreviewCache } from '../../main/engine/previews.ts';
import { InMemoryFakeEngine, makeItems } from './renderer-fake-engine.ts';

let root: string;
let staging: string;
let serve: ServeHandle;
let origin: string;
const token = 'test-token-0123456789';
const fake = new InMemoryFakeEngine();
const previewPaths = new Map<number, string>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ferry-serve-up-'));
  staging = join(root, 'data', 'staging');
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Ferry</title>');
  const previews = new PreviewCache({ dir: join(root, 'data', 'previews'), pathOf: (id) => previewPaths.get(id) });
  serve = await startServe({ engine: { api: fake.api, onEvent: (l) => fake.onEvent(l), previews }, rendererDir: root, token, stagingDir: staging });
  origin = `http://127.0.0.1:${serve.port}`;
});
afterAll(async () => {
  await serve.close();
  await rm(root, { recursive: true, force: true });
});

interface Res {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One raw request; `body` may be a stream (sent chunked unless content-length is set) or bytes. */
function call(method: string, path: string, opts: { headers?: Record<string, string>; body?: Buffer | Readable; cutAfter?: number } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: serve.port, method, path, headers: { host: `127.0.0.1:${serve.port}`, cookie: `ferry_token_${serve.port}=${token}`, origin, ...opts.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    if (opts.cutAfter !== undefined) {
      req.on('error', () => undefined);
      req.write(randomBytes(opts.cutAfter));
      // Give the server the first bytes, then drop the connection mid-body.
      setTimeout(() => req.destroy(), 50);
      req.on('close', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
      return;
    }
    req.on('error', reject);
    if (opts.body instanceof Readable) opts.body.pipe(req);
    else req.end(opts.body);
  });
}

const upload = (q: Record<string, string>, body: Buffer, headers: Record<string, string> = {}) =>
  call('PUT', `/api/upload?${new URLSearchParams(q).toString()}`, { body, headers: { 'content-length': String(body.length), ...headers } });
const batch = 'batch-0001';

describe('PUT /api/upload', () => {
  it('streams a file into staging/<batch>/<relative path> and queues it for the album', async () => {
    const bytes = randomBytes(300_000);
    const res = await upload({ batch, path: 'trip/day 1/a.jpg', album: 'album-1' }, bytes);
    expect(res.status).toBe(201);
    const file = join(staging, batch, 'trip', 'day 1', 'a.jpg');
    expect(JSON.parse(res.body.toString())).toEqual({ path: file, added: 1, skipped: 0 });
    expect((await readFile(file)).equals(bytes)).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ method: 'addPaths', args: [[file], { kind: 'album', albumId: 'album-1' }] });
  });

  it('needs the token, and an Origin of its own page', async () => {
    const body = randomBytes(10);
    const q = `/api/upload?batch=${batch}&path=x.jpg&album=a`;
    expect((await call('PUT', q, { body, headers: { cookie: '' } })).status).toBe(401);
    expect((await call('PUT', q, { body, headers: { origin: 'http://evil.test' } })).status).toBe(403);
    const noOrigin = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: serve.port, method: 'PUT', path: q, headers: { host: `127.0.0.1:${serve.port}`, cookie: `ferry_token_${serve.port}=${token}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(noOrigin).toBe(403);
    expect(existsSync(join(staging, batch, 'x.jpg'))).toBe(false);
  });

  it.each([
    ['../evil.jpg'],
    ['../../../../tmp/evil.jpg'],
    ['trip/../../evil.jpg'],
    ['/etc/evil.jpg'],
    ['trip//evil.jpg'],
    ['./evil.jpg'],
    ['..\\evil.jpg'],
    ['C:/evil.jpg'],
    ['trip/\u0000.jpg'],
  ])('refuses the relative path %j: nothing is written outside (or inside) staging', async (path) => {
    const before = fake.calls.length;
    const res = await upload({ batch, path, album: 'a' }, randomBytes(64));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString()).error.code).toBe('INVALID_REQUEST');
    expect(existsSync(join(root, 'data', 'evil.jpg'))).toBe(false);
    expect(existsSync(join(staging, 'evil.jpg'))).toBe(false);
    expect(fake.calls.length).toBe(before);
  });

  it('refuses a batch ID that is a path', async () => {
    expect((await upload({ batch: '../../data', path: 'a.jpg', album: 'a' }, randomBytes(8))).status).toBe(400);
    expect((await upload({ batch: 'ab/cdefgh', path: 'a.jpg', album: 'a' }, randomBytes(8))).status).toBe(400);
  });

  it('says why it will not take a .txt, an empty file or a name without extension', async () => {
    const txt = await upload({ batch, path: 'notes.txt', album: 'a' }, Buffer.from('hello'));
    expect(txt.status).toBe(415);
    expect(JSON.parse(txt.body.toString()).error.message).toBe('notes.txt: not an image or video Ferry uploads (.txt)');
    const empty = await upload({ batch, path: 'empty.jpg', album: 'a' }, Buffer.alloc(0));
    expect(JSON.parse(empty.body.toString()).error.message).toBe('empty.jpg: empty file (0 bytes)');
    const bare = await upload({ batch, path: 'README', album: 'a' }, Buffer.from('x'));
    expect(JSON.parse(bare.body.toString()).error.message).toBe('README: no file extension, so Ferry cannot tell what it is');
    expect(existsSync(join(staging, batch, 'notes.txt'))).toBe(false);
  });

  it('deletes a body cut short and queues nothing', async () => {
    const before = fake.calls.length;
    await call('PUT', `/api/upload?batch=${batch}&path=cut.jpg&album=a`, { headers: { 'content-length': '1000000' }, cutAfter: 4096 });
    // The server notices the reset on its own schedule; wait for the .part to go.
    for (let i = 0; i < 50 && (await readdir(join(staging, batch))).some((f) => f.startsWith('cut.jpg')); i++) await new Promise((r) => setTimeout(r, 20));
    expect((await readdir(join(staging, batch))).filter((f) => f.startsWith('cut.jpg'))).toEqual([]);
    expect(fake.calls.length).toBe(before);
  });

  it('streams a large body without holding it: 512 MB through, memory grows by far less', async () => {
    const total = 512 * 1024 * 1024;
    const chunk = randomBytes(1024 * 1024);
    let sent = 0;
    const body = new Readable({
      read() {
        if (sent >= total) return this.push(null);
        sent += chunk.length;
        this.push(chunk);
      },
    });
    global.gc?.();
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const res = await call('PUT', `/api/upload?batch=${batch}&path=big.mp4&album=a`, { body, headers: { 'content-length': String(total) } });
    clearInterval(sampler);
    expect(res.status).toBe(201);
    const file = join(staging, batch, 'big.mp4');
    const { size } = await import('node:fs/promises').then((m) => m.stat(file));
    expect(size).toBe(total);
    // Client and server share this process: both sides' buffers count, and still stay far below the body.
    console.log(`512 MB upload: rss grew ${Math.round((peak - rss0) / 1e6)} MB`);
    expect(peak - rss0).toBeLessThan(128 * 1024 * 1024);
    await rm(file);
  }, 120_000);
});

describe('staged copies', () => {
  it('are deleted once their row is uploaded (empty folders too), and kept while it is not', async () => {
    const dir = join(staging, 'batch-clean', 'trip');
    const up = await upload({ batch: 'batch-clean', path: 'trip/a.jpg', album: 'a' }, randomBytes(100));
    const keep = await upload({ batch: 'batch-clean', path: 'b.jpg', album: 'a' }, randomBytes(100));
    const [a, b] = [JSON.parse(up.body.toString()).path as string, JSON.parse(keep.body.toString()).path as string];
    const stop = removeStagedWhenUploaded({ onEvent: (l) => fake.onEvent(l) }, staging);
    const item = (path: string, state: 'uploaded' | 'failed') => ({ ...makeItems(1)[0]!, path, state });
    fake.emit({ type: 'items', items: [item(a, 'uploaded'), item(b, 'failed'), item('/elsewhere/x.jpg', 'uploaded')] });
    for (let i = 0; i < 50 && existsSync(dir); i++) await new Promise((r) => setTimeout(r, 10));
    expect(existsSync(a)).toBe(false);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(b)).toBe(true);
    stop();
  });
});

describe('leftover partial files', () => {
  it('are removed at start-up; whole files stay', async () => {
    const dir = join(root, 'leftovers', 'b1234567', 'trip');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'a.jpg.part'), 'half');
    await writeFile(join(dir, 'b.jpg'), 'whole');
    expect(await removeLeftoverPartials(join(root, 'leftovers'))).toBe(1);
    expect(await readdir(dir)).toEqual(['b.jpg']);
    expect(await removeLeftoverPartials(join(root, 'missing'))).toBe(0);
  });
});

describe('GET /api/preview/{id}', () => {
  it('serves a small WebP with an ETag, then 304 for the same one', async () => {
    const jpg = join(root, 'photo.jpg');
    await writeFile(jpg, await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#3366aa' } }).jpeg().toBuffer());
    previewPaths.set(7, jpg);
    const res = await call('GET', '/api/preview/7');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/webp');
    const meta = await sharp(res.body).metadata();
    expect(meta.format).toBe('webp');
    expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(96);
    const again = await call('GET', '/api/preview/7', { headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.status).toBe(304);
  });

  it('answers 404 for a row without a preview, 400 for a bad id, 401 without the token', async () => {
    expect((await call('GET', '/api/preview/999')).status).toBe(404);
    expect((await call('GET', '/api/preview/..%2f..%2fetc')).status).toBe(400);
    expect((await call('GET', '/api/preview/7', { headers: { cookie: '' } })).status).toBe(401);
  });
});

/**
 * The engine's state machine over fakes: an in-memory API, a scripted transport, fake time (sleeps
 * advance a virtual clock and are recorded, never waited for), an in-memory SQLite queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../main/engine/api-client.ts';
import { Engine, type EngineDeps, type EngineOptionsInput } from '../../main/engine/engine.ts';
import { HttpError, NetworkError, AbortedError } from '../../main/engine/errors.ts';
import type { PutRequest, Transport } from '../../main/engine/transport.ts';
import { UploadSlots } from '../../main/engine/slots.ts';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';
import type { Media } from '../../shared/api.ts';
import { partRange } from '../../shared/multipart.ts';

const MiB = 1024 * 1024;

/** Virtual time: `sleep` records the delay, advances `now`, and yields one macrotask (no real waiting). */
class FakeClock {
  t = 1_000_000;
  sleeps: number[] = [];
  now = () => this.t;
  sleep = async (ms: number, signal?: AbortSignal) => {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.t += ms;
    await new Promise((r) => setImmediate(r));
    if (signal?.aborted) throw signal.reason;
  };
}

type Script = (call: string, n: number) => Error | undefined;

function media(mediaId: string, status: Media['status'], size = 10, error?: Media['error']): Media {
  return { mediaId, kind: 'album', filename: 'f', key: `k/${mediaId}`, mimeType: 'image/jpeg', size, status, createdAt: '', updatedAt: '', ...(error ? { error } : {}) };
}

function fakeApi(
  opts: { script?: Script; healthy?: () => boolean; multipartAbove?: number; status?: (id: string) => Media['status']; duplicate?: boolean; expiresAt?: string } = {},
) {
  const calls: string[] = [];
  const counts = new Map<string, number>();
  const hit = (name: string) => {
    calls.push(name);
    const n = (counts.get(name) ?? 0) + 1;
    counts.set(name, n);
    const err = opts.script?.(name, n);
    if (err) throw err;
  };
  let seq = 0;
  const sizes = new Map<string, number>();
  const client: ApiClient = {
    baseUrl: 'http://api',
    health: async () => {
      calls.push('health');
      if (opts.healthy && !opts.healthy()) throw new NetworkError('refused', 'ECONNREFUSED');
    },
    listAlbums: async () => [],
    createAlbum: async () => {
      throw new Error('unused');
    },
    listAlbumMedia: async () => ({ media: [], nextCursor: null }),
    requestAlbumUpload: async (_albumId, body) => {
      hit('request');
      const mediaId = `m${++seq}`;
      sizes.set(mediaId, body.size);
      if (opts.duplicate) return { mediaId, duplicateOf: 'm0', status: 'uploaded' };
      if (body.size >= (opts.multipartAbove ?? Infinity)) {
        const partSize = 8 * MiB;
        return { mediaId, key: `k/${mediaId}`, status: 'pending', upload: { type: 'multipart', uploadId: 'u1', partSize, partCount: Math.ceil(body.size / partSize) } };
      }
      return {
        mediaId,
        key: `k/${mediaId}`,
        status: 'pending',
        upload: { type: 'single', method: 'PUT', url: `http://s3/${mediaId}?v=${seq}`, headers: { 'content-type': 'image/jpeg' }, expiresAt: opts.expiresAt ?? '' },
      };
    },
    // The batch route over the single-file fake: a scripted HttpError with a code is that file's own
    // error (as the backend answers it), anything else fails the whole call.
    requestAlbumUploads: async (albumId, files) => {
      calls.push(`batch:${files.length}`);
      const out = [];
      for (const f of files) {
        try {
          out.push(await client.requestAlbumUpload(albumId, f));
        } catch (err) {
          if (!(err instanceof HttpError && err.code)) throw err;
          out.push({ error: { code: err.code, message: err.message } });
        }
      }
      return out;
    },
    requestGenerationUpload: async () => {
      throw new Error('unused');
    },
    refreshUploadUrl: async (mediaId) => {
      hit('refresh');
      return { type: 'single', method: 'PUT', url: `http://s3/${mediaId}?fresh`, headers: { 'content-type': 'image/jpeg' }, expiresAt: '' };
    },
    signParts: async (mediaId, partNumbers, _signal, checksums) => {
      hit('sign');
      return partNumbers.map((p) => {
        const sum = checksums?.[String(p)];
        return { partNumber: p, url: `http://s3/${mediaId}?partNumber=${p}`, expiresAt: '', ...(sum ? { headers: { 'x-amz-checksum-sha256': `b64(${sum})` } } : {}) };
      });
    },
    completeUpload: async (mediaId, parts) => {
      hit('complete');
      calls.push(`complete:${parts.map((p) => p.partNumber).join(',')}`);
      calls.push(`complete-sha256:${parts.map((p) => p.sha256 ?? '-').join(',')}`);
      return { media: media(mediaId, 'pending', sizes.get(mediaId)) };
    },
    abortUpload: async (mediaId) => {
      calls.push(`abort:${mediaId}`);
    },
    deleteMedia: async (mediaId) => {
      calls.push(`delete:${mediaId}`);
      const err = opts.script?.('delete', 1);
      if (err) throw err;
    },
    me: async () => ({ userId: 'u1', createdAt: '', updatedAt: '' }),
    getMedia: async (mediaId) => {
      hit('get');
      return media(mediaId, 'pending');
    },
    mediaStatus: async (ids) => {
      hit('status');
      return ids.map((id) =>
        opts.status?.(id) === 'failed' ? media(id, 'failed', 10, { code: 'UNSUPPORTED_IMAGE', message: 'cannot decode' }) : media(id, opts.status?.(id) ?? 'uploaded', sizes.get(id)),
      );
    },
  };
  return { client, calls, counts };
}

function fakeTransport(script?: (req: PutRequest, n: number) => Error | undefined, gate?: Promise<void>) {
  const puts: PutRequest[] = [];
  const transport: Transport = {
    put: async (req) => {
      puts.push(req);
      if (gate) await Promise.race([gate, new Promise((_, rej) => req.signal.addEventListener('abort', () => rej(req.signal.reason)))]);
      const err = script?.(req, puts.length);
      if (err) throw err;
      req.onProgress(req.end - req.start);
      return { etag: `"etag-${new URL(req.url).searchParams.get('partNumber') ?? 'single'}"` };
    },
  };
  return { transport, puts };
}

const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
});

function build(api: ApiClient, transport: Transport, extra: Partial<EngineDeps> = {}, options: EngineOptionsInput = {}) {
  const store = new QueueStore(openDatabase(':memory:'));
  const clock = new FakeClock();
  const hashed: string[] = [];
  const deps: EngineDeps = {
    store,
    api,
    transport,
    clock,
    random: () => 0.5,
    hashFile: async (p) => {
      hashed.push(p);
      return 'a'.repeat(64);
    },
    statFile: async () => ({ size: Number(store.db.prepare('SELECT size FROM files LIMIT 1').get()?.size ?? 10), mtimeMs: 1000 }),
    // The in-order reader over the fake hashFile: each part's hash is hashFile's of its range.
    hashParts: async (path, size, plan, signal, hooks) => {
      for (let n = 1; n <= plan.partCount; n++) {
        await hooks.beforePart(n);
        hooks.onPart(n, await deps.hashFile(path, signal, partRange(plan, size, n)));
      }
      return deps.hashFile(path, signal);
    },
    ...extra,
  };
  const engine = new Engine(deps, { poll: { minMs: 100, maxMs: 1000 }, flushMs: 50, ...options });
  engines.push(engine);
  const add = (path: string, size = 10) => store.insertFile({ path, target: 'album:A', size, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'A' });
  return { store, clock, engine, hashed, add };
}

async function settle(store: QueueStore, id: number, states = ['uploaded', 'failed', 'skipped', 'cancelled', 'paused']) {
  for (let i = 0; i < 5000; i++) {
    if (states.includes(store.get(id)!.state)) return store.get(id)!;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`row ${id} stuck in ${store.get(id)!.state}`);
}

describe('engine state machine (fake time, injected I/O)', () => {
  it('takes a file from queued through hashing, requesting, uploading and processing to uploaded', async () => {
    const { client, calls } = fakeApi();
    const { transport, puts } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const states: string[] = [];
    engine.onEvent((e) => e.type === 'items' && states.push(...e.items.map((i) => i.state)));
    const id = add('/p/a.jpg');
    engine.start();
    const row = await settle(store, id);
    expect(row.state).toBe('uploaded');
    expect(row.sha256).toBe('a'.repeat(64));
    expect(puts).toHaveLength(1);
    expect(puts[0]!.headers).toEqual({ 'content-type': 'image/jpeg' });
    // one batch call carrying the one file (the fake logs each entry as a `request`)
    expect(calls).toEqual(['batch:1', 'request', 'status']);
  });

  it('backs off exponentially on 503 SlowDown and network resets, then succeeds', async () => {
    const { client } = fakeApi();
    const { transport, puts } = fakeTransport((_r, n) => (n === 1 ? new HttpError(503, 'x', { s3Code: 'SlowDown' }) : n === 2 ? new NetworkError('reset', 'ECONNRESET') : undefined));
    const { store, engine, add, clock } = build(client, transport);
    const id = add('/p/a.jpg');
    engine.start();
    expect((await settle(store, id)).state).toBe('uploaded');
    expect(puts).toHaveLength(3);
    expect(store.get(id)!.attempts).toBe(2);
    // 500 ms × 2^attempt × (½ + ½·random) with random = 0.5
    expect(clock.sleeps.filter((ms) => ms === 375 || ms === 750)).toEqual([375, 750]);
  });

  it('re-signs an expired URL (403) instead of failing', async () => {
    const { client, calls } = fakeApi();
    const { transport, puts } = fakeTransport((_r, n) => (n === 1 ? new HttpError(403, 'x', { s3Code: 'AccessDenied' }) : undefined));
    const { store, engine, add } = build(client, transport);
    const id = add('/p/a.jpg');
    engine.start();
    expect((await settle(store, id)).state).toBe('uploaded');
    expect(calls).toContain('refresh');
    expect(puts[1]!.url).toContain('fresh');
  });

  it.each([
    [413, 'FILE_TOO_LARGE'],
    [415, 'UNSUPPORTED_MEDIA_TYPE'],
  ] as const)('%i is fatal at once with its reason', async (status, code) => {
    const { client, counts } = fakeApi({ script: (c) => (c === 'request' ? new HttpError(status, `rejected ${status}`, { code }) : undefined) });
    const { transport, puts } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const id = add('/p/a.jpg');
    engine.start();
    const row = await settle(store, id);
    expect(row.state).toBe('failed');
    expect(row.error).toEqual({ code, message: `rejected ${status}` });
    expect(counts.get('request')).toBe(1);
    expect(puts).toHaveLength(0);
  });

  it('processing `failed` fails the file with the backend code', async () => {
    const { client } = fakeApi({ status: () => 'failed' });
    const { transport } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const id = add('/p/a.jpg');
    engine.start();
    const row = await settle(store, id);
    expect(row.state).toBe('failed');
    expect(row.error?.code).toBe('UNSUPPORTED_IMAGE');
  });

  it('a duplicate answer skips the file with the reason', async () => {
    const { client } = fakeApi({ duplicate: true });
    const { transport, puts } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const id = add('/p/a.jpg');
    engine.start();
    const row = await settle(store, id);
    expect(row.state).toBe('skipped');
    // The original's name comes from the backend when this queue never had it (the fake names it "f").
    expect(row.skipReason).toBe('duplicate of f, already in this album');
    expect(puts).toHaveLength(0);
  });

  it('a duplicate of a file this queue uploaded is named by that file', async () => {
    const { client } = fakeApi({ duplicate: true });
    const { transport } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const first = store.insertFile({ path: '/photos/IMG_0001.jpg', target: 'album:A', size: 10, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'A' }, 'uploaded');
    store.update(first, { mediaId: 'm0' });
    const id = add('/photos/copy of IMG_0001.jpg');
    engine.start();
    expect((await settle(store, id)).skipReason).toBe('duplicate of IMG_0001.jpg, already in this album');
  });

  it('offline: holds without failing or spending attempts, probes /health with backoff, resumes by itself', async () => {
    let up = false;
    let requests = 0;
    const { client, calls } = fakeApi({
      healthy: () => up,
      script: (c) => {
        if (c !== 'request') return undefined;
        requests++;
        return up ? undefined : new NetworkError('refused', 'ECONNREFUSED');
      },
    });
    const { transport } = fakeTransport();
    // The poller's busy wait (200 ms here) stays out of the probe delays below.
    const { store, engine, add, clock } = build(client, transport, {}, { poll: { minMs: 100, maxMs: 1000, busyMs: 200 } });
    const online: boolean[] = [];
    engine.onEvent((e) => e.type === 'online' && online.push(e.online));
    const id = add('/p/a.jpg');
    engine.start();
    for (let i = 0; i < 200 && calls.filter((c) => c === 'health').length < 6; i++) await new Promise((r) => setImmediate(r));
    expect(online).toEqual([false]);
    expect(store.get(id)!.state).toBe('requesting');
    expect(store.get(id)!.attempts).toBe(0);
    // probe delays grow: 1 s, 2 s, 4 s... (× ¾ with random = 0.5)
    const probes = clock.sleeps.filter((ms) => ms >= 750);
    expect(probes.slice(0, 3)).toEqual([750, 1500, 3000]);
    up = true;
    expect((await settle(store, id)).state).toBe('uploaded');
    expect(online).toEqual([false, true]);
    expect(requests).toBe(2);
  });

  it('multipart resumes with only the missing parts and completes with every ETag', async () => {
    const { client, calls } = fakeApi({ multipartAbove: 32 * MiB });
    const { transport, puts } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const id = add('/p/big.mp4', 40 * MiB);
    // as a crash left it: upload requested, parts 1 and 3 landed
    store.transition(id, 'uploading', { sha256: 'b'.repeat(64), mediaId: 'mX', objectKey: 'k/mX', uploadType: 'multipart', uploadId: 'u1', partSize: 8 * MiB, partCount: 5 });
    store.savePart(id, 1, '"e1"', 8 * MiB);
    store.savePart(id, 3, '"e3"', 8 * MiB);
    engine.start();
    expect((await settle(store, id)).state).toBe('uploaded');
    expect(puts.map((p) => new URL(p.url).searchParams.get('partNumber')).sort()).toEqual(['2', '4', '5']);
    expect(puts.find((p) => p.url.endsWith('=5'))).toMatchObject({ start: 32 * MiB, end: 40 * MiB });
    expect(calls).toContain('complete:1,2,3,4,5');
    expect(store.parts(id).map((p) => p.etag)).toEqual(['"e1"', '"etag-2"', '"e3"', '"etag-4"', '"etag-5"']);
    expect(calls.filter((c) => c === 'request')).toHaveLength(0);
  });

  it('multipart parts carry their own sha256: signed with it, sent with the header, listed at completion', async () => {
    const { client, calls } = fakeApi({ multipartAbove: 32 * MiB });
    const { transport, puts } = fakeTransport();
    const { store, engine, add } = build(client, transport, {
      hashFile: async (_p, _s, range) => (range ? `part@${range.start}-${range.end}` : 'c'.repeat(64)),
    });
    const id = add('/p/big.mp4', 20 * MiB);
    store.transition(id, 'uploading', { sha256: 'c'.repeat(64), mediaId: 'mY', objectKey: 'k/mY', uploadType: 'multipart', uploadId: 'u2', partSize: 8 * MiB, partCount: 3 });
    store.savePart(id, 1, '"e1"', 8 * MiB, `part@0-${8 * MiB}`);
    engine.start();
    expect((await settle(store, id)).state).toBe('uploaded');
    const sent = puts.map((p) => [new URL(p.url).searchParams.get('partNumber'), p.headers['x-amz-checksum-sha256']]).sort();
    expect(sent).toEqual([
      ['2', `b64(part@${8 * MiB}-${16 * MiB})`],
      ['3', `b64(part@${16 * MiB}-${20 * MiB})`],
    ]);
    expect(calls).toContain(`complete-sha256:part@0-${8 * MiB},part@${8 * MiB}-${16 * MiB},part@${16 * MiB}-${20 * MiB}`);
  });

  it('never hashes the same path, size and mtime twice', async () => {
    const { client } = fakeApi();
    const { transport } = fakeTransport();
    const { store, engine, add, hashed } = build(client, transport);
    const a = add('/p/a.jpg');
    engine.start();
    await settle(store, a);
    const b = store.insertFile({ path: '/p/a.jpg', target: 'album:B', size: 10, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'B' });
    engine.kick();
    await settle(store, b);
    expect(hashed).toEqual(['/p/a.jpg']);
  });

  it('cancel aborts an in-flight multipart upload on the server; pause keeps its parts', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { client, calls } = fakeApi({ multipartAbove: 32 * MiB });
    const { transport, puts } = fakeTransport(undefined, gate);
    const { store, engine, add } = build(client, transport);
    const a = add('/p/a.mp4', 40 * MiB);
    engine.start();
    for (let i = 0; i < 500 && puts.length < 4; i++) await new Promise((r) => setImmediate(r));
    expect(puts.length).toBe(4);
    await engine.cancel(a);
    expect(store.get(a)!.state).toBe('cancelled');
    expect(calls).toContain('abort:m1');
    expect(puts.every((p) => p.signal.aborted && p.signal.reason instanceof AbortedError)).toBe(true);
    release();
  });

  it('pausing one file parks it; resuming puts it back in the queue', async () => {
    const { client } = fakeApi();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { transport, puts } = fakeTransport(undefined, gate);
    const { store, engine, add } = build(client, transport);
    const id = add('/p/a.jpg');
    engine.start();
    for (let i = 0; i < 500 && puts.length < 1; i++) await new Promise((r) => setImmediate(r));
    await engine.pause(id);
    expect(store.get(id)!.state).toBe('paused');
    release();
    engine.resume(id);
    expect((await settle(store, id, ['uploaded', 'failed'])).state).toBe('uploaded');
  });

  it('an upload the server keeps forgetting (404) is requested again twice, then fails as expired', async () => {
    const { client, counts } = fakeApi({ multipartAbove: 32 * MiB, script: (c) => (c === 'sign' ? new HttpError(404, 'no such upload', { code: 'NOT_FOUND' }) : undefined) });
    const { transport, puts } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const id = add('/p/big.mp4', 40 * MiB);
    engine.start();
    const row = await settle(store, id);
    expect(row.state).toBe('failed');
    expect(row.error?.code).toBe('UPLOAD_EXPIRED');
    expect(counts.get('request')).toBe(3);
    expect(puts).toHaveLength(0);
  });
});

describe('upload slots and preparing ahead', () => {
  const ticks = async (n = 50) => {
    for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
  };

  it('hashes and requests the next file while the only slot is busy, and sends it only when the slot frees', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { client, calls } = fakeApi();
    const { transport, puts } = fakeTransport(undefined, gate);
    const { store, engine, add, hashed } = build(client, transport, {}, { concurrency: 1, prepareAhead: 1 });
    const a = add('/p/a.jpg');
    const b = add('/p/b.jpg');
    const c = add('/p/c.jpg');
    engine.start();
    await ticks();
    expect(puts.map((p) => p.path)).toEqual(['/p/a.jpg']);
    expect(hashed).toEqual(['/p/a.jpg', '/p/b.jpg']);
    expect(calls.filter((x) => x === 'request')).toHaveLength(2);
    expect(store.get(b)!.state).toBe('requesting');
    expect(store.get(c)!.state).toBe('queued');
    release();
    for (const id of [a, b, c]) expect((await settle(store, id)).state).toBe('uploaded');
    expect(puts.map((p) => p.path)).toEqual(['/p/a.jpg', '/p/b.jpg', '/p/c.jpg']);
  });

  it('pausing a file that waits for a slot parks it at once; the busy upload is untouched', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { client } = fakeApi();
    const { transport, puts } = fakeTransport(undefined, gate);
    const { store, engine, add } = build(client, transport, {}, { concurrency: 1, prepareAhead: 1 });
    const a = add('/p/a.jpg');
    const b = add('/p/b.jpg');
    engine.start();
    await ticks();
    expect(store.get(b)!.state).toBe('requesting');
    await engine.pause(b);
    expect(store.get(b)!.state).toBe('paused');
    expect(puts[0]!.signal.aborted).toBe(false);
    release();
    expect((await settle(store, a)).state).toBe('uploaded');
    engine.resume(b);
    expect((await settle(store, b, ['uploaded', 'failed'])).state).toBe('uploaded');
    // b kept its upload request: resuming asked for no second one
    expect(puts.map((p) => p.path)).toEqual(['/p/a.jpg', '/p/b.jpg']);
  });
});

describe('a URL that ran out while waiting', () => {
  it('is renewed before the body is sent, not answered with a 403 after it', async () => {
    // FakeClock starts at epoch + 1000 s: this URL has 10 s of life left, under the 30 s margin.
    const { client, calls } = fakeApi({ expiresAt: new Date(1_010_000).toISOString() });
    const { transport, puts } = fakeTransport();
    const { store, engine, add } = build(client, transport);
    const id = add('/p/a.jpg');
    engine.start();
    expect((await settle(store, id)).state).toBe('uploaded');
    expect(calls.slice(0, 3)).toEqual(['batch:1', 'request', 'refresh']);
    expect(puts.map((p) => p.url)).toEqual(['http://s3/m1?fresh']);
  });
});

describe('UploadSlots', () => {
  it('hands slots out first come, first served; a withdrawn wait lets the next one through', async () => {
    let cap = 1;
    const slots = new UploadSlots(() => cap);
    const order: string[] = [];
    const r1 = await slots.acquire(new AbortController().signal);
    const quit = new AbortController();
    const w2 = slots.acquire(quit.signal).then(
      (r) => (order.push('2'), r),
      (err: unknown) => (order.push(`2 ${(err as AbortedError).reason}`), undefined),
    );
    const w3 = slots.acquire(new AbortController().signal).then((r) => (order.push('3'), r));
    quit.abort(new AbortedError('pause'));
    await w2;
    expect(order).toEqual(['2 pause']);
    r1();
    r1(); // a second release of the same slot is ignored
    const r3 = await w3;
    expect(order).toEqual(['2 pause', '3']);
    expect(slots.busy).toBe(1);
    const w4 = slots.acquire(new AbortController().signal).then(() => order.push('4'));
    cap = 2;
    slots.drain();
    await w4;
    expect(slots.busy).toBe(2);
    r3?.();
    expect(slots.busy).toBe(1);
  });
});

describe('token bucket (fake time)', () => {
  it('holds every stream together to the configured rate', async () => {
    const { TokenBucket } = await import('../../main/engine/token-bucket.ts');
    const clock = new FakeClock();
    const bucket = new TokenBucket(1000, clock);
    const start = clock.now();
    // two "streams" taking 100-byte chunks, 5,000 bytes in all at 1,000 B/s: ~4 s after the first second's burst
    await Promise.all([0, 1].map(async () => {
      for (let i = 0; i < 25; i++) await bucket.take(100);
    }));
    expect(clock.now() - start).toBeGreaterThanOrEqual(3900);
    expect(clock.now() - start).toBeLessThanOrEqual(5000);
    const unlimited = new TokenBucket(0, clock);
    const t = clock.now();
    await unlimited.take(10_000_000);
    expect(clock.now()).toBe(t);
  });
});

describe('issue 11: rows bound to a backend, new versions superseding old (fake time)', () => {
  it('an engine bound to one backend runs, polls, counts and retries only its rows; the others wait, named', async () => {
    const { client, calls } = fakeApi();
    const { transport, puts } = fakeTransport();
    const { store, engine } = build(client, transport);
    const mine = store.insertFile({ path: '/p/a.jpg', target: 'album:A', size: 10, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'A', backend: 'u1@http://a' });
    const theirs = store.insertFile({ path: '/p/b.jpg', target: 'album:B', size: 10, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'B', backend: 'u2@http://b' });
    const legacy = store.insertFile({ path: '/p/c.jpg', target: 'album:A', size: 10, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'A' });
    store.db.prepare("UPDATE files SET state = 'uploading' WHERE id = ?").run(theirs); // another process is sending it
    expect(store.bindBackend('u1@http://a')).toBe(1); // the unbound row is adopted
    engine.start();
    await settle(store, mine);
    await settle(store, legacy);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    expect(store.get(theirs)!.state).toBe('uploading'); // not requeued, not run
    expect(puts).toHaveLength(2);
    expect(calls.filter((c) => c === 'request')).toHaveLength(2);
    expect(store.totals().files).toBe(2);
    expect(engine.toItem(store.get(theirs)!).waitingFor).toBe('u2@http://b');
    expect(engine.toItem(store.get(mine)!).waitingFor).toBeUndefined();
    expect(store.waitingElsewhere()).toEqual([{ backend: 'u2@http://b', count: 1 }]);
    store.db.prepare("UPDATE files SET state = 'failed' WHERE id = ?").run(theirs);
    expect(engine.retry(theirs)).toBe(false);
    expect(engine.retryAllFailed()).toBe(0);
  });

  it('a superseded attempt in flight is cancelled, its record deleted, its row dropped', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { client, calls } = fakeApi();
    const { transport, puts } = fakeTransport(undefined, gate);
    const { store, engine, add } = build(client, transport);
    const removed: number[] = [];
    engine.onEvent((e) => e.type === 'removed' && removed.push(...e.ids));
    const a = add('/p/a.jpg');
    engine.start();
    for (let i = 0; i < 500 && puts.length < 1; i++) await new Promise((r) => setImmediate(r));
    await engine.supersede([{ id: a, deleteRemote: true }]);
    expect(store.get(a)).toBeUndefined();
    expect(removed).toEqual([a]);
    expect(calls).toContain('delete:m1');
    release();
  });

  it('--replace: the old record is deleted once the new version is uploaded; if the backend cannot delete, it is kept and the row says so', async () => {
    for (const deletable of [true, false]) {
      const { client, calls } = fakeApi({ script: (c) => (c === 'delete' && !deletable ? new HttpError(404, 'No route DELETE /media/m0', { code: 'NOT_FOUND' }) : undefined) });
      const { transport } = fakeTransport();
      const { store, engine, add } = build(client, transport);
      const notices: string[] = [];
      engine.onEvent((e) => e.type === 'notice' && notices.push(e.message));
      const old = store.insertFile({ path: '/p/a.jpg', target: 'album:A', size: 9, mtimeMs: 900, mimeType: 'image/jpeg', albumId: 'A' }, 'uploaded');
      store.update(old, { mediaId: 'm0' });
      const next = store.insertFile({ path: '/p/a.jpg', target: 'album:A', size: 10, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'A', replacesId: old });
      engine.start();
      await settle(store, next);
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
      expect(calls).toContain('delete:m0');
      if (deletable) {
        expect(store.get(old)).toBeUndefined();
        expect(store.get(next)!.note).toBe('replaced m0');
      } else {
        expect(store.get(old)!.state).toBe('uploaded');
        expect(store.get(next)!.note).toMatch(/the earlier upload m0 was kept: the backend did not delete it \(NOT_FOUND: No route/);
        expect(notices).toHaveLength(1);
      }
      void add;
    }
  });
});

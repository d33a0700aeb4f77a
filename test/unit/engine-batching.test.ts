/**
 * Batched upload requests (upload-batcher.ts), the byte budget of the upload slots, and the in-order
 * part hasher, on injected I/O: no network, no real time (the batcher waits one event-loop turn).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BatchUploadEntry, BatchUploadResult } from '../../shared/api.ts';
import { partRange } from '../../shared/multipart.ts';
import type { ApiClient } from '../../main/engine/api-client.ts';
import { Engine } from '../../main/engine/engine.ts';
import { HttpError, NetworkError } from '../../main/engine/errors.ts';
import { openDatabase } from '../../main/store/db.ts';
import { QueueStore } from '../../main/store/queue-store.ts';
import { PartHasher, type HashParts } from '../../main/engine/part-hasher.ts';
import { UploadSlots } from '../../main/engine/slots.ts';
import { UploadBatcher } from '../../main/engine/upload-batcher.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

const turn = () => new Promise((r) => setImmediate(r));
const entry = (n: number): BatchUploadEntry => ({ filename: `f${n}.jpg`, mimeType: 'image/jpeg', size: 10, sha256: n.toString(16).padStart(64, '0') });

/** An API whose batch calls wait until the test answers them. */
function gatedApi() {
  const calls: { albumId: string; files: BatchUploadEntry[]; answer(r?: BatchUploadResult[] | Error): void }[] = [];
  const api = {
    requestAlbumUploads: (albumId: string, files: BatchUploadEntry[]) =>
      new Promise<BatchUploadResult[]>((resolve, reject) => {
        calls.push({
          albumId,
          files,
          answer: (r) =>
            r instanceof Error ? reject(r) : resolve(r ?? files.map((f, i) => ({ mediaId: `${f.filename}-${i}`, key: 'k', status: 'pending' as const, upload: { type: 'multipart' as const, uploadId: 'u', partSize: 1, partCount: 1 } }))),
        });
      }),
  };
  return { api, calls };
}

describe('UploadBatcher', () => {
  it('sends what is ready at once, gathers the rest while a batch is on its way, and per album', async () => {
    const { api, calls } = gatedApi();
    const b = new UploadBatcher({ api, hold: () => false });
    const signal = new AbortController().signal;
    const first = b.request('A', entry(1), signal);
    await turn();
    expect(calls.map((c) => c.files.length)).toEqual([1]);
    const more = [2, 3, 4].map((n) => b.request('A', entry(n), signal));
    const other = b.request('B', entry(9), signal);
    await turn();
    // B goes at once; A's three wait for A's batch in flight.
    expect(calls.map((c) => `${c.albumId}:${c.files.length}`)).toEqual(['A:1', 'B:1']);
    calls[0]!.answer();
    await expect(first).resolves.toMatchObject({ mediaId: 'f1.jpg-0' });
    await turn();
    expect(calls.map((c) => `${c.albumId}:${c.files.length}`)).toEqual(['A:1', 'B:1', 'A:3']);
    calls[2]!.answer();
    calls[1]!.answer();
    expect((await Promise.all(more)).map((r) => r.mediaId)).toEqual(['f2.jpg-0', 'f3.jpg-1', 'f4.jpg-2']);
    await other;
    expect(b.requests).toBe(3);
  });

  it('while held, ready files gather up to a full batch; the rest go when the hold lifts', async () => {
    const { api, calls } = gatedApi();
    let held = true;
    const b = new UploadBatcher({ api, hold: () => held, maxBatch: 100 });
    const signal = new AbortController().signal;
    const all = Array.from({ length: 130 }, (_, n) => b.request('A', entry(n), signal));
    await turn();
    expect(calls.map((c) => c.files.length)).toEqual([100]);
    calls[0]!.answer();
    await turn();
    await turn();
    expect(calls.map((c) => c.files.length)).toEqual([100]);
    held = false;
    b.poke();
    await turn();
    expect(calls.map((c) => c.files.length)).toEqual([100, 30]);
    calls[1]!.answer();
    expect(await Promise.all(all)).toHaveLength(130);
  });

  it('a file’s own error becomes its HttpError (status from the code); a failed call rejects every file in it', async () => {
    const { api, calls } = gatedApi();
    const b = new UploadBatcher({ api, hold: () => false });
    const signal = new AbortController().signal;
    const ok = b.request('A', entry(1), signal);
    const bad = b.request('A', entry(2), signal);
    await turn();
    calls[0]!.answer([
      { mediaId: 'm1', duplicateOf: 'm0', status: 'uploaded' },
      { error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'no' } },
    ]);
    await expect(ok).resolves.toMatchObject({ duplicateOf: 'm0' });
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect([(err as HttpError).status, (err as HttpError).code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const x = b.request('A', entry(3), signal);
    const y = b.request('A', entry(4), signal);
    await turn();
    calls[1]!.answer(new NetworkError('reset', 'ECONNRESET'));
    await expect(x).rejects.toBeInstanceOf(NetworkError);
    await expect(y).rejects.toBeInstanceOf(NetworkError);
  });

  it('a file aborted before its batch goes leaves the queue; the others still go', async () => {
    const { api, calls } = gatedApi();
    const b = new UploadBatcher({ api, hold: () => true, maxBatch: 3 });
    const quit = new AbortController();
    const keep = new AbortController().signal;
    const gone = b.request('A', entry(1), quit.signal);
    const kept = [2, 3].map((n) => b.request('A', entry(n), keep));
    quit.abort(new Error('paused'));
    await expect(gone).rejects.toThrow();
    b.request('A', entry(4), keep).catch(() => undefined);
    await turn();
    expect(calls[0]!.files.map((f) => f.filename)).toEqual(['f2.jpg', 'f3.jpg', 'f4.jpg']);
    calls[0]!.answer();
    expect(await Promise.all(kept)).toHaveLength(2);
  });
});

describe('UploadSlots byte budget', () => {
  it('admits many small files and few large ones; one file always goes', async () => {
    const slots = new UploadSlots(
      () => 16,
      () => 64,
    );
    const s = new AbortController().signal;
    const small = await Promise.all(Array.from({ length: 16 }, () => slots.acquire(s, 1)));
    expect(slots.busy).toBe(16);
    small.forEach((r) => r());
    const big1 = await slots.acquire(s, 32);
    const big2 = await slots.acquire(s, 32);
    let third = false;
    const big3 = slots.acquire(s, 32).then((r) => ((third = true), r));
    await turn();
    expect([slots.busy, third]).toEqual([2, false]);
    big1();
    (await big3)();
    big2();
    expect((await slots.acquire(s, 1000)) && slots.busy).toBe(1);
  });
});

describe('PartHasher', () => {
  const plan = { partSize: 10, partCount: 6 };
  const size = 55;
  /** A reader that logs the parts it reads; a part's "hash" is its range. */
  function reader(log: number[]): HashParts {
    return async (_path, sz, p, _signal, hooks) => {
      for (let n = 1; n <= p.partCount; n++) {
        await hooks.beforePart(n);
        log.push(n);
        const r = partRange(p, sz, n);
        hooks.onPart(n, `${r.start}-${r.end}`);
        await turn();
      }
      return 'whole';
    };
  }

  it('reads in order, hands each part’s hash as soon as it is read, and stays `lookahead` parts ahead of uploads', async () => {
    const log: number[] = [];
    const h = new PartHasher(reader(log), '/f', size, plan, new AbortController().signal, { lookahead: 2, alreadySent: [1] });
    expect(await h.partSha(3)).toBe('20-30');
    for (let i = 0; i < 5; i++) await turn();
    // part 1 was sent before: the lowest pending part is 2, so the reader stops after part 4
    expect(log).toEqual([1, 2, 3, 4]);
    h.partDone(3);
    for (let i = 0; i < 5; i++) await turn();
    expect(log).toEqual([1, 2, 3, 4]);
    h.partDone(2);
    expect(await h.partSha(6)).toBe('50-55');
    expect(await h.wholeFile()).toBe('whole');
  });

  it('an abort stops a reader that waits for uploads, and part waiters see the failure', async () => {
    const stop = new AbortController();
    const h = new PartHasher(reader([]), '/f', size, plan, stop.signal, { lookahead: 1 });
    const late = h.partSha(5);
    await turn();
    stop.abort(new Error('cancelled'));
    await expect(late).rejects.toThrow();
    await expect(h.wholeFile()).rejects.toThrow();
  });
});

describe('the engine requesting in batches (fake time)', () => {
  it('250 small files: the first PUTs start after a small first batch, the rest go ≤ 100 at a time, few status polls', async () => {
    const batches: number[] = [];
    let statusCalls = 0;
    let putsBeforeLastHash = 0;
    let hashedCount = 0;
    const api = {
      baseUrl: 'http://api',
      health: async () => undefined,
      // An API round trip lasts 5 turns, a hash 1, a PUT 20: the network is slower than the disk.
      requestAlbumUploads: async (_albumId: string, files: BatchUploadEntry[]) => {
        batches.push(files.length);
        for (let i = 0; i < 5; i++) await turn();
        return files.map((f) => ({
          mediaId: f.filename,
          key: `k/${f.filename}`,
          status: 'pending' as const,
          upload: { type: 'single' as const, method: 'PUT' as const, url: `http://s3/${f.filename}`, headers: {}, expiresAt: new Date(9e12).toISOString() },
        }));
      },
      mediaStatus: async (ids: string[]) => {
        statusCalls++;
        return ids.map((id) => ({ mediaId: id, kind: 'album' as const, filename: id, key: id, mimeType: 'image/jpeg', size: 10, status: 'uploaded' as const, createdAt: '', updatedAt: '' }));
      },
    } as unknown as ApiClient;
    const store = new QueueStore(openDatabase(':memory:'));
    // Time moves 10 ms every turn: the poller's waits are real waits in turns.
    const clock = new ManualClock();
    const engine = new Engine(
      {
        store,
        api,
        transport: {
          // A PUT takes longer than a hash (20 turns against 1), as the network does.
          put: async (req) => {
            if (hashedCount < 250) putsBeforeLastHash++;
            for (let i = 0; i < 20; i++) await turn();
            req.onProgress(req.end - req.start);
            return { etag: '"e"' };
          },
        },
        clock,
        random: () => 0.5,
        hashFile: async (p) => {
          hashedCount++;
          await turn();
          return createHash('sha256').update(p).digest('hex');
        },
        hashParts: async () => {
          throw new Error('no multipart here');
        },
        statFile: async () => ({ size: 10, mtimeMs: 1000 }),
      },
      { flushMs: 50 },
    );
    const ids = Array.from({ length: 250 }, (_, i) => store.insertFile({ path: `/p/${i}.jpg`, target: 'album:A', size: 10, mtimeMs: 1000, mimeType: 'image/jpeg', albumId: 'A' }));
    engine.start();
    try {
      for (let i = 0; i < 20_000 && ids.some((id) => store.get(id)!.state !== 'uploaded'); i++) {
        await turn();
        await clock.advance(10);
      }
      expect(ids.map((id) => store.get(id)!.state)).toEqual(Array(250).fill('uploaded'));
      expect(batches.reduce((a, n) => a + n, 0)).toBe(250);
      expect(Math.max(...batches)).toBeLessThanOrEqual(100);
      // The first batch did not wait for a full one, and uploads began while files were still hashing.
      expect(batches[0]).toBeLessThan(100);
      expect(putsBeforeLastHash).toBeGreaterThan(0);
      expect(batches.length).toBeLessThanOrEqual(8);
      expect(statusCalls).toBeLessThanOrEqual(6);
    } finally {
      await engine.stop();
    }
  });
});

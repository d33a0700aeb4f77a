/** The transport's stall watchdog on fake time: it fires after `stallMs` of quiet, never while bytes move. */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEveryMs, startStallWatchdog } from '../../main/engine/stall-watchdog.ts';
import { createGotTransport } from '../../main/engine/transport.ts';
import { TokenBucket } from '../../main/engine/token-bucket.ts';
import { StallError } from '../../main/engine/errors.ts';
import { ManualClock } from '../helpers/manual-clock.ts';

describe('stall watchdog', () => {
  it('fires once, at the first check after more than stallMs of quiet', async () => {
    const clock = new ManualClock();
    const stalls: StallError[] = [];
    // 30 s threshold: checks every second
    const w = startStallWatchdog(clock, 30_000, (e) => stalls.push(e));
    await clock.advance(30_000);
    expect(stalls).toHaveLength(0);
    await clock.advance(999);
    expect(stalls).toHaveLength(0);
    await clock.advance(1);
    expect(stalls).toHaveLength(1);
    expect(stalls[0]).toBeInstanceOf(StallError);
    await clock.advance(120_000);
    expect(stalls).toHaveLength(1);
    w.stop();
  });

  it('progress pushes the deadline back', async () => {
    const clock = new ManualClock();
    let stalled = false;
    // 10 s threshold: checks every second
    const w = startStallWatchdog(clock, 10_000, () => (stalled = true));
    for (let i = 0; i < 10; i++) {
      await clock.advance(9_000);
      w.progress();
    }
    expect(stalled).toBe(false);
    await clock.advance(10_000);
    expect(stalled).toBe(false);
    await clock.advance(1_000);
    expect(stalled).toBe(true);
    w.stop();
  });

  it.each([
    [200, 50],
    [1_500, 375],
    [30_000, 1_000],
  ])('a %i ms threshold is checked every %i ms', (stallMs, every) => {
    expect(checkEveryMs(stallMs)).toBe(every);
  });

  it('stops without firing and leaves no sleep behind', async () => {
    const clock = new ManualClock();
    let stalled = false;
    const w = startStallWatchdog(clock, 1_000, () => (stalled = true));
    expect(clock.pending).toBe(1);
    w.stop();
    await clock.advance(10_000);
    expect(stalled).toBe(false);
    expect(clock.pending).toBe(0);
  });
});

describe('got transport stall on fake time', () => {
  let server: Server;
  let url: string;
  let dir: string;
  let file: string;
  let bodyReceived: () => void = () => {};

  beforeAll(async () => {
    // Reads the whole body, then never answers: the request stalls waiting for S3's response.
    server = createServer((req) => {
      req.resume();
      req.on('end', () => bodyReceived());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/put`;
    dir = await mkdtemp(join(tmpdir(), 'ferry-stall-'));
    file = join(dir, 'blob.bin');
    await writeFile(file, Buffer.alloc(100_000, 1));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('aborts a request with a StallError once the clock passes stallMs with no bytes moving', async () => {
    const clock = new ManualClock();
    const transport = createGotTransport({ bucket: new TokenBucket(0, clock), clock, stallMs: 30_000 });
    const received = new Promise<void>((r) => (bodyReceived = r));
    let sent = 0;
    const put = transport.put({ url, headers: {}, path: file, start: 0, end: 100_000, signal: new AbortController().signal, onProgress: (b) => (sent += b) });
    const outcome = put.then(
      () => 'answered',
      (err: unknown) => err,
    );
    await received;
    expect(sent).toBe(100_000);
    await clock.advance(30_000);
    expect(await Promise.race([outcome, Promise.resolve('pending')])).toBe('pending');
    await clock.advance(1_000);
    expect(await outcome).toBeInstanceOf(StallError);
  });
});

import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGotTransport } from '../../main/engine/transport.ts';
import { TokenBucket } from '../../main/engine/token-bucket.ts';
import { realClock } from '../../main/engine/clock.ts';
import { ManualClock } from '../helpers/manual-clock.ts';
import { AbortedError } from '../../main/engine/errors.ts';

// A throttled PUT aborted by pause used to crash the process: pipe() does not forward the throttle
// stream's error, so it surfaced as an unhandled 'error' event (vitest fails the run on those).
describe('got transport with a bandwidth limit', () => {
  let server: Server;
  let url: string;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { etag: '"x"' }).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/put`;
    dir = await mkdtemp(join(tmpdir(), 'ferry-transport-'));
    file = join(dir, 'blob.bin');
    await writeFile(file, Buffer.alloc(2 * 1024 * 1024, 7));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('rejects with the pause reason, without an unhandled stream error', async () => {
    // The bucket's refills run on fake time: the test moves the clock until the abort has landed.
    const clock = new ManualClock();
    const bucket = new TokenBucket(256 * 1024, clock);
    // The stall watchdog shares the clock; this test is not about stalls, so give it an hour.
    const transport = createGotTransport({ bucket, clock, stallMs: 3_600_000 });
    const controller = new AbortController();
    let sent = 0;
    const put = transport.put({
      url,
      headers: {},
      path: file,
      start: 0,
      end: 2 * 1024 * 1024,
      signal: controller.signal,
      onProgress: (b) => {
        sent += b;
        // past the bucket's first second of tokens, so the throttle is waiting when the abort lands
        if (sent >= 320 * 1024 && !controller.signal.aborted) controller.abort(new AbortedError('pause'));
      },
    });
    const outcome = put.then(
      () => 'sent',
      (err: unknown) => err,
    );
    let settled = false;
    void outcome.finally(() => (settled = true));
    while (!settled) {
      await new Promise((r) => setImmediate(r));
      // time moves only while the throttle waits for tokens (a sleeper besides the watchdog)
      if (clock.pending > 1) await clock.advance(50);
    }
    expect(await outcome).toBeInstanceOf(AbortedError);
    expect(sent).toBeLessThan(2 * 1024 * 1024);
  });

  it('sends the whole range when nothing aborts it', async () => {
    const bucket = new TokenBucket(64 * 1024 * 1024, realClock);
    const transport = createGotTransport({ bucket, clock: realClock });
    let sent = 0;
    const result = await transport.put({ url, headers: {}, path: file, start: 1024, end: 1024 + 300_000, signal: new AbortController().signal, onProgress: (b) => (sent += b) });
    expect(result.etag).toBe('"x"');
    expect(sent).toBe(300_000);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { EventDispatcher } from '../../backend-lambda/local/dispatcher.ts';

const event = (key: string) => ({ Records: [{ s3: { object: { key } } }] }) as unknown as S3Event;

afterEach(() => {
  vi.useRealTimers();
});

describe('EventDispatcher', () => {
  it('retries a failing event with growing backoff, then idle() resolves', async () => {
    vi.useFakeTimers();
    let calls = 0;
    const d = new EventDispatcher({
      concurrency: 1,
      attempts: 3,
      backoffMs: 100,
      handle: async () => {
        calls++;
        if (calls < 3) throw new Error('store unavailable');
      },
    });
    let idle = false;
    d.dispatch(event('a'));
    void d.idle().then(() => (idle = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toBe(2);
    await vi.advanceTimersByTimeAsync(199);
    expect([calls, idle]).toEqual([2, false]);
    await vi.advanceTimersByTimeAsync(1);
    expect([calls, idle]).toEqual([3, true]);
  });

  it('gives up after the last attempt, logs it, and hands the event to onGiveUp before it is idle', async () => {
    vi.useFakeTimers();
    const log = vi.fn();
    const givenUp: [string, string][] = [];
    const d = new EventDispatcher({
      concurrency: 1,
      attempts: 2,
      backoffMs: 10,
      handle: async () => Promise.reject(new Error('boom')),
      onGiveUp: async (e, err) => void givenUp.push([e.Records[0]!.s3.object.key, (err as Error).message]),
      log,
    });
    d.dispatch(event('a'));
    const idle = d.idle();
    await vi.advanceTimersByTimeAsync(10);
    await idle;
    expect(log).toHaveBeenCalledTimes(2);
    expect(String(log.mock.calls[1]![0])).toContain('given up after 2 attempts');
    expect(givenUp).toEqual([['a', 'boom']]);
  });

  it('never runs more handlers at once than its concurrency', async () => {
    let running = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const d = new EventDispatcher({
      concurrency: 2,
      attempts: 1,
      backoffMs: 1,
      handle: () =>
        new Promise<void>((resolve) => {
          running++;
          peak = Math.max(peak, running);
          gates.push(() => {
            running--;
            resolve();
          });
        }),
    });
    for (let i = 0; i < 5; i++) d.dispatch(event(String(i)));
    // Release the gated handlers one at a time; five events, bounded rounds.
    let released = 0;
    for (let round = 0; round < 50 && released < 5; round++) {
      await new Promise((r) => setImmediate(r));
      const gate = gates.shift();
      if (gate) {
        gate();
        released++;
      }
    }
    expect(released).toBe(5);
    await d.idle();
    expect(peak).toBe(2);
  });

  describe('yieldTo (processing waits while uploads stream)', () => {
    function deferring(lastActivity: () => number) {
      const handled: number[] = [];
      const d = new EventDispatcher({
        concurrency: 2,
        attempts: 1,
        backoffMs: 1,
        handle: async () => {
          handled.push(Date.now());
        },
        yieldTo: { lastActivity, quietMs: 100, maxDeferMs: 1000 },
      });
      return { d, handled };
    }

    it('starts an event once no upload request came for quietMs', async () => {
      vi.useFakeTimers({ now: 10_000 });
      let last = Date.now();
      const { d, handled } = deferring(() => last);
      d.dispatch(event('a'));
      await vi.advanceTimersByTimeAsync(60);
      last = Date.now(); // another upload request: the burst goes on
      await vi.advanceTimersByTimeAsync(99);
      expect(handled).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(handled).toEqual([10_160]);
    });

    it('runs at once when the request path is quiet', async () => {
      vi.useFakeTimers({ now: 10_000 });
      const { d, handled } = deferring(() => 0);
      d.dispatch(event('a'));
      await vi.advanceTimersByTimeAsync(0);
      expect(handled).toEqual([10_000]);
    });

    it('never waits more than maxDeferMs, however busy the API stays', async () => {
      vi.useFakeTimers({ now: 10_000 });
      const { d, handled } = deferring(() => Date.now());
      d.dispatch(event('a'));
      await vi.advanceTimersByTimeAsync(999);
      expect(handled).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      expect(handled).toEqual([11_000]);
    });

    it('stop() runs waiting events instead of leaving idle() pending', async () => {
      vi.useFakeTimers({ now: 10_000 });
      const { d, handled } = deferring(() => Date.now());
      d.dispatch(event('a'));
      d.dispatch(event('b'));
      await vi.advanceTimersByTimeAsync(10);
      await d.stop();
      expect(handled).toEqual([10_010, 10_010]);
    });
  });
});

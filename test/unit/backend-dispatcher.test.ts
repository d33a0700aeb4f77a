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

  describe('share (fewer handlers while uploads stream)', () => {
    function sharing(busy: () => boolean, concurrency = 1, maxDeferMs?: number) {
      const started: string[] = [];
      const gates = new Map<string, () => void>();
      const d = new EventDispatcher({
        concurrency: 3,
        attempts: 1,
        backoffMs: 1,
        handle: (e) =>
          new Promise<void>((resolve) => {
            const key = e.Records[0]!.s3.object.key;
            started.push(key);
            gates.set(key, resolve);
          }),
        share: { busy, concurrency, recheckMs: 100, ...(maxDeferMs !== undefined ? { maxDeferMs } : {}) },
      });
      return { d, started, finish: (key: string) => gates.get(key)!() };
    }

    it('runs one handler while busy, and widens to full concurrency once uploads go quiet', async () => {
      vi.useFakeTimers({ now: 10_000 });
      let busyUntil = 10_250;
      const { d, started, finish } = sharing(() => Date.now() < busyUntil);
      for (const k of ['a', 'b', 'c', 'd']) d.dispatch(event(k));
      await vi.advanceTimersByTimeAsync(0);
      expect(started).toEqual(['a']);
      await vi.advanceTimersByTimeAsync(200);
      expect(started).toEqual(['a']);
      // Quiet again: the next recheck starts two more (three in all), in arrival order.
      await vi.advanceTimersByTimeAsync(100);
      expect(started).toEqual(['a', 'b', 'c']);
      busyUntil = Infinity;
      finish('a');
      await vi.advanceTimersByTimeAsync(0);
      // Busy once more: a finished slot is not refilled past the busy limit (two still run).
      expect(started).toEqual(['a', 'b', 'c']);
      finish('b');
      finish('c');
      await vi.advanceTimersByTimeAsync(0);
      expect(started).toEqual(['a', 'b', 'c', 'd']);
      finish('d');
      await d.idle();
    });

    it('with no slot while busy, holds every event, except one that has waited maxDeferMs', async () => {
      vi.useFakeTimers({ now: 10_000 });
      let busy = true;
      const { d, started, finish } = sharing(() => busy, 0, 1000);
      for (const k of ['a', 'b', 'c']) d.dispatch(event(k));
      await vi.advanceTimersByTimeAsync(900);
      expect(started).toEqual([]);
      // The oldest has waited its limit: one starts, and only one, while uploads still stream.
      await vi.advanceTimersByTimeAsync(200);
      expect(started).toEqual(['a']);
      finish('a');
      await vi.advanceTimersByTimeAsync(200);
      expect(started).toEqual(['a', 'b']);
      busy = false;
      await vi.advanceTimersByTimeAsync(100);
      expect(started).toEqual(['a', 'b', 'c']);
      finish('b');
      finish('c');
      await d.idle();
    });

    it('runs at full concurrency when uploads are quiet', async () => {
      vi.useFakeTimers({ now: 10_000 });
      const { d, started } = sharing(() => false);
      for (const k of ['a', 'b', 'c', 'd']) d.dispatch(event(k));
      await vi.advanceTimersByTimeAsync(0);
      expect(started).toEqual(['a', 'b', 'c']);
    });

    it('stop() lifts the busy limit instead of leaving idle() pending', async () => {
      vi.useFakeTimers({ now: 10_000 });
      const { d, started, finish } = sharing(() => true);
      for (const k of ['a', 'b', 'c']) d.dispatch(event(k));
      await vi.advanceTimersByTimeAsync(0);
      expect(started).toEqual(['a']);
      const stopped = d.stop();
      await vi.advanceTimersByTimeAsync(0);
      expect(started).toEqual(['a', 'b', 'c']);
      for (const k of started) finish(k);
      await stopped;
    });
  });
});

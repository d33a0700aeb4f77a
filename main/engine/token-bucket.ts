/**
 * The global bandwidth limit: one token bucket shared by every stream, so eight uploads at 5 MB/s
 * total each get their share instead of 5 MB/s apiece. Refill is computed from the clock on demand;
 * there is no timer to leak.
 */
import { Transform, type TransformCallback } from 'node:stream';

import type { Clock } from './clock.ts';

export type { Clock } from './clock.ts';

/** A token bucket in bytes; rate 0 means unlimited. */
export class TokenBucket {
  private rate: number;
  private tokens: number;
  private last: number;
  private readonly clock: Clock;

  constructor(bytesPerSecond: number, clock: Clock) {
    this.rate = bytesPerSecond;
    this.clock = clock;
    this.tokens = bytesPerSecond;
    this.last = clock.now();
  }

  get limited(): boolean {
    return this.rate > 0;
  }

  setRate(bytesPerSecond: number): void {
    this.rate = bytesPerSecond;
    this.tokens = Math.min(this.tokens, bytesPerSecond);
  }

  private refill(): void {
    const now = this.clock.now();
    // Burst capped at one second's worth, so a paused bucket does not release a flood on resume.
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  /** Waits until `bytes` may be sent. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    while (this.rate > 0) {
      this.refill();
      if (this.tokens >= Math.min(bytes, this.rate)) {
        this.tokens -= bytes;
        return;
      }
      const need = Math.min(bytes, this.rate) - this.tokens;
      await this.clock.sleep(Math.max(5, (need / this.rate) * 1000), signal);
    }
  }
}

/** A pass-through stream that spends tokens for each chunk before letting it through. */
export function throttleStream(bucket: TokenBucket, signal?: AbortSignal): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (!bucket.limited) return cb(null, chunk);
      bucket.take(chunk.length, signal).then(
        () => cb(null, chunk),
        (err: Error) => cb(err),
      );
    },
  });
}

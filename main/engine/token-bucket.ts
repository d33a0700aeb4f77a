/**
 * The global bandwidth limit: one token bucket shared by every stream, so eight uploads at 5 MB/s
 * total each get their share instead of 5 MB/s apiece. Refill is computed from the clock on demand;
 * there is no timer to leak.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { bwRateAt, type BwSchedule } from '../../shared/bwlimit.ts';

import type { Clock } from './clock.ts';

export type { Clock } from './clock.ts';

/** A token bucket in bytes; rate 0 means unlimited. */
export class TokenBucket {
  private fixedRate: number;
  /** a timetable (`--bwlimit`) wins over the fixed rate; read on the clock at each take, so no timer */
  private schedule: BwSchedule | null = null;
  private tokens: number;
  private last: number;
  private readonly clock: Clock;

  constructor(bytesPerSecond: number, clock: Clock) {
    this.fixedRate = bytesPerSecond;
    this.clock = clock;
    this.tokens = bytesPerSecond;
    this.last = clock.now();
  }

  /** The limit in force now (bytes per second, 0 = none). */
  get rate(): number {
    return this.schedule ? bwRateAt(this.schedule, this.clock.now()) : this.fixedRate;
  }

  get limited(): boolean {
    return this.rate > 0;
  }

  setRate(bytesPerSecond: number): void {
    this.fixedRate = bytesPerSecond;
    this.tokens = Math.min(this.tokens, bytesPerSecond);
  }

  /** Follows a timetable instead of the fixed rate (null: back to the fixed rate). */
  setSchedule(schedule: BwSchedule | null): void {
    this.schedule = schedule;
    this.tokens = Math.min(this.tokens, this.rate);
  }

  private refill(rate: number): void {
    const now = this.clock.now();
    // Burst capped at one second's worth, so a paused bucket does not release a flood on resume.
    this.tokens = Math.min(rate, this.tokens + ((now - this.last) / 1000) * rate);
    this.last = now;
  }

  /** Waits until `bytes` may be sent. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    for (let rate = this.rate; rate > 0; rate = this.rate) {
      this.refill(rate);
      if (this.tokens >= Math.min(bytes, rate)) {
        this.tokens -= bytes;
        return;
      }
      const need = Math.min(bytes, rate) - this.tokens;
      // A timetable can lift or change the limit while this waits; the loop reads it again after.
      await this.clock.sleep(Math.max(5, (need / rate) * 1000), signal);
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

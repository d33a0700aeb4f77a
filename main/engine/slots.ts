/**
 * Upload slots: how many files send bytes at once, and how many bytes they weigh together. A file
 * waits for a slot after it is hashed and its upload requested, so the next files are ready the moment
 * one finishes. A file weighs its size (a multipart file: the parts it has in flight), and files are
 * admitted while both the file count and the byte budget allow, so many small files go at once and
 * few large ones (docs/ENGINE.md, "Concurrency"); one file is always admitted, whatever its weight. Written here rather than
 * taken from p-limit, whose queued tasks cannot be withdrawn: pausing a file that waits for a slot
 * must end its wait at once, not when some other upload (a 1 GiB one, say) frees its slot.
 */
import { abortErrorOf } from './errors.ts';

export class UploadSlots {
  private inUse = 0;
  private bytesInUse = 0;
  private readonly waiters: { bytes: number; wake: () => void }[] = [];
  /** read on every acquire and release, so a concurrency change applies to the next file */
  private readonly capacity: () => number;
  private readonly byteBudget: () => number;

  constructor(capacity: () => number, byteBudget: () => number = () => Infinity) {
    this.capacity = capacity;
    this.byteBudget = byteBudget;
  }

  private fits(bytes: number): boolean {
    return this.inUse === 0 || (this.inUse < this.capacity() && this.bytesInUse + bytes <= this.byteBudget());
  }

  /** Files waiting for a slot. */
  get queued(): number {
    return this.waiters.length;
  }

  get busy(): number {
    return this.inUse;
  }

  /** Waits (first come, first served) for a slot with room for `bytes`; the returned function frees it, once. */
  async acquire(signal: AbortSignal, bytes = 0): Promise<() => void> {
    if (signal.aborted) throw abortErrorOf(signal);
    if (!this.fits(bytes) || this.waiters.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const waiter = {
          bytes,
          wake: () => {
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(abortErrorOf(signal));
          // the waiters behind this one may fit now
          this.drain();
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(waiter);
      });
    } else {
      this.inUse++;
      this.bytesInUse += bytes;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.bytesInUse -= bytes;
      this.drain();
    };
  }

  /** Hands free slots to waiters in order (also called when the capacity grows). */
  drain(): void {
    while (this.waiters.length > 0 && this.fits(this.waiters[0]!.bytes)) {
      const w = this.waiters.shift()!;
      this.inUse++;
      this.bytesInUse += w.bytes;
      w.wake();
    }
  }
}

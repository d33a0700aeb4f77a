/**
 * Upload slots: how many files send bytes at once. A file waits for a slot after it is hashed and
 * its upload requested, so the next files are ready the moment one finishes. Written here rather than
 * taken from p-limit, whose queued tasks cannot be withdrawn: pausing a file that waits for a slot
 * must end its wait at once, not when some other upload (a 1 GiB one, say) frees its slot.
 */
import { abortErrorOf } from './errors.ts';

export class UploadSlots {
  private inUse = 0;
  private readonly waiters: { wake: () => void }[] = [];
  /** read on every acquire and release, so a concurrency change applies to the next file */
  private readonly capacity: () => number;

  constructor(capacity: () => number) {
    this.capacity = capacity;
  }

  get busy(): number {
    return this.inUse;
  }

  /** Waits (first come, first served) for a free slot; the returned function frees it, once. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (signal.aborted) throw abortErrorOf(signal);
    if (this.inUse >= this.capacity() || this.waiters.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const waiter = {
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
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.drain();
    };
  }

  /** Hands free slots to waiters in order (also called when the capacity grows). */
  drain(): void {
    while (this.waiters.length > 0 && this.inUse < this.capacity()) {
      this.inUse++;
      this.waiters.shift()!.wake();
    }
  }
}

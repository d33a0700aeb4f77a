/**
 * A byte budget for originals held in memory at once by process-upload. Each image's bytes are read
 * whole (Sharp decodes from a buffer), and up to `maxImageBytes` (128 MiB) each: without a bound, a
 * few large PNGs processed side by side would take the embedded backend past its memory target
 * (issue 13: ≤ 600 MB peak RSS whatever the images). Small files never wait on each other; a large
 * one waits until it fits, and runs alone if it is larger than the whole budget.
 */
export class MemoryBudget {
  private used = 0;
  private readonly waiting: { bytes: number; start(): void }[] = [];
  readonly total: number;

  constructor(total: number) {
    this.total = total;
  }

  /** Runs `fn` once `bytes` (capped at the whole budget) fit beside what is already held. */
  async run<T>(bytes: number, fn: () => Promise<T>): Promise<T> {
    const need = Math.min(Math.max(0, bytes), this.total);
    if (this.waiting.length > 0 || this.used + need > this.total) {
      // In arrival order: a large image is not overtaken forever by a stream of small ones.
      await new Promise<void>((start) => this.waiting.push({ bytes: need, start }));
    } else {
      this.used += need;
    }
    try {
      return await fn();
    } finally {
      this.used -= need;
      while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.total) {
        const next = this.waiting.shift()!;
        this.used += next.bytes;
        next.start();
      }
    }
  }
}

/**
 * The process-wide budget: 160 MiB of originals. With their decodes (streamed to ≤ 2560 px: about
 * 140 MB for a 100 MP 16-bit PNG, docs/benchmarks/ready.md) and the backend's own ~150 MB, the
 * embedded backend stays under 600 MB.
 */
export const originalsBudget = new MemoryBudget(160 * 1024 * 1024);

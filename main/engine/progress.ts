/**
 * Byte-counted progress for files in flight: rate as a moving average sampled at each flush, so a
 * burst of socket writes does not make the rate (and ETA) jump around.
 */

interface Sample {
  bytes: number;
  lastBytes: number;
  lastAt: number;
  rate: number;
  size: number;
}

/** Tracks bytes, rate and ETA per active file. */
export class ProgressTracker {
  private readonly files = new Map<number, Sample>();

  begin(id: number, size: number, alreadySent: number, now: number): void {
    this.files.set(id, { bytes: alreadySent, lastBytes: alreadySent, lastAt: now, rate: 0, size });
  }

  add(id: number, delta: number): void {
    const s = this.files.get(id);
    if (s) s.bytes = Math.max(0, Math.min(s.size, s.bytes + delta));
  }

  set(id: number, bytes: number): void {
    const s = this.files.get(id);
    if (s) s.bytes = bytes;
  }

  end(id: number): void {
    this.files.delete(id);
  }

  has(id: number): boolean {
    return this.files.has(id);
  }

  /** Folds the bytes since the last sample into each rate (EWMA, α = 0.3). */
  sample(now: number): void {
    for (const s of this.files.values()) {
      const dt = (now - s.lastAt) / 1000;
      if (dt <= 0) continue;
      const inst = (s.bytes - s.lastBytes) / dt;
      s.rate = s.rate === 0 ? inst : 0.7 * s.rate + 0.3 * inst;
      s.lastBytes = s.bytes;
      s.lastAt = now;
    }
  }

  get(id: number): { bytes: number; rate: number; etaSeconds: number | null } | undefined {
    const s = this.files.get(id);
    if (!s) return undefined;
    return { bytes: s.bytes, rate: Math.round(s.rate), etaSeconds: s.rate > 1 ? Math.ceil((s.size - s.bytes) / s.rate) : null };
  }

  ids(): number[] {
    return [...this.files.keys()];
  }

  /** Sum of rates and of in-flight bytes not yet persisted. */
  totals(): { rate: number; inflightBytes: number } {
    let rate = 0;
    let inflightBytes = 0;
    for (const s of this.files.values()) {
      rate += s.rate;
      inflightBytes += s.bytes;
    }
    return { rate: Math.round(rate), inflightBytes };
  }
}

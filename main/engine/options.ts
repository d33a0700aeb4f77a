/** What the engine is built from: its injected I/O and its tunables. */
import type { ApiClient } from './api-client.ts';
import type { HashParts } from './part-hasher.ts';
import type { BackoffPolicy } from './retry.ts';
import type { Clock } from './token-bucket.ts';
import type { Transport } from './transport.ts';
import type { QueueStore } from '../store/queue-store.ts';

/** Everything the engine touches outside itself. */
export interface EngineDeps {
  store: QueueStore;
  api: ApiClient;
  transport: Transport;
  clock: Clock;
  random: () => number;
  /** sha256 (hex) of a file, or of the byte range [start, end) of it (a multipart part) */
  hashFile(path: string, signal: AbortSignal, range?: { start: number; end: number }): Promise<string>;
  statFile(path: string): Promise<{ size: number; mtimeMs: number }>;
  /** a multipart file read once in order: its sha256 and each part's (part-hasher.ts; `sha256Parts` for real) */
  hashParts: HashParts;
}

export interface EngineOptions {
  /** at most this many files sending bytes at once (small ones; `bytesInFlight` limits large ones) */
  concurrency: number;
  /**
   * what the files sending at once may weigh together: a single PUT its size, a multipart file its
   * parts in flight; at least one file always goes (docs/ENGINE.md, "Concurrency")
   */
  bytesInFlight: number;
  /** small files hashed at once (the CPU and the disk, not the network, bound hashing) */
  hashConcurrency: number;
  /**
   * files hashed and requested while waiting for an upload slot, so a slot that frees up sends the
   * next file at once instead of waiting on the API first (with 100 ms of API latency, 150 × 1 MB went
   * from 3.9–4.0 s to 2.8–3.1 s, docs/benchmarks/upload.md). Enough for a full batch request (100)
   * to gather while the slots are busy.
   */
  prepareAhead?: number;
  /** parts in flight per multipart file */
  partConcurrency: number;
  /** retries of one call before the file fails (offline waits do not count) */
  maxAttempts: number;
  backoff: BackoffPolicy;
  /** /health probing while offline */
  probe: BackoffPolicy;
  /**
   * POST /media/status polling: starts at minMs, slows to maxMs while nothing changes, and waits at
   * least busyMs while files are still uploading (each poll costs the backend a read per file, and
   * on the embedded backend that CPU comes out of the uploads: ~10 % of a 150-file run at 300 ms).
   */
  poll: {
    minMs: number;
    maxMs: number;
    busyMs: number;
    /**
     * the longest wait for a page of 100 at the pace answers come (status-poller.ts). Fewer polls
     * cost the backend less (a 1,000-photo backlog settles ~8 a second: 15 s waits made it ~21
     * polls), but the Done count is what a user watches: at 15 s a 40-photo drop showed Done jump
     * 0 → 1 → 40. 3 s keeps the count moving and costs ~30 polls per 1,000 photos.
     */
    paceMaxMs: number;
  };
  /** false: never poll (`ferry upload --no-wait` stops once the bytes are in S3) */
  statusPolling: boolean;
  /** how often progress events go out (coalesced; never per chunk) */
  flushMs: number;
}

/** What callers pass: any subset, poll settings included. */
export type EngineOptionsInput = Partial<Omit<EngineOptions, 'poll'>> & { poll?: Partial<EngineOptions['poll']> };

export const defaultEngineOptions: EngineOptions = {
  concurrency: 16,
  bytesInFlight: 64 * 1024 * 1024,
  hashConcurrency: 2,
  prepareAhead: 128,
  partConcurrency: 4,
  maxAttempts: 8,
  backoff: { baseMs: 500, capMs: 30_000 },
  probe: { baseMs: 1000, capMs: 30_000 },
  poll: { minMs: 300, maxMs: 5_000, busyMs: 1_500, paceMaxMs: 3_000 },
  statusPolling: true,
  flushMs: 250,
};

/** The defaults with `input` laid over them (poll settings merged field by field). */
export function resolveEngineOptions(input: EngineOptionsInput = {}): EngineOptions {
  return { ...defaultEngineOptions, ...input, poll: { ...defaultEngineOptions.poll, ...input.poll } };
}

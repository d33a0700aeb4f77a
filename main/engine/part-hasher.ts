/**
 * The hashes of a multipart file, computed while its parts upload: one reader goes through the file
 * in order, once, feeding the whole file's sha256 and each part's (the part checksum its URL is
 * signed with). Parts upload concurrently and out of order; a part's upload waits only until the
 * reader has passed its end, which is long before the slower network is done with the parts before
 * it, so the first byte goes after one part is read instead of after the whole file is hashed.
 *
 * The upload stream then reads the part again, right behind the reader, from the page cache: the disk
 * reads the file once. (Sending the reader's own buffers instead would hold `partConcurrency` parts
 * in memory, 32 MiB by default, where the streamed transport holds 64 KiB chunks: the 1 GiB upload's
 * peak RSS target is 150 MB.) The reader stays at most `lookahead` parts ahead of the lowest part
 * not yet uploaded, so a slow link never lets it run through a file larger than the page cache.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { partRange, type PartPlan } from '../../shared/multipart.ts';
import { abortErrorOf, FatalError } from './errors.ts';

const BUFFER_BYTES = 1024 * 1024;

export class PartHasher {
  private readonly partShas = new Map<number, string>();
  private readonly waiters = new Map<number, (() => void)[]>();
  private readonly done = new Set<number>();
  private readonly fileSha: Promise<string>;
  private failure: unknown;
  private lowestPending = 1;
  private unblock: (() => void) | undefined;
  private readonly lookahead: number;
  private readonly plan: PartPlan;

  private readonly hashParts: HashParts;

  /** Starts reading `path` (`size` bytes, `plan`'s parts) with `hashParts`; parts in `alreadySent` count as uploaded. */
  constructor(
    hashParts: HashParts,
    path: string,
    size: number,
    plan: PartPlan,
    signal: AbortSignal,
    opts: { lookahead: number; alreadySent?: Iterable<number> },
  ) {
    this.hashParts = hashParts;
    this.plan = plan;
    this.lookahead = opts.lookahead;
    for (const n of opts.alreadySent ?? []) this.done.add(n);
    this.advanceLowest();
    signal.addEventListener('abort', () => this.unblock?.(), { once: true });
    this.fileSha = this.read(path, size, signal).catch((err: unknown) => {
      this.failure = err;
      for (const list of this.waiters.values()) for (const wake of list) wake();
      throw err;
    });
    // Nobody may ask for the file's hash (an abort ends the run first); its failure is seen through partSha.
    this.fileSha.catch(() => undefined);
  }

  /** The whole file's sha256 (hex), once every part has been read. */
  wholeFile(): Promise<string> {
    return this.fileSha;
  }

  /** The sha256 (hex) of part `n`, as soon as the reader has passed it. */
  async partSha(n: number): Promise<string> {
    for (;;) {
      if (this.failure) throw this.failure;
      const sha = this.partShas.get(n);
      if (sha) return sha;
      await new Promise<void>((resolve) => this.waiters.set(n, [...(this.waiters.get(n) ?? []), resolve]));
    }
  }

  /** Part `n` has been uploaded: the reader may go further. */
  partDone(n: number): void {
    this.done.add(n);
    this.advanceLowest();
    this.unblock?.();
  }

  private advanceLowest(): void {
    while (this.done.has(this.lowestPending)) this.lowestPending++;
  }

  private read(path: string, size: number, signal: AbortSignal): Promise<string> {
    return this.hashParts(path, size, this.plan, signal, {
      beforePart: async (n) => {
        while (n > this.lowestPending + this.lookahead) {
          if (signal.aborted) throw abortErrorOf(signal);
          await new Promise<void>((resolve) => (this.unblock = resolve));
        }
        if (signal.aborted) throw abortErrorOf(signal);
      },
      onPart: (n, sha) => {
        this.partShas.set(n, sha);
        for (const wake of this.waiters.get(n) ?? []) wake();
        this.waiters.delete(n);
      },
    });
  }
}

/** What the reader calls around each part: wait before reading it, hand over its hash after. */
export interface PartHooks {
  beforePart(n: number): Promise<void>;
  onPart(n: number, sha256: string): void;
}

/** Reads the file once, in order: the whole file's sha256, and each part's handed to `hooks.onPart`. */
export type HashParts = (path: string, size: number, plan: PartPlan, signal: AbortSignal, hooks: PartHooks) => Promise<string>;

/** The real reader, through one reused 1 MiB buffer. */
export const sha256Parts: HashParts = async (path, size, plan, signal, hooks) => {
  const whole = createHash('sha256');
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(BUFFER_BYTES);
  try {
    for (let n = 1; n <= plan.partCount; n++) {
      await hooks.beforePart(n);
      const { start, end } = partRange(plan, size, n);
      const part = createHash('sha256');
      for (let pos = start; pos < end; ) {
        if (signal.aborted) throw abortErrorOf(signal);
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
        if (bytesRead === 0) throw new FatalError('FILE_CHANGED', `${path} is shorter than ${size} bytes`);
        const chunk = buf.subarray(0, bytesRead);
        whole.update(chunk);
        part.update(chunk);
        pos += bytesRead;
      }
      hooks.onPart(n, part.digest('hex'));
    }
  } finally {
    await fh.close();
  }
  return whole.digest('hex');
};

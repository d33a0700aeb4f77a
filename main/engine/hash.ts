/** sha256 of a file or of the byte range [start, end) of it, streamed (never the whole file in memory). */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { abortErrorOf } from './errors.ts';

const BUFFER_BYTES = 1024 * 1024;
/**
 * Read buffers, reused across calls: a read stream would allocate a fresh buffer per chunk, and even
 * one fresh 1 MiB buffer per call (a photo) leaves V8 a heap of external memory to collect: 150
 * photos hashed 8 at a time took 114–153 ms of CPU that way, 98–100 ms with reuse.
 */
const spare: Buffer[] = [];
/** at most 8 MiB kept between runs: the default files + prepared-ahead hashes at once */
const MAX_SPARE = 8;

/** Hashes `path` (or `range` of it) through a reused 1 MiB buffer. */
export async function sha256File(path: string, signal?: AbortSignal, range?: { start: number; end: number }): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  const buf = spare.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
  const end = range?.end ?? Infinity;
  try {
    for (let pos = range?.start ?? 0; pos < end; ) {
      if (signal?.aborted) throw abortErrorOf(signal);
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, end - pos), pos);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
    }
  } finally {
    if (spare.length < MAX_SPARE) spare.push(buf);
    await fh.close();
  }
  return hash.digest('hex');
}

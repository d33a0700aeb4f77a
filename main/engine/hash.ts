/** sha256 of a file or of the byte range [start, end) of it, streamed (never the whole file in memory). */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { abortErrorOf } from './errors.ts';

/**
 * Hashes `path` through one reused 1 MiB buffer. A read stream would allocate a fresh buffer per
 * chunk, and V8 collects those only after ~64 MB of them pile up: that pile was most of the peak RSS
 * while hashing a large file.
 */
export async function sha256File(path: string, signal?: AbortSignal, range?: { start: number; end: number }): Promise<string> {
  const hash = createHash('sha256');
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(1024 * 1024);
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
    await fh.close();
  }
  return hash.digest('hex');
}

/**
 * What a file needs before it becomes a queue row, read outside the queue's transaction (it is I/O):
 * its creator metadata (redacted and fitted), the generation group of a ComfyUI output, a warning
 * when the file itself holds secrets, and with `stripSecrets` a staged PNG copy without them.
 */
import { createHash } from 'node:crypto';
import { readFile, stat, utimes } from 'node:fs/promises';
import type { CreatorMetadata } from '../../shared/creator-metadata.ts';
import { readCreatorMetadata } from './creator-metadata.ts';
import { secretWarning, stripPngSecrets } from './strip-secrets.ts';

/** The types creator tools write metadata into. */
const METADATA_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp']);

export interface PrepareOptions {
  /** upload a copy with secrets rewritten out of the PNG's text chunks */
  stripSecrets: boolean;
  /** where staged copies go (in the data directory) */
  stagingDir: string;
}

export interface Prepared {
  metadata?: CreatorMetadata;
  /** files of one ComfyUI prompt execution share it: sha256 of the `prompt` chunk, else of the path */
  promptHash: string;
  /** for the row and the CLI: what the file still holds, or what was done about it */
  warning?: string;
  /** the copy to upload instead of the file (same mtime as the source), and its size */
  staged?: { path: string; size: number };
}

/** Reads and prepares one file of the given MIME type. Never throws: a file it cannot read is sent as it is. */
export async function prepareFile(path: string, mimeType: string, opts: PrepareOptions): Promise<Prepared> {
  const fallback = (): Prepared => ({ promptHash: createHash('sha256').update(path).digest('hex') });
  if (!METADATA_TYPES.has(mimeType)) return fallback();
  try {
    const read = await readCreatorMetadata(path, mimeType);
    const out: Prepared = {
      promptHash: createHash('sha256').update(read.promptText ?? path).digest('hex'),
      ...(read.metadata ? { metadata: read.metadata } : {}),
    };
    const hasSecrets = read.findings.length > 0;
    if (hasSecrets && opts.stripSecrets && mimeType === 'image/png') {
      const staged = await stripPngSecrets(path, opts.stagingDir);
      if (staged) {
        const src = await stat(path);
        // The copy carries the source's mtime: the engine's "changed since queued" check compares them.
        // Seconds as a double lose the last millisecond now and then (…628 ms came back …627.99):
        // half a millisecond in, the whole millisecond the engine compares survives the round trip.
        const toSeconds = (ms: number) => (Math.trunc(ms) + 0.5) / 1000;
        await utimes(staged.path, toSeconds(src.atimeMs), toSeconds(src.mtimeMs));
        const st = await stat(staged.path);
        out.staged = { path: staged.path, size: st.size };
        // PNGs are read whole here (they were just read for their chunks; tens of MB at most).
        const sourceSha256 = createHash('sha256').update(await readFile(path)).digest('hex');
        if (out.metadata) out.metadata = { ...out.metadata, bytesDiffer: { reason: `secrets rewritten out of the ${staged.chunks.join(', ')} chunk${staged.chunks.length > 1 ? 's' : ''} (--strip-secrets)`, sourceSha256 } };
      }
    }
    const warning = secretWarning(read.findings, { strip: Boolean(out.staged), mimeType });
    if (warning) out.warning = warning;
    return out;
  } catch {
    return fallback();
  }
}

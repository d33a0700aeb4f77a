/**
 * The file itself holds the secrets that redaction keeps out of the metadata: a ComfyUI PNG's
 * `prompt` and `workflow` chunks are the very graphs with the API key in them. This module says so
 * per file (the warning the CLI and the queue show) and, for `--strip-secrets`, writes a staged copy
 * whose text chunks are redacted (fresh CRCs, every other byte as it was) for the engine to upload
 * instead of the source. PNG only: JPEG/WebP EXIF is not rewritten, and the warning says that.
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Finding } from './redact.ts';
import { redactTexts } from './redact.ts';
import { readPngTextChunks, rewritePngText } from './png-chunks.ts';

/** One line for a person: what the file holds and what Ferry does about it. */
export function secretWarning(findings: Finding[], opts: { strip: boolean; mimeType: string }): string | undefined {
  const secrets = new Set(findings.filter((f) => f.kind === 'secret').map((f) => f.path)).size;
  const homes = new Set(findings.filter((f) => f.kind === 'home-path').map((f) => f.path)).size;
  if (secrets === 0 && homes === 0) return undefined;
  const what = [secrets ? `${secrets} secret${secrets > 1 ? 's' : ''} (API keys, tokens)` : '', homes ? `${homes} path${homes > 1 ? 's' : ''} naming your home folder` : '']
    .filter(Boolean)
    .join(' and ');
  if (opts.strip && opts.mimeType === 'image/png') return `its metadata holds ${what}: removed from the metadata sent, and from the copy uploaded (--strip-secrets)`;
  const fix = opts.mimeType === 'image/png' ? 'use --strip-secrets to upload a copy without them' : 'Ferry rewrites only PNG text chunks, so this file goes as it is';
  return `its metadata holds ${what}: removed from the metadata sent, but the file itself still carries them; ${fix}`;
}

/** Where the stripped copy of a given version of a file lives: stable, so a resumed run reuses it. */
export function stagedPath(stagingDir: string, source: string, size: number, mtimeMs: number): string {
  const id = createHash('sha256').update(`${source}\0${size}\0${mtimeMs}`).digest('hex').slice(0, 32);
  return join(stagingDir, `${id}.png`);
}

export interface Stripped {
  path: string;
  /** keywords of the chunks that were rewritten */
  chunks: string[];
}

/**
 * Writes the redacted copy of a PNG into `stagingDir` (0700, the copy 0600) unless it is there
 * already; undefined when nothing in the file needed it. Written to a temp name and renamed, so a
 * crash never leaves a half copy under the final name.
 */
export async function stripPngSecrets(source: string, stagingDir: string): Promise<Stripped | undefined> {
  const st = await stat(source);
  const chunks = await readPngTextChunks(source);
  const redacted = redactTexts(chunks.map((c) => c.text));
  const changes = new Map<string, string>();
  const keywords: string[] = [];
  chunks.forEach((c, i) => {
    const r = redacted[i]!;
    if (r.text !== c.text) {
      changes.set(`${c.keyword}\0${c.text}`, r.text);
      keywords.push(c.keyword);
    }
  });
  if (changes.size === 0) return undefined;
  await mkdir(stagingDir, { recursive: true, mode: 0o700 });
  const dest = stagedPath(stagingDir, source, st.size, Math.trunc(st.mtimeMs));
  if (await stat(dest).then(() => true, () => false)) return { path: dest, chunks: keywords };
  const tmp = `${dest}.${process.pid}.tmp`;
  try {
    await rewritePngText(source, tmp, (c) => changes.get(`${c.keyword}\0${c.text}`));
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path: dest, chunks: keywords };
}

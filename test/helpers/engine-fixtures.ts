/**
 * Fixtures for the engine's integration tests: folders of distinct small JPEGs, a large file the
 * backend accepts (an MP4 `ftyp` header over random bytes: stored without renditions), and checks
 * that every object in S3 is byte-identical to its source.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { makeJpeg } from './backend.ts';

/** Writes `count` distinct JPEGs into `dir`; returns their paths. */
export async function writeImages(dir: string, count: number, opts: { width?: number; prefix?: string } = {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const p = join(dir, `${opts.prefix ?? 'img'}${String(i).padStart(4, '0')}.jpg`);
    await writeFile(p, await makeJpeg((opts.width ?? 64) + i, 48 + (i % 7)));
    paths.push(p);
  }
  return paths;
}

/** Writes a `bytes`-long file the backend stores as video/mp4, 1 MiB at a time. */
export async function writeLargeMp4(path: string, bytes: number): Promise<void> {
  const out = createWriteStream(path);
  const header = Buffer.from('000000206674797069736f6d0000020069736f6d69736f32617663316d703431', 'hex');
  let written = 0;
  while (written < bytes) {
    let chunk = randomBytes(Math.min(1024 * 1024, bytes - written));
    if (written === 0) chunk = Buffer.concat([header, chunk.subarray(header.length)]);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    written += chunk.length;
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

export async function sha256OfFile(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** An S3 client for the embedded store with its per-install key (checksums only when required: s3rver predates them). */
export function s3Client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** sha256 of an object, streamed. */
export async function sha256OfObject(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const h = createHash('sha256');
  for await (const c of out.Body as AsyncIterable<Uint8Array>) h.update(c);
  return h.digest('hex');
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/**
 * Body hashes checked as S3 checks them: `x-amz-checksum-sha256` (base64) and a hex
 * `x-amz-content-sha256` must match the bytes that arrive, and a mismatch stores nothing.
 *
 * Uploads are never held in memory: s3rver's FilesystemStore writes an object (or part) straight to
 * its final path, so a body found wrong at its end would already be there. Its `putObject` and
 * `putPart` are therefore wrapped: a body with an expected hash streams to a private temporary file
 * while it is hashed, and only a verified file is renamed into place. Other requests with a body
 * (CompleteMultipartUpload, DeleteObjects: small XML) are read whole, up to a limit, and replayed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);
/** s3rver's error class: thrown from the store, its error handler renders the XML and status. */
const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string, detail?: Record<string, string>) => Error;

/** What the bytes of one request must hash to. */
export interface BodyExpectation {
  /** base64 SHA-256 (x-amz-checksum-sha256) */
  checksumSha256?: string;
  /** hex SHA-256 (x-amz-content-sha256 when it is a hash, not UNSIGNED-PAYLOAD) */
  contentSha256?: string;
}

/** Small non-upload bodies (multipart completion lists 10,000 parts in well under this). */
export const MAX_SMALL_BODY_BYTES = 2 * 1024 * 1024;

/** The hashes a request declares for its body, if any. */
export function expectationOf(req: IncomingMessage): BodyExpectation | undefined {
  const checksum = req.headers['x-amz-checksum-sha256'];
  const content = req.headers['x-amz-content-sha256'];
  const exp: BodyExpectation = {};
  if (typeof checksum === 'string') exp.checksumSha256 = checksum;
  if (typeof content === 'string' && /^[0-9a-f]{64}$/i.test(content)) exp.contentSha256 = content.toLowerCase();
  return exp.checksumSha256 || exp.contentSha256 ? exp : undefined;
}

/** Why the bytes do not match, or undefined. */
function mismatch(exp: BodyExpectation, sha256: Buffer): Error | undefined {
  if (exp.checksumSha256 !== undefined && exp.checksumSha256 !== sha256.toString('base64')) {
    return new S3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
  }
  if (exp.contentSha256 !== undefined && exp.contentSha256 !== sha256.toString('hex')) {
    // s3rver's status table lacks this code (it would answer 500); S3 answers 400.
    return Object.assign(new S3Error('XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."), { status: 400, expose: true });
  }
  return undefined;
}

/** Reads a small body whole and checks it; the error says what is wrong. */
export async function readSmallBody(req: IncomingMessage, exp: BodyExpectation | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_SMALL_BODY_BYTES) throw new S3Error('MaxMessageLengthExceeded', 'Your request was too big.');
    chunks.push(chunk as Buffer);
  }
  const body = Buffer.concat(chunks);
  const wrong = exp && mismatch(exp, createHash('sha256').update(body).digest());
  if (wrong) throw wrong;
  return body;
}

/** The parts of s3rver's FilesystemStore (lib/stores/filesystem.js) this module wraps. */
interface FilesystemStore {
  getResourcePath(bucket: string, key: string | undefined, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: Record<string, unknown>, md5: string): Promise<void>;
  putObject(object: { bucket: string; key: string; content: unknown; metadata: Record<string, unknown> }): Promise<{ size: number; md5: string }>;
  putPart(bucket: string, uploadId: string, partNumber: number, content: unknown): Promise<{ size: number; md5: string }>;
}

/**
 * Streams `content` to a temporary file in `incomingDir` while hashing it (md5 for s3rver's ETag,
 * sha256 for the check), then renames it to `finalPath` only if the hashes match.
 */
async function verifiedWrite(content: Readable, exp: BodyExpectation, incomingDir: string, finalPath: string): Promise<{ size: number; md5: string }> {
  const tmp = join(incomingDir, randomBytes(12).toString('hex'));
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let size = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _enc, done) {
      md5.update(chunk);
      sha.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(content, hasher, createWriteStream(tmp, { mode: 0o600 }));
    const wrong = mismatch(exp, sha.digest());
    if (wrong) throw wrong;
    await mkdir(dirname(finalPath), { recursive: true, mode: 0o700 });
    await rename(tmp, finalPath);
    return { size, md5: md5.digest('hex') };
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Makes the store verify bodies that `expectations` holds (keyed by the request stream s3rver passes
 * as the content). Requests without an expectation go through s3rver's own code unchanged.
 */
export function verifyStoreWrites(store: FilesystemStore, expectations: WeakMap<object, BodyExpectation>, incomingDir: string): void {
  const putObject = store.putObject.bind(store);
  const putPart = store.putPart.bind(store);
  store.putObject = async (object) => {
    const exp = expectations.get(object.content as object);
    if (!exp) return putObject(object);
    const result = await verifiedWrite(object.content as Readable, exp, incomingDir, store.getResourcePath(object.bucket, object.key, 'object'));
    await store.putMetadata(object.bucket, object.key, object.metadata, result.md5);
    return result;
  };
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    const exp = expectations.get(content as object);
    if (!exp) return putPart(bucket, uploadId, partNumber, content);
    // the same layout as FilesystemStore.putPart: uploads/{uploadId}/{partNumber} and its .md5
    const partPath = join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
    const result = await verifiedWrite(content as Readable, exp, incomingDir, partPath);
    await writeFile(`${partPath}.md5`, result.md5, { mode: 0o600 });
    return result;
  };
}

/** A replayable stand-in for a request body already read (what s3rver's XML parser then reads). */
export function replay(body: Buffer): Readable {
  return Readable.from(body.length ? [body] : []);
}


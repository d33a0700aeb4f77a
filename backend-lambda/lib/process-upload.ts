/**
 * process-upload (SPEC §4, §5): from an S3 ObjectCreated key to an `uploaded` or `failed` record.
 * Bytes are checked before they are trusted: size, magic number, sha256, pixel limit.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { fileTypeFromBuffer } from 'file-type';
import {
  albumRenditions,
  avatarRenditions,
  mediaIdOfKey,
  mimeTypes,
  parseOriginalKey,
  RENDITION_CACHE_CONTROL,
  renditionKey,
  type AllowedMimeType,
  type RenditionSpec,
} from '../../shared/index.ts';
import type { Deps } from './deps.ts';
import { tagFailedOriginal } from './failed-originals.ts';
import { ProcessingError } from './errors.ts';
import type { MediaRecord } from './storage/storage.ts';
import { originalsBudget } from './memory-budget.ts';
import { PixelLimitError, renderRenditions } from './renditions.ts';
import { decodeEventKey, type ProcessOutcome } from './upload-events.ts';

export { createdKeys, decodeEventKey, failProcessing, type ProcessOutcome } from './upload-events.ts';

/** Bytes file-type needs to recognise every format Ferry accepts. */
const SNIFF_BYTES = 4100;

async function readAll(body: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      body.destroy();
      throw new ProcessingError('SIZE_MISMATCH', `The object grew past ${limit} bytes while being read`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

async function hashStream(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Video containers overlap (an .mov is often ISO BMFF like .mp4), so any allowed video sniff is accepted for a video. */
function sniffMatches(declared: string, detected: string | undefined): boolean {
  if (!detected) return false;
  if (declared === detected) return true;
  const d = mimeTypes[declared as AllowedMimeType];
  const t = mimeTypes[detected as AllowedMimeType];
  return d?.kind === 'video' && t?.kind === 'video' && detected !== 'video/webm' && declared !== 'video/webm';
}

interface Checked {
  size: number;
  kind: 'image' | 'video';
}

/** S3's answers for an object that is not there (HEAD has no body, so no code: only the status). */
function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * The object is gone (deleted before processing got to it, or never complete): the upload's fault,
 * not the processor's, so it fails now rather than being retried and left for the clean-up.
 */
async function orMissing<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (err) {
    if (isMissing(err)) throw new ProcessingError('UPLOAD_MISSING', 'The uploaded object is not in storage (deleted before it was processed?)', { cause: err });
    throw err;
  }
}

async function checkObject(deps: Deps, item: MediaRecord): Promise<Checked> {
  const Bucket = deps.config.bucketName;
  const head = await orMissing(deps.s3.send(new HeadObjectCommand({ Bucket, Key: item.key })));
  const size = head.ContentLength ?? 0;
  if (size === 0) throw new ProcessingError('EMPTY_FILE', 'The uploaded file is empty');
  if (size !== item.size) throw new ProcessingError('SIZE_MISMATCH', `Declared ${item.size} bytes, received ${size}`);
  const first = await orMissing(deps.s3.send(new GetObjectCommand({ Bucket, Key: item.key, Range: `bytes=0-${SNIFF_BYTES - 1}` })));
  const head4k = Buffer.from(await first.Body!.transformToByteArray());
  const detected = (await fileTypeFromBuffer(head4k))?.mime;
  if (!sniffMatches(item.mimeType, detected)) {
    throw new ProcessingError('CONTENT_TYPE_MISMATCH', `Declared ${item.mimeType}, but the bytes are ${detected ?? 'not a recognised format'}`);
  }
  return { size, kind: mimeTypes[item.mimeType as AllowedMimeType]?.kind ?? 'image' };
}

function checkSha(item: MediaRecord, actual: string): void {
  if (item.sha256 && item.sha256 !== actual) {
    throw new ProcessingError('CHECKSUM_MISMATCH', `Declared sha256 ${item.sha256}, received ${actual}`);
  }
}

interface Processed {
  size: number;
  width?: number;
  height?: number;
  thumbnailKeys?: Record<string, string>;
  thumbhash?: string;
  dominantColor?: string;
}

async function processImage(deps: Deps, item: MediaRecord, size: number): Promise<Processed> {
  if (size > deps.config.maxImageBytes) {
    throw new ProcessingError('IMAGE_TOO_LARGE', `Images up to ${deps.config.maxImageBytes} bytes get thumbnails; this one is ${size}`);
  }
  return originalsBudget.run(size, () => renderAndStore(deps, item, size));
}

async function renderAndStore(deps: Deps, item: MediaRecord, size: number): Promise<Processed> {
  const obj = await orMissing(deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key: item.key })));
  // Bounded: the size was checked against maxImageBytes above, and readAll stops past it.
  const bytes = await readAll(obj.Body as Readable, size);
  checkSha(item, createHash('sha256').update(bytes).digest('hex'));
  const specs: readonly RenditionSpec[] = item.kind === 'avatar' ? avatarRenditions : albumRenditions;
  let result;
  try {
    result = await renderRenditions(bytes, specs, { maxInputPixels: deps.config.maxInputPixels });
  } catch (err) {
    if (err instanceof PixelLimitError) throw new ProcessingError('IMAGE_TOO_LARGE', err.message, { cause: err });
    throw new ProcessingError('UNSUPPORTED_IMAGE', `The image could not be decoded: ${(err as Error).message}`, { cause: err });
  }
  const thumbnailKeys: Record<string, string> = {};
  await Promise.all(
    result.renditions.map(async (r) => {
      const key = renditionKey(item.key, r.name);
      thumbnailKeys[r.name] = key;
      await deps.s3.send(
        new PutObjectCommand({ Bucket: deps.config.bucketName, Key: key, Body: r.data, ContentType: 'image/webp', CacheControl: RENDITION_CACHE_CONTROL }),
      );
    }),
  );
  return { size, width: result.width, height: result.height, thumbnailKeys, thumbhash: result.thumbhash, dominantColor: result.dominantColor };
}

async function processVideo(deps: Deps, item: MediaRecord, size: number): Promise<Processed> {
  if (item.sha256) {
    // Streamed: a video can be gigabytes, so it is hashed chunk by chunk and never held.
    const obj = await orMissing(deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key: item.key })));
    checkSha(item, await hashStream(obj.Body as Readable));
  }
  return { size };
}

/** pending → uploaded in one conditional write; then the album's counter, once, by the writer that won. */
async function markUploaded(deps: Deps, item: MediaRecord, done: Processed): Promise<boolean> {
  const now = deps.now().toISOString();
  if (!(await deps.storage.markUploaded(item.mediaId, done, now))) return false;
  if (item.albumId) {
    // Counted on the pending → uploaded transition: only the one conditional write that won gets
    // here, so re-delivered events and racing uploads each add exactly once. An album deleted
    // meanwhile (false) is not brought back.
    const cover = done.thumbnailKeys ? (done.thumbnailKeys.cover ?? done.thumbnailKeys.small) : undefined;
    await deps.storage.countAlbumUpload(item.ownerId, item.albumId, cover, now);
  }
  if (item.kind === 'avatar' && done.thumbnailKeys) {
    await deps.storage.setAvatar(item.ownerId, { key: item.key, thumbnailKeys: done.thumbnailKeys, width: done.width, height: done.height }, now);
  }
  return true;
}

/**
 * Processes one created object. Bad bytes end as `failed` with a code; infrastructure errors
 * (S3 or DynamoDB unavailable) are thrown so the caller retries the event.
 */
export async function processObject(deps: Deps, rawKey: string): Promise<ProcessOutcome> {
  const key = decodeEventKey(rawKey);
  const parsed = parseOriginalKey(key);
  if (!parsed) return { outcome: 'ignored', reason: `not an original: ${key}` };
  const mediaId = mediaIdOfKey(parsed);
  const item = await deps.storage.getMedia(mediaId);
  if (!item || item.key !== key) return { outcome: 'ignored', reason: `no record for ${key}` };
  if (item.status !== 'pending') {
    // A re-delivery after a tagging error, or bytes that arrived after the record failed (expired,
    // cancelled): either way the object belongs to a failed record and should expire with it.
    if (item.status === 'failed') await tagFailedOriginal(deps, key);
    return { outcome: 'ignored', reason: `already ${item.status}` };
  }
  try {
    const checked = await checkObject(deps, item);
    const done = checked.kind === 'video' ? await processVideo(deps, item, checked.size) : await processImage(deps, item, checked.size);
    const won = await markUploaded(deps, item, done);
    return won ? { outcome: 'uploaded', mediaId } : { outcome: 'ignored', reason: 'decided by another delivery' };
  } catch (err) {
    if (!(err instanceof ProcessingError)) throw err;
    // Tagged only once the record is failed, so an original that another delivery processed is never
    // marked for deletion. A tagging error is thrown: the event is retried and the branch above tags.
    if (await deps.storage.failPending(mediaId, { code: err.code, message: err.message }, deps.now().toISOString())) {
      await tagFailedOriginal(deps, key);
    }
    return { outcome: 'failed', mediaId, code: err.code };
  }
}

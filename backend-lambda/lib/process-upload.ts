/**
 * process-upload (SPEC §4, §5): from an S3 ObjectCreated key to an `uploaded` or `failed` record.
 * Bytes are checked before they are trusted: size, magic number, sha256, pixel limit.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
import { ProcessingError } from './errors.ts';
import type { MediaItem } from './records.ts';
import { originalsBudget } from './memory-budget.ts';
import { PixelLimitError, renderRenditions } from './renditions.ts';
import { failPending, getMedia, isConditionFailed } from './store.ts';
import { keys } from './table.ts';

export type ProcessOutcome =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'uploaded'; mediaId: string }
  | { outcome: 'failed'; mediaId: string; code: string };

/** Bytes file-type needs to recognise every format Ferry accepts. */
const SNIFF_BYTES = 4100;

/** Keys in S3 events are URL-encoded with `+` for spaces. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

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

async function checkObject(deps: Deps, item: MediaItem): Promise<Checked> {
  const Bucket = deps.config.bucketName;
  const head = await deps.s3.send(new HeadObjectCommand({ Bucket, Key: item.key }));
  const size = head.ContentLength ?? 0;
  if (size === 0) throw new ProcessingError('EMPTY_FILE', 'The uploaded file is empty');
  if (size !== item.size) throw new ProcessingError('SIZE_MISMATCH', `Declared ${item.size} bytes, received ${size}`);
  const first = await deps.s3.send(new GetObjectCommand({ Bucket, Key: item.key, Range: `bytes=0-${SNIFF_BYTES - 1}` }));
  const head4k = Buffer.from(await first.Body!.transformToByteArray());
  const detected = (await fileTypeFromBuffer(head4k))?.mime;
  if (!sniffMatches(item.mimeType, detected)) {
    throw new ProcessingError('CONTENT_TYPE_MISMATCH', `Declared ${item.mimeType}, but the bytes are ${detected ?? 'not a recognised format'}`);
  }
  return { size, kind: mimeTypes[item.mimeType as AllowedMimeType]?.kind ?? 'image' };
}

function checkSha(item: MediaItem, actual: string): void {
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

async function processImage(deps: Deps, item: MediaItem, size: number): Promise<Processed> {
  if (size > deps.config.maxImageBytes) {
    throw new ProcessingError('IMAGE_TOO_LARGE', `Images up to ${deps.config.maxImageBytes} bytes get thumbnails; this one is ${size}`);
  }
  return originalsBudget.run(size, () => renderAndStore(deps, item, size));
}

async function renderAndStore(deps: Deps, item: MediaItem, size: number): Promise<Processed> {
  const obj = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key: item.key }));
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

async function processVideo(deps: Deps, item: MediaItem, size: number): Promise<Processed> {
  if (item.sha256) {
    // Streamed: a video can be gigabytes, so it is hashed chunk by chunk and never held.
    const obj = await deps.s3.send(new GetObjectCommand({ Bucket: deps.config.bucketName, Key: item.key }));
    checkSha(item, await hashStream(obj.Body as Readable));
  }
  return { size };
}

/** pending → uploaded in one conditional write; then the album's counter, once, by the writer that won. */
async function markUploaded(deps: Deps, item: MediaItem, done: Processed): Promise<boolean> {
  const now = deps.now().toISOString();
  try {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: keys.media(item.mediaId),
        UpdateExpression:
          'SET #s = :uploaded, #size = :size, updatedAt = :now' +
          (done.thumbnailKeys ? ', thumbnailKeys = :thumbs, width = :w, height = :h, thumbhash = :th, dominantColor = :dc' : '') +
          ' REMOVE pendingPk, pendingSk, uploadId, #e',
        ConditionExpression: '#s = :pending',
        ExpressionAttributeNames: { '#s': 'status', '#size': 'size', '#e': 'error' },
        ExpressionAttributeValues: {
          ':uploaded': 'uploaded',
          ':pending': 'pending',
          ':size': done.size,
          ':now': now,
          ...(done.thumbnailKeys ? { ':thumbs': done.thumbnailKeys, ':w': done.width, ':h': done.height, ':th': done.thumbhash, ':dc': done.dominantColor } : {}),
        },
      }),
    );
  } catch (err) {
    if (isConditionFailed(err)) return false;
    throw err;
  }
  if (item.albumId) {
    // Counted on the pending → uploaded transition: only the one conditional write that won gets
    // here, so re-delivered events and racing uploads each add exactly once (ADD is atomic).
    await deps.ddb
      .send(
        new UpdateCommand({
          TableName: deps.config.tableName,
          Key: keys.album(item.ownerId, item.albumId),
          UpdateExpression: 'ADD mediaCount :one SET updatedAt = :now' + (done.thumbnailKeys ? ', coverKey = if_not_exists(coverKey, :cover)' : ''),
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1, ':now': now, ...(done.thumbnailKeys ? { ':cover': done.thumbnailKeys.cover ?? done.thumbnailKeys.small } : {}) },
        }),
      )
      .catch((err) => {
        if (!isConditionFailed(err)) throw err;
      });
  }
  if (item.kind === 'avatar' && done.thumbnailKeys) {
    await deps.ddb.send(
      new UpdateCommand({
        TableName: deps.config.tableName,
        Key: keys.user(item.ownerId),
        UpdateExpression: 'SET avatar = :a, updatedAt = :now, #t = :user, userId = :uid, createdAt = if_not_exists(createdAt, :now)',
        ExpressionAttributeNames: { '#t': 'type' },
        ExpressionAttributeValues: {
          ':a': { key: item.key, thumbnailKeys: done.thumbnailKeys, width: done.width, height: done.height },
          ':now': now,
          ':user': 'user',
          ':uid': item.ownerId,
        },
      }),
    );
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
  const item = await getMedia(deps, mediaId);
  if (!item || item.key !== key) return { outcome: 'ignored', reason: `no record for ${key}` };
  if (item.status !== 'pending') return { outcome: 'ignored', reason: `already ${item.status}` };
  try {
    const checked = await checkObject(deps, item);
    const done = checked.kind === 'video' ? await processVideo(deps, item, checked.size) : await processImage(deps, item, checked.size);
    const won = await markUploaded(deps, item, done);
    return won ? { outcome: 'uploaded', mediaId } : { outcome: 'ignored', reason: 'decided by another delivery' };
  } catch (err) {
    if (!(err instanceof ProcessingError)) throw err;
    await failPending(deps, mediaId, err.code, err.message);
    return { outcome: 'failed', mediaId, code: err.code };
  }
}

/** The S3 event records' created keys (ObjectCreated:* only; Put, Post, CompleteMultipartUpload, Copy). */
export function createdKeys(event: { Records?: { eventName?: string; s3?: { object?: { key?: string } } }[] }): string[] {
  return (event.Records ?? []).filter((r) => r.eventName?.startsWith('ObjectCreated:') && r.s3?.object?.key).map((r) => r.s3!.object!.key!);
}

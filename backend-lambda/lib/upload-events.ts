/**
 * S3 event keys and the give-up path of processing, apart from process-upload.ts so the dead-letter
 * consumer's bundle does not pull in Sharp (a native module only process-upload's bundle ships).
 */
import { mediaIdOfKey, parseOriginalKey } from '../../shared/index.ts';
import type { Deps } from './deps.ts';

export type ProcessOutcome =
  | { outcome: 'ignored'; reason: string }
  | { outcome: 'uploaded'; mediaId: string }
  | { outcome: 'failed'; mediaId: string; code: string };

/** Keys in S3 events are URL-encoded with `+` for spaces. */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, ' '));
}

/**
 * After the last try of an event that kept throwing (S3 or DynamoDB down, a timeout, out of
 * memory): its pending record becomes `failed` with PROCESSING_FAILED, so no record waits for the
 * clean-up because processing broke (SPEC §5). A record already decided is left alone.
 */
export async function failProcessing(deps: Deps, rawKey: string, reason: string): Promise<ProcessOutcome> {
  const key = decodeEventKey(rawKey);
  const parsed = parseOriginalKey(key);
  if (!parsed) return { outcome: 'ignored', reason: `not an original: ${key}` };
  const mediaId = mediaIdOfKey(parsed);
  const item = await deps.storage.getMedia(mediaId);
  if (!item || item.key !== key || item.status !== 'pending') return { outcome: 'ignored', reason: item ? `already ${item.status}` : `no record for ${key}` };
  const message = `Processing kept failing and was given up: ${reason}`.slice(0, 500);
  const won = await deps.storage.failPending(mediaId, { code: 'PROCESSING_FAILED', message }, deps.now().toISOString());
  return won ? { outcome: 'failed', mediaId, code: 'PROCESSING_FAILED' } : { outcome: 'ignored', reason: 'decided meanwhile' };
}

/** The S3 event records' created keys (ObjectCreated:* only; Put, Post, CompleteMultipartUpload, Copy). */
export function createdKeys(event: { Records?: { eventName?: string; s3?: { object?: { key?: string } } }[] }): string[] {
  return (event.Records ?? []).filter((r) => r.eventName?.startsWith('ObjectCreated:') && r.s3?.object?.key).map((r) => r.s3!.object!.key!);
}

/**
 * Failed originals are tagged so the bucket's lifecycle rule deletes them after a configured number
 * of days (infra/bucket.ts, `failedOriginalDays`): up to 5 GiB each that nobody will look at, once
 * the record says why they failed. Tagging is idempotent, so re-delivered events may tag again.
 */
import { PutObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { Deps } from './deps.ts';

/** Must match FAILED_ORIGINAL_TAG in infra/bucket.ts (the tests check both). */
export const FAILED_TAG = { Key: 'ferry-status', Value: 'failed' } as const;

/**
 * Tags `key` as failed. `gone`: there is no object (an upload that never arrived); `unsupported`: the
 * S3 in use has no object tagging (some S3-compatible stores). Anything else is thrown.
 */
export async function tagFailedOriginal(deps: Deps, key: string): Promise<'tagged' | 'gone' | 'unsupported'> {
  try {
    await deps.s3.send(new PutObjectTaggingCommand({ Bucket: deps.config.bucketName, Key: key, Tagging: { TagSet: [FAILED_TAG] } }));
    return 'tagged';
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return 'gone';
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 501 || name === 'NotImplemented') return 'unsupported';
    throw err;
  }
}

/** For callers whose own work is done once the record is failed: a tagging error is logged, not thrown. */
export async function tagFailedOriginalQuietly(deps: Deps, key: string): Promise<void> {
  await tagFailedOriginal(deps, key).catch((err: unknown) => console.error(`[ferry] could not tag failed original ${key}`, err));
}

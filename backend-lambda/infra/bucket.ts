/**
 * The media bucket: originals under the three upload prefixes, derived files under `thumbnails/`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { THUMBNAIL_PREFIX } from '../../shared/object-keys.ts';
import { acknowledge } from './nag.ts';

/** The prefixes whose objects are originals that process-upload handles (SPEC §3; checked against shared/object-keys.ts in the tests). */
export const ORIGINAL_PREFIXES = ['albums/', 'users/', 'generated/'] as const;
/** Where renditions go: outside the original prefixes, so writing one never triggers processing. */
export const THUMBNAILS_PREFIX = THUMBNAIL_PREFIX;

/**
 * The tag the handlers put on an original when its record fails (lib/failed-originals.ts); the
 * lifecycle rule below deletes what carries it. Tags, not a prefix, because a failed original keeps
 * its key: the record and the key layout (SPEC §3) stay as they are.
 */
export const FAILED_ORIGINAL_TAG = { key: 'ferry-status', value: 'failed' } as const;

/** Creates the private, versioned media bucket; failed originals expire after `failedOriginalDays`. */
export function createMediaBucket(scope: Construct, opts: { failedOriginalDays: number }): Bucket {
  const bucket = new Bucket(scope, 'MediaBucket', {
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    versioned: true,
    // No CORS: uploads are sent by the engine in Node (Electron main, CLI, serve mode), never by a
    // browser page, and thumbnails are shown through <img>, which needs none either.
    lifecycleRules: [
      {
        id: 'abort-incomplete-multipart',
        // Parts of an abandoned multipart upload are billed until aborted; the clean-up job aborts
        // the ones it knows about, this catches the rest.
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
      {
        id: 'expire-failed-originals',
        // Up to 5 GiB each, and nobody will ever see them: the record says why they failed. In a
        // versioned bucket this leaves a delete marker; the rule below then removes the bytes.
        tagFilters: { [FAILED_ORIGINAL_TAG.key]: FAILED_ORIGINAL_TAG.value },
        expiration: Duration.days(opts.failedOriginalDays),
      },
      {
        id: 'expire-noncurrent-versions',
        // Versioning protects against a bad overwrite or delete; 30 days is enough to notice one.
        noncurrentVersionExpiration: Duration.days(30),
      },
    ],
    // Originals are the user's photos: `cdk destroy` leaves them in place.
    removalPolicy: RemovalPolicy.RETAIN,
  });
  acknowledge(
    bucket,
    'Every write is an upload the API presigned for a signed-in user, recorded with its owner in DynamoDB and in the API access log; server access logs would add a log record for each of the ~8 S3 requests an upload makes (docs/SCALE.md) for no question those two cannot answer. CloudTrail data events can be turned on per account when an audit needs them.',
    'AwsSolutions::AwsSolutions-S1',
  );
  return bucket;
}

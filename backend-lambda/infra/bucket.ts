/**
 * The media bucket: originals under the three upload prefixes, derived files under `thumbnails/`.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { THUMBNAIL_PREFIX } from '../../shared/object-keys.ts';

/** The prefixes whose objects are originals that process-upload handles (SPEC §3; checked against shared/object-keys.ts in the tests). */
export const ORIGINAL_PREFIXES = ['albums/', 'users/', 'generated/'] as const;
/** Where renditions go: outside the original prefixes, so writing one never triggers processing. */
export const THUMBNAILS_PREFIX = THUMBNAIL_PREFIX;

/** Creates the private, versioned media bucket. */
export function createMediaBucket(scope: Construct): Bucket {
  return new Bucket(scope, 'MediaBucket', {
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
        id: 'expire-noncurrent-versions',
        // Versioning protects against a bad overwrite or delete; 30 days is enough to notice one.
        noncurrentVersionExpiration: Duration.days(30),
      },
    ],
    // Originals are the user's photos: `cdk destroy` leaves them in place.
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/**
 * What each function may touch, as data: the stack turns it into IAM statements, and the tests read
 * the template back against it. A presigned URL carries the permissions of the role that signed it,
 * so a function that hands out upload URLs needs the S3 action the client will perform.
 */
import type { ApiFunctionName } from '../functions/routes.ts';
import { ORIGINAL_PREFIXES, THUMBNAILS_PREFIX } from './bucket.ts';

export type TableAccess = 'none' | 'read' | 'readWrite' | 'readWriteDelete';

// Exactly the operations lib/ sends (docs/DYNAMODB.md): CDK's grantReadData would add Scan, which the
// design rules out, and grantReadWriteData DeleteItem, which nothing sends. BatchWriteItem writes a
// batch request's pending records.
const TABLE_READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const TABLE_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'];

/** The DynamoDB actions of each access level, on the table and its indexes. */
export const tableActions: Record<TableAccess, string[]> = {
  none: [],
  read: TABLE_READS,
  readWrite: [...TABLE_READS, ...TABLE_WRITES],
  // DELETE /media/{id} alone removes items (lib/storage/dynamo-storage-delete.ts).
  readWriteDelete: [...TABLE_READS, ...TABLE_WRITES, 'dynamodb:DeleteItem'],
};

export interface BucketGrant {
  actions: string[];
  /** Key prefixes (ending in `/`) the actions apply to. */
  prefixes: readonly string[];
}

export interface FunctionAccess {
  table: TableAccess;
  bucket: BucketGrant[];
}

export type FunctionName = ApiFunctionName | 'process-upload' | 'process-upload-failed' | 'cleanup-pending';

// Thumbnail values are presigned GETs when no public base URL is configured (SPEC §2); with
// CloudFront in front they are plain URLs and this grant goes unused, but it keeps the fallback working.
const signThumbnails: BucketGrant = { actions: ['s3:GetObject'], prefixes: [THUMBNAILS_PREFIX] };
// PutObject covers PUT, CreateMultipartUpload, UploadPart and CompleteMultipartUpload.
const signUploads: BucketGrant = { actions: ['s3:PutObject'], prefixes: ORIGINAL_PREFIXES };
// Requesting an upload creates the multipart upload, and aborts it if the record cannot be written.
const requestUploads = (prefix: (typeof ORIGINAL_PREFIXES)[number]): BucketGrant => ({ actions: ['s3:PutObject', 's3:AbortMultipartUpload'], prefixes: [prefix] });
const abortUploads: BucketGrant = { actions: ['s3:AbortMultipartUpload'], prefixes: ORIGINAL_PREFIXES };
// Whoever marks a record failed tags its original for the bucket's expiry rule (bucket.ts).
const tagFailed: BucketGrant = { actions: ['s3:PutObjectTagging'], prefixes: ORIGINAL_PREFIXES };

/** Least-privilege access per function. */
export const functionAccess: Record<FunctionName, FunctionAccess> = {
  'health': { table: 'none', bucket: [] },
  'auth-config': { table: 'none', bucket: [] },
  'create-album': { table: 'readWrite', bucket: [] },
  'list-albums': { table: 'read', bucket: [signThumbnails] },
  'list-album-media': { table: 'read', bucket: [signThumbnails] },
  'request-album-upload': { table: 'readWrite', bucket: [requestUploads('albums/')] },
  'request-album-uploads': { table: 'readWrite', bucket: [requestUploads('albums/')] },
  'request-generation-upload': { table: 'readWrite', bucket: [requestUploads('generated/')] },
  'request-avatar-upload': { table: 'readWrite', bucket: [requestUploads('users/')] },
  'refresh-upload-url': { table: 'read', bucket: [signUploads] },
  'sign-parts': { table: 'read', bucket: [signUploads] },
  // Completing calls CompleteMultipartUpload (s3:PutObject), then HEADs the original (s3:GetObject).
  // It writes when the client gives the sha256 at completion: the record's sha256, or (a duplicate)
  // the abort and the record's move to failed.
  'complete-upload': {
    table: 'readWrite',
    bucket: [signUploads, { actions: ['s3:GetObject'], prefixes: ORIGINAL_PREFIXES }, abortUploads, signThumbnails],
  },
  'abort-upload': { table: 'readWrite', bucket: [abortUploads, tagFailed] },
  'get-media': { table: 'read', bucket: [signThumbnails] },
  // The original and its renditions (and a pending multipart upload's parts) go with the record.
  'delete-media': {
    table: 'readWriteDelete',
    bucket: [
      { actions: ['s3:DeleteObject', 's3:AbortMultipartUpload'], prefixes: ORIGINAL_PREFIXES },
      { actions: ['s3:DeleteObject'], prefixes: [THUMBNAILS_PREFIX] },
    ],
  },
  'media-status': { table: 'read', bucket: [signThumbnails] },
  'list-generation-media': { table: 'read', bucket: [signThumbnails] },
  'get-me': { table: 'readWrite', bucket: [signThumbnails] },
  'process-upload': {
    table: 'readWrite',
    bucket: [
      { actions: ['s3:GetObject'], prefixes: ORIGINAL_PREFIXES },
      { actions: ['s3:PutObject'], prefixes: [THUMBNAILS_PREFIX] },
      tagFailed,
    ],
  },
  // reads the record and marks it failed; never touches the bucket
  'process-upload-failed': { table: 'readWrite', bucket: [] },
  'cleanup-pending': { table: 'readWrite', bucket: [abortUploads, tagFailed] },
};

/** Presigned URLs for clients: single PUTs bound to type, length and checksum; parts signed just in time. */
import { AbortMultipartUploadCommand, CreateMultipartUploadCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { SingleUpload } from '../../shared/api.ts';
import type { ReadDeps } from './deps.ts';

/** sha256 hex (the API's form) to base64 (S3's x-amz-checksum-sha256 form). */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

function expiry(deps: ReadDeps): string {
  return new Date(deps.now().getTime() + deps.config.presignExpiresSeconds * 1000).toISOString();
}

/** A single PUT whose signature covers Content-Type, Content-Length and, when given, the sha256. */
export async function presignPut(deps: ReadDeps, key: string, mimeType: string, size: number, sha256?: string): Promise<SingleUpload> {
  const checksum = sha256 ? hexToBase64(sha256) : undefined;
  const command = new PutObjectCommand({
    Bucket: deps.config.bucketName,
    Key: key,
    ContentType: mimeType,
    ContentLength: size,
    ...(checksum ? { ChecksumSHA256: checksum } : {}),
  });
  const url = await getSignedUrl(deps.presignS3, command, {
    expiresIn: deps.config.presignExpiresSeconds,
    // Signed as headers (not hoisted into the query), so S3 rejects a PUT whose type, length or
    // checksum differ from what was declared.
    signableHeaders: new Set(['content-type', 'content-length']),
    unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
  });
  const headers: Record<string, string> = { 'Content-Type': mimeType, 'Content-Length': String(size) };
  if (checksum) headers['x-amz-checksum-sha256'] = checksum;
  return { type: 'single', method: 'PUT', url, headers, expiresAt: expiry(deps) };
}

/** Starts a multipart upload, asking S3 to keep SHA-256 checksums of its parts. */
export async function createMultipart(deps: ReadDeps, key: string, mimeType: string): Promise<string> {
  const r = await deps.s3.send(
    new CreateMultipartUploadCommand({ Bucket: deps.config.bucketName, Key: key, ContentType: mimeType, ChecksumAlgorithm: 'SHA256' }),
  );
  if (!r.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
  return r.UploadId;
}

/** URLs for the given parts, signed now so a long upload never holds an expired URL; bound to each part's sha256 when given. */
export async function presignParts(deps: ReadDeps, key: string, uploadId: string, partNumbers: number[], checksums: Record<string, string> = {}) {
  const expiresAt = expiry(deps);
  return Promise.all(
    partNumbers.map(async (partNumber) => {
      const sha256 = checksums[String(partNumber)];
      const checksum = sha256 ? hexToBase64(sha256) : undefined;
      const command = new UploadPartCommand({
        Bucket: deps.config.bucketName,
        Key: key,
        UploadId: uploadId,
        PartNumber: partNumber,
        ...(checksum ? { ChecksumSHA256: checksum } : {}),
      });
      const url = await getSignedUrl(deps.presignS3, command, {
        expiresIn: deps.config.presignExpiresSeconds,
        unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
      });
      return { partNumber, url, expiresAt, ...(checksum ? { headers: { 'x-amz-checksum-sha256': checksum } } : {}) };
    }),
  );
}

/**
 * Aborts a multipart upload. s3rver implements no AbortMultipartUpload (it answers with an error
 * and keeps the parts on disk), and an upload that is already gone is already aborted: both are
 * tolerated, and the caller marks the record failed either way.
 */
export async function abortMultipart(deps: ReadDeps, key: string, uploadId: string): Promise<'aborted' | 'unsupported' | 'gone'> {
  try {
    await deps.s3.send(new AbortMultipartUploadCommand({ Bucket: deps.config.bucketName, Key: key, UploadId: uploadId }));
    return 'aborted';
  } catch (err) {
    const name = (err as { name?: string; Code?: string }).name;
    if (name === 'NoSuchUpload') return 'gone';
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 501 || status === 405 || name === 'NotImplemented' || name === 'MethodNotAllowed') return 'unsupported';
    throw err;
  }
}

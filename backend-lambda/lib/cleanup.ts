/** The sweeper: records still pending after the configured age become failed (UPLOAD_EXPIRED). */
import type { Deps } from './deps.ts';
import { tagFailedOriginalQuietly } from './failed-originals.ts';
import { abortMultipart } from './presign.ts';

export interface CleanupResult {
  expired: string[];
  /** multipart uploads the store could not abort (s3rver has no AbortMultipartUpload) */
  abortUnsupported: number;
}

/** Fails pending records older than PENDING_MAX_AGE_SECONDS, via the pending-by-age index (never a scan). */
export async function cleanupPending(deps: Deps, batch = 100): Promise<CleanupResult> {
  const before = new Date(deps.now().getTime() - deps.config.pendingMaxAgeSeconds * 1000).toISOString();
  const result: CleanupResult = { expired: [], abortUnsupported: 0 };
  // Bounded passes: each fails what it found, so the next query starts past them.
  for (let pass = 0; pass < 20; pass++) {
    const stale = await deps.storage.listPending({ createdBefore: before, limit: batch });
    if (stale.length === 0) break;
    for (const item of stale) {
      if (item.uploadId && (await abortMultipart(deps, item.key, item.uploadId)) === 'unsupported') result.abortUnsupported++;
      const hours = Math.round((deps.config.pendingMaxAgeSeconds / 3600) * 10) / 10;
      const error = { code: 'UPLOAD_EXPIRED' as const, message: `The upload did not finish within ${hours} h` };
      if (await deps.storage.failPending(item.mediaId, error, deps.now().toISOString())) {
        result.expired.push(item.mediaId);
        // Usually there is no object (the upload never finished); a single PUT may have landed late.
        await tagFailedOriginalQuietly(deps, item.key);
      }
    }
    if (stale.length < batch) break;
  }
  return result;
}

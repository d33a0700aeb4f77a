/**
 * Runs the embedded backend in this process: what `ferry backend` does, and what every other way of
 * starting one (launch.ts) ends up running in a child. The only file in main/ that imports
 * backend-lambda (eslint.config.js forbids it everywhere else).
 */
import { LOCAL_BUCKET, LOCAL_REGION, startEmbeddedBackend, type EmbeddedBackend, type EmbeddedBackendOptions } from '../../backend-lambda/local/index.ts';
import { loadS3Key } from '../../backend-lambda/local/s3-key.ts';

export type { EmbeddedBackend, EmbeddedBackendOptions };

/** The embedded S3 store's bucket, region and per-install key (made on first use), for `ferry backend --print-credentials`. */
export async function embeddedS3Credentials(backendDir: string): Promise<{ bucket: string; region: string; accessKeyId: string; secretAccessKey: string }> {
  const key = await loadS3Key(backendDir);
  return { bucket: LOCAL_BUCKET, region: LOCAL_REGION, ...key };
}

/** Starts s3rver, dynalite, the API and event dispatch here; resolves once `backend.json` (the readiness signal) is written. */
export function runBackendHere(opts: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
  return startEmbeddedBackend(opts);
}

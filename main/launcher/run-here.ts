/**
 * Runs the embedded backend in this process: what `ferry backend` does, and what every other way of
 * starting one (launch.ts) ends up running in a child. The only file in main/ that imports
 * backend-lambda (eslint.config.js forbids it everywhere else).
 */
import { startEmbeddedBackend, type EmbeddedBackend, type EmbeddedBackendOptions } from '../../backend-lambda/local/index.ts';

export type { EmbeddedBackend, EmbeddedBackendOptions };

/** Starts s3rver, dynalite, the API and event dispatch here; resolves once `backend.json` (the readiness signal) is written. */
export function runBackendHere(opts: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
  return startEmbeddedBackend(opts);
}

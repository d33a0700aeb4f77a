/** Scheduled: fails records left pending past PENDING_MAX_AGE_SECONDS. */
import { envDeps, type Deps } from '../lib/deps.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { cleanupPending } from '../lib/cleanup.ts';

export function withDeps(deps: Deps) {
  return async () => cleanupPending(deps);
}

export const handler = () => withDeps(envDeps(dynamoStorage))();

/** S3 ObjectCreated:* → process-upload. A thrown error makes Lambda retry the event (then its DLQ). */
import type { S3Event } from 'aws-lambda';
import { envDeps, type Deps } from '../lib/deps.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { createdKeys, processObject, type ProcessOutcome } from '../lib/process-upload.ts';

/** The handler over given deps (the embedded backend calls it with the same S3 event shape). */
export function withDeps(deps: Deps) {
  return async (event: S3Event): Promise<ProcessOutcome[]> => {
    const out: ProcessOutcome[] = [];
    for (const key of createdKeys(event)) out.push(await processObject(deps, key));
    return out;
  };
}

export const handler = (event: S3Event) => withDeps(envDeps(dynamoStorage))(event);

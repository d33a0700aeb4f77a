/** S3 ObjectCreated:* → process-upload. A thrown error makes Lambda retry the event (then its DLQ). */
import type { S3Event } from 'aws-lambda';
import { envDeps, type Deps } from '../lib/deps.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { createdKeys, failProcessing, processObject, type ProcessOutcome } from '../lib/process-upload.ts';

/** The handler over given deps (the embedded backend calls it with the same S3 event shape). */
export function withDeps(deps: Deps) {
  return async (event: S3Event): Promise<ProcessOutcome[]> => {
    const out: ProcessOutcome[] = [];
    for (const key of createdKeys(event)) out.push(await processObject(deps, key));
    return out;
  };
}

/** What to do with an event after its last try threw: each of its records becomes PROCESSING_FAILED (the embedded dispatcher; on AWS the DLQ consumer). */
export function giveUpWithDeps(deps: Deps) {
  return async (event: S3Event, err: unknown): Promise<ProcessOutcome[]> => {
    const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    const out: ProcessOutcome[] = [];
    for (const key of createdKeys(event)) out.push(await failProcessing(deps, key, reason));
    return out;
  };
}

export const handler = (event: S3Event) => withDeps(envDeps(dynamoStorage))(event);

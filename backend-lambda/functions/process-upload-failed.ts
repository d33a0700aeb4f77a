/**
 * The process-upload dead-letter queue's consumer (SPEC §5): Lambda's asynchronous invocation puts
 * an event there after its last retry, wrapped in an invocation record (`requestPayload` is the S3
 * event, `responsePayload` the error). Each of its records becomes `failed` with PROCESSING_FAILED.
 */
import type { S3Event, SQSEvent } from 'aws-lambda';
import { envDeps, type Deps } from '../lib/deps.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { createdKeys, failProcessing, type ProcessOutcome } from '../lib/upload-events.ts';

interface InvocationRecord {
  requestPayload?: S3Event;
  responsePayload?: { errorType?: string; errorMessage?: string };
  requestContext?: { condition?: string };
}

/** The handler over given deps. A message that is not an invocation record is logged and dropped. */
export function withDeps(deps: Deps) {
  return async (event: SQSEvent): Promise<ProcessOutcome[]> => {
    const out: ProcessOutcome[] = [];
    for (const message of event.Records) {
      let record: InvocationRecord;
      try {
        record = JSON.parse(message.body) as InvocationRecord;
      } catch {
        console.error('[process-upload-failed] not JSON, dropped', message.messageId);
        continue;
      }
      const why = record.responsePayload?.errorMessage ?? record.responsePayload?.errorType ?? record.requestContext?.condition ?? 'unknown error';
      // Logged whole: with the record failed, this line is the trace of what broke.
      console.error('[process-upload-failed]', JSON.stringify({ messageId: message.messageId, why, event: record.requestPayload }));
      for (const key of createdKeys(record.requestPayload ?? {})) out.push(await failProcessing(deps, key, why));
    }
    return out;
  };
}

export const handler = (event: SQSEvent) => withDeps(envDeps(dynamoStorage))(event);

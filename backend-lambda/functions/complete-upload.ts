import { completeUploadRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { toMedia } from '../lib/records.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { completeUploadWithHash } from '../lib/uploads.ts';

const fn = apiFunction({
  // Writes when the sha256 comes with the completion (lib/uploads.ts, completeUploadWithHash).
  storage: dynamoStorage,
  body: completeUploadRequest,
  run: async (deps, { userId, params, body }) => {
    const { record, duplicateOf } = await completeUploadWithHash(deps, userId, params.mediaId!, body.parts, body.sha256);
    return { status: 200, body: { media: await toMedia(deps, record), ...(duplicateOf ? { duplicateOf } : {}) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

import { apiFunction } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { abortUpload } from '../lib/uploads.ts';

const fn = apiFunction({
  storage: dynamoStorage,
  run: async (deps, { userId, params }) => {
    await abortUpload(deps, userId, params.mediaId!);
    return { status: 204 };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

import { batchUploadRequest } from '../../shared/api.ts';
import { requestAlbumUploads } from '../lib/batch-uploads.ts';
import { apiFunction } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';

const fn = apiFunction({
  storage: dynamoStorage,
  body: batchUploadRequest,
  run: async (deps, { userId, params, body }) => ({ status: 200, body: { results: await requestAlbumUploads(deps, userId, params.albumId!, body.files) } }),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

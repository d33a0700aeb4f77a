import { albumUploadRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { requestAlbumUpload } from '../lib/uploads.ts';

const fn = apiFunction({
  storage: dynamoStorage,
  body: albumUploadRequest,
  run: (deps, { userId, params, body }) => requestAlbumUpload(deps, userId, params.albumId!, body),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

import { avatarUploadRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { requestAvatarUpload } from '../lib/uploads.ts';

const fn = apiFunction({
  storage: dynamoStorage,
  body: avatarUploadRequest,
  run: (deps, { userId, body }) => requestAvatarUpload(deps, userId, body),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

import { avatarUploadRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { requestAvatarUpload } from '../lib/uploads.ts';

const fn = apiFunction({
  body: avatarUploadRequest,
  run: (deps, { userId, body }) => requestAvatarUpload(deps, userId, body),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

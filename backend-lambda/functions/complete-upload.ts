import { completeUploadRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { toMedia } from '../lib/records.ts';
import { completeUpload } from '../lib/uploads.ts';

const fn = apiFunction({
  body: completeUploadRequest,
  run: async (deps, { userId, params, body }) => ({
    status: 200,
    body: { media: await toMedia(deps, await completeUpload(deps, userId, params.mediaId!, body.parts)) },
  }),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

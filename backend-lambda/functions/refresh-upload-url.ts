import { apiFunction } from '../lib/http.ts';
import { refreshUploadUrl } from '../lib/uploads.ts';

const fn = apiFunction({
  run: async (deps, { userId, params }) => ({ status: 200, body: { upload: await refreshUploadUrl(deps, userId, params.mediaId!) } }),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

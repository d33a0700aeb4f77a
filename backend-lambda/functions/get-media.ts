import { apiFunction } from '../lib/http.ts';
import { toMedia } from '../lib/records.ts';
import { ownedMedia } from '../lib/uploads.ts';

const fn = apiFunction({
  run: async (deps, { userId, params }) => ({ status: 200, body: { media: await toMedia(deps, await ownedMedia(deps, userId, params.mediaId!)) } }),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

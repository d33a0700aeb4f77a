import { mediaStatusRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { toMedia } from '../lib/records.ts';

const fn = apiFunction({
  body: mediaStatusRequest,
  run: async (deps, { userId, body }) => {
    // Unknown IDs and other users' media are left out rather than failing the whole poll.
    const items = (await deps.storage.getMediaBatch(body.mediaIds)).filter((m) => m.ownerId === userId);
    const order = new Map(body.mediaIds.map((id, i) => [id, i]));
    items.sort((a, b) => (order.get(a.mediaId) ?? 0) - (order.get(b.mediaId) ?? 0));
    return { status: 200, body: { media: await Promise.all(items.map((m) => toMedia(deps, m))) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

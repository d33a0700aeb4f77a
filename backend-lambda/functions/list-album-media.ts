import { apiFunction } from '../lib/http.ts';
import { ApiError, notFound } from '../lib/errors.ts';
import { toMedia } from '../lib/records.ts';

const fn = apiFunction({
  run: async (deps, { userId, params, query }) => {
    const albumId = params.albumId!;
    if (!(await deps.storage.getAlbum(userId, albumId))) throw notFound('album', albumId);
    const limit = query.limit === undefined ? 50 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ApiError('INVALID_REQUEST', 'limit must be 1..200', { field: 'limit' });
    const page = await deps.storage.listAlbumMedia(albumId, { cursor: query.cursor, limit });
    return { status: 200, body: { media: await Promise.all(page.items.map((m) => toMedia(deps, m))), nextCursor: page.nextCursor } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

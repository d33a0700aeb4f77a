import { createAlbumRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { putAlbum } from '../lib/store.ts';
import { toAlbum } from '../lib/records.ts';
import { keys } from '../lib/table.ts';

const fn = apiFunction({
  body: createAlbumRequest,
  run: async (deps, { userId, body }) => {
    const albumId = deps.newId();
    const now = deps.now().toISOString();
    const item = { ...keys.album(userId, albumId), type: 'album' as const, albumId, ownerId: userId, title: body.title, mediaCount: 0, createdAt: now, updatedAt: now };
    await putAlbum(deps, item);
    return { status: 201, body: { album: await toAlbum(deps, item) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

import { apiFunction } from '../lib/http.ts';
import { toAlbum } from '../lib/records.ts';

const fn = apiFunction({
  run: async (deps, { userId }) => {
    const albums = await deps.storage.listAlbums(userId);
    return { status: 200, body: { albums: await Promise.all(albums.map((a) => toAlbum(deps, a))) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

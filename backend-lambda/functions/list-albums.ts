import { apiFunction } from '../lib/http.ts';
import { listAlbums } from '../lib/store.ts';
import { toAlbum } from '../lib/records.ts';

const fn = apiFunction({
  run: async (deps, { userId }) => {
    const albums = await listAlbums(deps, userId);
    return { status: 200, body: { albums: await Promise.all(albums.map((a) => toAlbum(deps, a))) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

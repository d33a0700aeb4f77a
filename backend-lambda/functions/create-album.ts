import { createAlbumRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { toAlbum } from '../lib/records.ts';

const fn = apiFunction({
  storage: dynamoStorage,
  body: createAlbumRequest,
  run: async (deps, { userId, body }) => {
    const albumId = deps.newId();
    const now = deps.now().toISOString();
    const album = { albumId, ownerId: userId, title: body.title, mediaCount: 0, createdAt: now, updatedAt: now };
    // A fresh random ID never collides; a lost condition would be a broken ID source, not the client's doing.
    if (!(await deps.storage.createAlbum(album))) throw new Error(`Album ID ${albumId} already taken`);
    return { status: 201, body: { album: await toAlbum(deps, album) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

import { deleteMedia } from '../lib/delete-media.ts';
import { apiFunction } from '../lib/http.ts';
import { dynamoStorageWithDelete } from '../lib/storage/dynamo-storage-delete.ts';

const fn = apiFunction({
  storage: dynamoStorageWithDelete,
  run: async (deps, { userId, params }) => {
    await deleteMedia(deps, userId, params.mediaId!);
    return { status: 204 };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

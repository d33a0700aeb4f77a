import { apiFunction } from '../lib/http.ts';
import { toMedia } from '../lib/records.ts';

const fn = apiFunction({
  run: async (deps, { userId, params }) => {
    const items = (await deps.storage.listGenerationMedia(params.generationId!)).filter((m) => m.ownerId === userId);
    return { status: 200, body: { media: await Promise.all(items.map((m) => toMedia(deps, m))) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

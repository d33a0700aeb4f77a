import { signPartsRequest } from '../../shared/api.ts';
import { apiFunction } from '../lib/http.ts';
import { signParts } from '../lib/uploads.ts';

const fn = apiFunction({
  body: signPartsRequest,
  run: async (deps, { userId, params, body }) => ({ status: 200, body: { parts: await signParts(deps, userId, params.mediaId!, body.partNumbers, body.checksums) } }),
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

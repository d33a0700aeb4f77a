import { apiFunction } from '../lib/http.ts';

const fn = apiFunction({ auth: false, run: async () => ({ status: 200, body: { ok: true } }) });
export const handler = fn.handler;
export const withDeps = fn.withDeps;

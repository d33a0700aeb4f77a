import { authConfig } from '../lib/auth-config.ts';
import { apiFunction } from '../lib/http.ts';

// No auth: a client reads this before it has a token, to learn where to get one.
const fn = apiFunction({ auth: false, run: async (deps) => ({ status: 200, body: authConfig(deps.config) }) });
export const handler = fn.handler;
export const withDeps = fn.withDeps;

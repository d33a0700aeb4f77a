import { apiFunction } from '../lib/http.ts';
import { toUser } from '../lib/records.ts';
import { ensureUser, getUser } from '../lib/store.ts';

const fn = apiFunction({
  run: async (deps, { userId }) => {
    let user = await getUser(deps, userId);
    if (!user) {
      // On AWS the first request of a Cognito user creates the profile item.
      await ensureUser(deps, userId);
      user = await getUser(deps, userId);
    }
    return { status: 200, body: { user: await toUser(deps, user!) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

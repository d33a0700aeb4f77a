import { apiFunction } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { toUser } from '../lib/records.ts';

const fn = apiFunction({
  storage: dynamoStorage,
  run: async (deps, { userId }) => {
    let user = await deps.storage.getUser(userId);
    if (!user) {
      // On AWS the first request of a Cognito user creates the profile item.
      await deps.storage.ensureUser(userId, deps.now().toISOString());
      user = await deps.storage.getUser(userId);
    }
    return { status: 200, body: { user: await toUser(deps, user!) } };
  },
});
export const handler = fn.handler;
export const withDeps = fn.withDeps;

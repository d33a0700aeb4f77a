/** The embedded backend's one local user and its bearer token, kept under the data dir across restarts. */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { loadOrCreateSecret } from './private-files.ts';

export interface LocalIdentity {
  userId: string;
  token: string;
}

/** Reads `{backendDir}/identity.json`, creating it (mode 0600) on first start. */
export function loadIdentity(backendDir: string): Promise<LocalIdentity> {
  return loadOrCreateSecret(
    join(backendDir, 'identity.json'),
    (saved) => (typeof saved.userId === 'string' && typeof saved.token === 'string' ? { userId: saved.userId, token: saved.token } : undefined),
    () => ({ userId: randomUUID(), token: randomBytes(32).toString('base64url') }),
  );
}

/** The identity whose token the Authorization header carries (each compared in constant time). */
export function userOfBearer(header: string | undefined, identities: readonly LocalIdentity[]): LocalIdentity | undefined {
  let found: LocalIdentity | undefined;
  for (const id of identities) if (bearerMatches(header, id.token)) found ??= id;
  return found;
}

/** Constant-time comparison of an Authorization header against the token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!m) return false;
  const a = Buffer.from(m[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Which backend a queue row belongs to: the user and the API it was queued for, as one string
 * (`<userId>@<api>`), so rows of two backends or two accounts on one data directory never mix. The
 * data directory's own embedded backend is `embedded` (its port changes between runs; its user does not).
 */

/** The key rows are stamped with. */
export function backendKey(userId: string, api: string): string {
  return `${userId}@${api}`;
}

/** The API origin of a remote backend, normalised so `http://h:1/` and `http://h:1` are one backend. */
export function apiOrigin(apiUrl: string): string {
  return apiUrl.trim().replace(/\/+$/, '').toLowerCase();
}

/** A key as a person reads it: "http://127.0.0.1:4000 (user 3f2a9c1e)". */
export function describeBackend(key: string): string {
  const at = key.indexOf('@');
  if (at < 0) return key;
  const api = key.slice(at + 1);
  return `${api === 'embedded' ? 'the embedded backend' : api} (user ${key.slice(0, Math.min(at, 8))})`;
}

/**
 * The token provider over a fake token endpoint and a fake clock: renewal ahead of expiry, one
 * refresh for many callers, one retry on 401, and a refused refresh token turning into one "sign in
 * again" and fail-fast calls until a new login appears. Plus the API client's 401 path and the
 * saved-login stores (file mode, the keychain codec over a fake safeStorage).
 */
import { describe, expect, it } from 'vitest';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileCredentialStore, loginsFile, type CredentialStore, type StoredLogin } from '../../main/auth/credentials.ts';
import { safeStorageCodec, type SafeStorageLike } from '../../main/auth/keychain.ts';
import { LoginTokenProvider } from '../../main/auth/token-provider.ts';
import { createApiClient } from '../../main/engine/api-client.ts';
import { AuthRequiredError, HttpError, NetworkError } from '../../main/engine/errors.ts';
import { classify } from '../../main/engine/retry.ts';

const API = 'https://api.example.test';
const login: StoredLogin = {
  apiUrl: API,
  issuer: 'https://idp.example.test',
  clientId: 'client-1',
  tokenEndpoint: 'https://idp.example.test/oauth2/token',
  refreshToken: 'refresh-1',
  savedAt: '2026-01-01T00:00:00.000Z',
};

function memoryStore(initial?: StoredLogin): CredentialStore & { current: StoredLogin | undefined } {
  const s = {
    kind: 'file' as const,
    current: initial,
    load: async () => s.current,
    save: async (l: StoredLogin) => void (s.current = l),
    remove: async () => void (s.current = undefined),
  };
  return s;
}

/** A token endpoint: answers `plan` in order (a status and body, or a thrown network error). */
function tokenEndpoint(plan: ({ status: number; body: unknown } | 'network')[]) {
  const calls: URLSearchParams[] = [];
  let n = 0;
  const fetch = async (_url: string, init?: RequestInit) => {
    calls.push(new URLSearchParams(String(init?.body)));
    const step = plan[Math.min(n++, plan.length - 1)]!;
    if (step === 'network') throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    return new Response(JSON.stringify(step.body), { status: step.status, headers: { 'content-type': 'application/json' } });
  };
  return { fetch, calls };
}

const ok = (token: string, expiresIn = 600) => ({ status: 200, body: { access_token: token, expires_in: expiresIn, token_type: 'Bearer' } });
const revoked = { status: 400, body: { error: 'invalid_grant', error_description: 'Refresh Token has been revoked' } };

describe('LoginTokenProvider', () => {
  it('reuses the token until the refresh margin, then renews it; concurrent callers share one refresh', async () => {
    let now = 1_000_000;
    const idp = tokenEndpoint([ok('a1'), ok('a2')]);
    const p = new LoginTokenProvider({ apiUrl: API, store: memoryStore(login), fetch: idp.fetch, now: () => now, refreshAheadMs: 60_000 });
    expect(await Promise.all([p.getToken(), p.getToken(), p.getToken()])).toEqual(['a1', 'a1', 'a1']);
    expect(idp.calls).toHaveLength(1);
    expect(Object.fromEntries(idp.calls[0]!)).toEqual({ grant_type: 'refresh_token', client_id: 'client-1', refresh_token: 'refresh-1' });
    now += 539_000; // 61 s before expiry
    expect(await p.getToken()).toBe('a1');
    now += 2_000; // 59 s before expiry: inside the margin
    expect(await p.getToken()).toBe('a2');
    expect(idp.calls).toHaveLength(2);
  });

  it('caps the margin at half the lifetime, so short-lived tokens are not refreshed on every call', async () => {
    let now = 0;
    const idp = tokenEndpoint([ok('a1', 4), ok('a2', 4)]);
    const p = new LoginTokenProvider({ apiUrl: API, store: memoryStore(login), fetch: idp.fetch, now: () => now });
    await p.getToken();
    now = 1_900;
    expect(await p.getToken()).toBe('a1');
    now = 2_100;
    expect(await p.getToken()).toBe('a2');
  });

  it('a 401 gets one fresh token; a 401 for that one too loses the login, once', async () => {
    const signedOut: string[] = [];
    const idp = tokenEndpoint([ok('a1'), ok('a2'), ok('a3')]);
    const p = new LoginTokenProvider({ apiUrl: API, store: memoryStore(login), fetch: idp.fetch, onSignedOut: (m) => signedOut.push(m) });
    const t1 = await p.getToken();
    expect(await p.rejected(t1)).toBe('a2');
    // a caller still holding the old token gets the new one without another refresh
    expect(await p.rejected(t1)).toBe('a2');
    await expect(p.rejected('a2')).rejects.toBeInstanceOf(AuthRequiredError);
    expect(signedOut).toHaveLength(1);
    expect(signedOut[0]).toContain(`ferry login --api ${API}`);
    // the same refresh token is not tried again until a new login replaces it
    await expect(p.getToken()).rejects.toBeInstanceOf(AuthRequiredError);
    expect(idp.calls).toHaveLength(2);
  });

  it('a refused refresh token says "sign in again" once, fails fast after, and a new login brings it back', async () => {
    const signedOut: string[] = [];
    let signedIn = 0;
    const store = memoryStore(login);
    const idp = tokenEndpoint([revoked, ok('b1')]);
    const p = new LoginTokenProvider({ apiUrl: API, store, fetch: idp.fetch, onSignedOut: (m) => signedOut.push(m), onSignedIn: () => signedIn++ });
    const err = await p.getToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthRequiredError);
    expect(classify(err, 'api')).toBe('aborted'); // the engine requeues, never fails, the file
    expect((err as Error).message).toMatch(/^Sign in again: run `ferry login --api https:\/\/api\.example\.test` \(the saved login was refused: invalid_grant/);
    expect(await p.check()).toBe(false);
    expect(idp.calls).toHaveLength(1);
    expect(signedOut).toHaveLength(1);
    store.current = { ...login, refreshToken: 'refresh-2' };
    expect(await p.check()).toBe(true);
    expect(signedIn).toBe(1);
    expect(idp.calls[1]!.get('refresh_token')).toBe('refresh-2');
  });

  it('an unreachable identity provider is an outage (retried), not a lost login', async () => {
    const signedOut: string[] = [];
    const idp = tokenEndpoint(['network', { status: 503, body: {} }, ok('c1')]);
    const p = new LoginTokenProvider({ apiUrl: API, store: memoryStore(login), fetch: idp.fetch, onSignedOut: (m) => signedOut.push(m) });
    await expect(p.getToken()).rejects.toBeInstanceOf(NetworkError);
    await expect(p.getToken()).rejects.toBeInstanceOf(NetworkError);
    expect(await p.getToken()).toBe('c1');
    expect(signedOut).toEqual([]);
  });

  it('persists a rotated refresh token before using the new access token', async () => {
    const store = memoryStore(login);
    const idp = tokenEndpoint([{ status: 200, body: { access_token: 'd1', refresh_token: 'refresh-rotated', expires_in: 600 } }]);
    await new LoginTokenProvider({ apiUrl: API, store, fetch: idp.fetch }).getToken();
    expect(store.current?.refreshToken).toBe('refresh-rotated');
  });
});

describe('api client with a token source', () => {
  const albums = () => new Response(JSON.stringify({ albums: [] }), { status: 200 });
  const unauthorized = () => new Response(JSON.stringify({ message: 'Unauthorized' }), { status: 401 });

  it('retries once with a fresh token after a 401', async () => {
    const seen: string[] = [];
    const answers = [unauthorized(), albums()];
    const client = createApiClient({
      baseUrl: API,
      token: { getToken: async () => 'old', rejected: async () => 'new' },
      fetch: async (_u, init) => (seen.push(new Headers(init.headers).get('authorization')!), answers.shift()!),
    });
    expect(await client.listAlbums()).toEqual([]);
    expect(seen).toEqual(['Bearer old', 'Bearer new']);
  });

  it('a fixed token keeps the old behaviour: a 401 is an HttpError, not retried', async () => {
    let calls = 0;
    const client = createApiClient({ baseUrl: API, token: 't', fetch: async () => (calls++, unauthorized()) });
    await expect(client.listAlbums()).rejects.toBeInstanceOf(HttpError);
    expect(calls).toBe(1);
  });
});

describe('saved logins', () => {
  it('writes 0600 in a 0700 folder, keyed by API URL with or without a trailing slash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-creds-'));
    const store = fileCredentialStore(dir);
    await store.save({ ...login, apiUrl: `${API}/` });
    expect((await stat(loginsFile(dir))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'auth'))).mode & 0o777).toBe(0o700);
    expect((await store.load(API))?.refreshToken).toBe('refresh-1');
    await store.remove(`${API}/`);
    expect(await store.load(API)).toBeUndefined();
  });

  it('the desktop store encrypts with safeStorage, and falls back to plain when Linux has no keyring', async () => {
    const fake = (backend: string, available = true): SafeStorageLike => ({
      isEncryptionAvailable: () => available,
      encryptString: (s) => Buffer.from(`enc:${Buffer.from(s).toString('base64')}`),
      decryptString: (b) => Buffer.from(b.toString().slice(4), 'base64').toString(),
      getSelectedStorageBackend: () => backend,
    });
    const dir = await mkdtemp(join(tmpdir(), 'ferry-keychain-'));
    const codec = safeStorageCodec(fake('gnome_libsecret'));
    expect(codec.kind).toBe('keychain');
    await fileCredentialStore(dir, codec).save(login);
    const raw = await readFile(loginsFile(dir, 'keychain'), 'utf8');
    expect(raw.startsWith('enc:')).toBe(true);
    expect(raw).not.toContain('refresh-1');
    expect((await fileCredentialStore(dir, codec).load(API))?.refreshToken).toBe('refresh-1');
    // the CLI's plain store neither reads nor clobbers the encrypted file
    expect(await fileCredentialStore(dir).load(API)).toBeUndefined();
    expect(safeStorageCodec(fake('basic_text')).kind).toBe('file');
    expect(safeStorageCodec(fake('unknown', false)).kind).toBe('file');
  });
});

/**
 * `ferry login` and `ferry logout` as functions (the CLI commands are their flag parsing; tests call
 * these with a `present` that drives the authorize step without a browser).
 */
import { spawn } from 'node:child_process';
import type { AuthConfig } from '../../shared/api.ts';
import { createApiClient } from '../engine/api-client.ts';
import { apiKey, type CredentialStore, type StoredLogin } from './credentials.ts';
import { loopbackLogin } from './loopback.ts';
import { discoverEndpoints, fetchAuthConfig, revokeToken, type FetchLike } from './oidc.ts';

/** What `--issuer`/`--client-id` stand for when the API has no `GET /auth/config` (any RFC 8252 server). */
export function manualAuthConfig(issuer: string, clientId: string, scopes = ['openid', 'email']): AuthConfig {
  return { issuer, clientId, scopes, redirectUris: ['http://127.0.0.1/callback'] };
}

export interface LoginOptions {
  apiUrl: string;
  store: CredentialStore;
  /** skips discovery through `GET /auth/config` */
  config?: AuthConfig;
  present(url: string): void | Promise<void>;
  fetch?: FetchLike;
  timeoutMs?: number;
}

/** Signs in through the browser, checks that the API accepts the token, saves the login. */
export async function login(opts: LoginOptions): Promise<{ login: StoredLogin; subject: string | undefined }> {
  const config = opts.config ?? (await fetchAuthConfig(opts.apiUrl, opts.fetch));
  const endpoints = await discoverEndpoints(config.issuer, opts.fetch);
  const tokens = await loopbackLogin({ config, endpoints, present: opts.present, ...(opts.fetch ? { fetch: opts.fetch } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
  if (!tokens.refreshToken) throw new Error(`${config.issuer} issued no refresh token; the login would end in an hour. Is the app client allowed to refresh?`);
  // Only a login the API accepts is worth keeping: a wrong client ID or pool shows up here, not at 3 a.m.
  await createApiClient({ baseUrl: opts.apiUrl, token: tokens.accessToken, ...(opts.fetch ? { fetch: opts.fetch } : {}) }).listAlbums();
  const saved: StoredLogin = {
    apiUrl: apiKey(opts.apiUrl),
    issuer: endpoints.issuer,
    clientId: config.clientId,
    tokenEndpoint: endpoints.tokenEndpoint,
    ...(endpoints.revocationEndpoint ? { revocationEndpoint: endpoints.revocationEndpoint } : {}),
    refreshToken: tokens.refreshToken,
    savedAt: new Date().toISOString(),
  };
  await opts.store.save(saved);
  return { login: saved, subject: claim(tokens.idToken ?? tokens.accessToken, ['email', 'username', 'sub']) };
}

/** Revokes the saved refresh token (RFC 7009) and forgets the login; says what it could not do. */
export async function logout(apiUrl: string, store: CredentialStore, doFetch?: FetchLike): Promise<{ found: boolean; revoked: boolean; warning?: string }> {
  const saved = await store.load(apiUrl);
  if (!saved) return { found: false, revoked: false };
  let warning: string | undefined;
  let revoked = false;
  if (saved.revocationEndpoint) {
    try {
      await revokeToken(saved.revocationEndpoint, saved.clientId, saved.refreshToken, doFetch);
      revoked = true;
    } catch (err) {
      warning = `could not revoke the login at ${saved.revocationEndpoint} (${(err as Error).message}); it stays valid at the server until it expires`;
    }
  } else {
    warning = `${saved.issuer} has no revocation endpoint; the login stays valid at the server until it expires`;
  }
  // Forgotten here either way: the user asked for this machine to be signed out.
  await store.remove(apiUrl);
  return { found: true, revoked, ...(warning ? { warning } : {}) };
}

function claim(jwt: string, names: string[]): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
    for (const n of names) if (typeof payload[n] === 'string') return payload[n];
  } catch {
    // not a JWT: nothing to show
  }
  return undefined;
}

/**
 * Opens the system browser on `url` (RFC 8252 §4: the user's own browser, never an embedded view).
 * False when there is no graphical session to open one in; the caller prints the URL regardless.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  const command =
    platform === 'darwin'
      ? ['open', url]
      : platform === 'win32'
        ? ['rundll32', 'url.dll,FileProtocolHandler', url]
        : env.DISPLAY || env.WAYLAND_DISPLAY
          ? ['xdg-open', url]
          : undefined;
  if (!command) return false;
  try {
    const child = spawn(command[0]!, command.slice(1), { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

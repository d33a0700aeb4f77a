/**
 * The OAuth 2.0 / OpenID Connect calls of a native app (RFC 8252) against the user pool: discovery,
 * PKCE (RFC 7636), the code exchange, refresh and revocation (RFC 7009). Plain `fetch`, injected so
 * the tests drive it against a loopback OIDC server; no OIDC library, since these are five small
 * form posts and each one's failure has to be told apart (a revoked login vs. a network outage).
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { authConfigResponse, type AuthConfig } from '../../shared/api.ts';
import { NetworkError } from '../engine/errors.ts';

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** The endpoints of the issuer's discovery document that a native client uses. */
export interface OidcEndpoints {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  /** absent when the server cannot revoke (logout then only forgets the login locally) */
  revocationEndpoint?: string;
}

/** What a token endpoint answered, with the expiry turned into a wall-clock time. */
export interface TokenSet {
  accessToken: string;
  /** Cognito answers a refresh without a new refresh token; a rotating server sends one */
  refreshToken?: string;
  idToken?: string;
  /** epoch ms when the access token stops being accepted */
  expiresAt: number;
}

/** The server refused the grant (RFC 6749 §5.2 `invalid_grant`, ...): the login is gone, sign in again. */
export class GrantRejectedError extends Error {
  readonly oauthError: string;
  constructor(oauthError: string, description: string | undefined) {
    super(description ? `${oauthError}: ${description}` : oauthError);
    this.name = 'GrantRejectedError';
    this.oauthError = oauthError;
  }
}

const discoveryDocument = z.object({
  issuer: z.string(),
  authorization_endpoint: z.string(),
  token_endpoint: z.string(),
  revocation_endpoint: z.string().optional(),
});

const tokenResponse = z.object({
  access_token: z.string().min(1),
  refresh_token: z.string().optional(),
  id_token: z.string().optional(),
  expires_in: z.coerce.number().optional(),
  token_type: z.string().optional(),
});

const oauthError = z.object({ error: z.string(), error_description: z.string().optional() });

async function send(doFetch: FetchLike, url: string, init?: RequestInit): Promise<Response> {
  try {
    return await doFetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    throw new NetworkError(`${url}: ${code ?? (err as Error).message}`, code, { cause: err });
  }
}

async function getJson(doFetch: FetchLike, url: string): Promise<unknown> {
  const res = await send(doFetch, url, { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return res.json();
}

/** `GET {api}/auth/config`: the issuer and app client a deployed Ferry API trusts. */
export async function fetchAuthConfig(apiUrl: string, doFetch: FetchLike = fetch): Promise<AuthConfig> {
  const url = `${apiUrl.replace(/\/+$/, '')}/auth/config`;
  const res = await send(doFetch, url, { headers: { accept: 'application/json' } });
  if (res.status === 404) {
    throw new Error(`${apiUrl} has no sign-in configured (GET /auth/config: 404); pass --issuer and --client-id, or use --token`);
  }
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return authConfigResponse.parse(await res.json());
}

/** Reads `{issuer}/.well-known/openid-configuration` (OpenID Connect Discovery 1.0 §4). */
export async function discoverEndpoints(issuer: string, doFetch: FetchLike = fetch): Promise<OidcEndpoints> {
  const doc = discoveryDocument.parse(await getJson(doFetch, `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`));
  // §4.3: the document must name the issuer it was fetched for, or tokens would be checked against the wrong one.
  if (doc.issuer.replace(/\/+$/, '') !== issuer.replace(/\/+$/, '')) throw new Error(`discovery document of ${issuer} names issuer ${doc.issuer}`);
  return {
    issuer: doc.issuer,
    authorizationEndpoint: doc.authorization_endpoint,
    tokenEndpoint: doc.token_endpoint,
    ...(doc.revocation_endpoint ? { revocationEndpoint: doc.revocation_endpoint } : {}),
  };
}

/** A PKCE verifier (32 random bytes, base64url: 43 characters) and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorization request URL the browser opens (RFC 6749 §4.1.1 with PKCE). */
export function authorizeUrl(endpoints: OidcEndpoints, p: { clientId: string; redirectUri: string; scopes: string[]; state: string; challenge: string }): string {
  const url = new URL(endpoints.authorizationEndpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', p.clientId);
  url.searchParams.set('redirect_uri', p.redirectUri);
  url.searchParams.set('scope', p.scopes.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', p.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.href;
}

/** The `exp` claim of a JWT, in epoch ms, without verifying it (the API does that). */
function jwtExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function tokenRequest(doFetch: FetchLike, endpoint: string, form: Record<string, string>, now: number): Promise<TokenSet> {
  const res = await send(doFetch, endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  if (!res.ok) {
    const parsed = oauthError.safeParse(safeJson(text));
    // RFC 6749 §5.2: a 400/401 with an OAuth error code is the server's final word on this grant;
    // anything else (a 5xx, a proxy's HTML) is an outage and worth retrying later.
    if ((res.status === 400 || res.status === 401) && parsed.success) throw new GrantRejectedError(parsed.data.error, parsed.data.error_description);
    throw new NetworkError(`POST ${endpoint}: HTTP ${res.status}`, `HTTP_${res.status}`);
  }
  const body = tokenResponse.parse(safeJson(text));
  const expiresAt = body.expires_in !== undefined ? now + body.expires_in * 1000 : (jwtExpiry(body.access_token) ?? now + 5 * 60_000);
  return {
    accessToken: body.access_token,
    expiresAt,
    ...(body.refresh_token ? { refreshToken: body.refresh_token } : {}),
    ...(body.id_token ? { idToken: body.id_token } : {}),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Exchanges an authorization code and its PKCE verifier for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export function exchangeCode(
  endpoints: OidcEndpoints,
  p: { clientId: string; code: string; redirectUri: string; verifier: string },
  doFetch: FetchLike = fetch,
  now = Date.now(),
): Promise<TokenSet> {
  return tokenRequest(doFetch, endpoints.tokenEndpoint, {
    grant_type: 'authorization_code',
    client_id: p.clientId,
    code: p.code,
    redirect_uri: p.redirectUri,
    code_verifier: p.verifier,
  }, now);
}

/** Trades a refresh token for a fresh access token (RFC 6749 §6); GrantRejectedError when it is revoked or expired. */
export function refreshTokens(tokenEndpoint: string, clientId: string, refreshToken: string, doFetch: FetchLike = fetch, now = Date.now()): Promise<TokenSet> {
  return tokenRequest(doFetch, tokenEndpoint, { grant_type: 'refresh_token', client_id: clientId, refresh_token: refreshToken }, now);
}

/** Revokes a refresh token (RFC 7009 §2.1). A public client sends its client_id, as Cognito requires. */
export async function revokeToken(revocationEndpoint: string, clientId: string, token: string, doFetch: FetchLike = fetch): Promise<void> {
  const res = await send(doFetch, revocationEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: 'refresh_token', client_id: clientId }).toString(),
  });
  // RFC 7009 §2.2: an unknown or already invalid token also answers 200, so anything else is a failure.
  if (!res.ok) throw new Error(`POST ${revocationEndpoint}: HTTP ${res.status} ${await res.text().catch(() => '')}`.trim());
}

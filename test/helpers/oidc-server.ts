/**
 * A real OAuth 2.0 / OIDC server on 127.0.0.1 for the login tests (oauth2-mock-server: discovery,
 * JWKS, authorize with PKCE, token), shaped like the Cognito user pool the stack deploys:
 * - access tokens carry `client_id` and no `aud` (Cognito's access token), ID tokens `aud`;
 * - access tokens live `accessTtlSeconds` (short, so a test sees them expire);
 * - refresh tokens are remembered, do not rotate (Cognito's default), and a revoked or unknown one
 *   is refused with `invalid_grant`;
 * - revocation (RFC 7009) really revokes: the package's own /revoke ignores its body, so a route
 *   that reads it replaces it in the discovery document.
 */
import { OAuth2Server, type MutableResponse, type MutableToken, type TokenRequestIncomingMessage } from 'oauth2-mock-server';

export interface OidcTestServer {
  issuer: string;
  clientId: string;
  /** refresh_token grants answered with new tokens */
  readonly refreshes: number;
  /** tokens sent to the revocation endpoint */
  readonly revoked: ReadonlySet<string>;
  /** refresh tokens handed out by sign-ins */
  readonly issuedRefreshTokens: readonly string[];
  setAccessTtl(seconds: number): void;
  /** revokes a refresh token as an administrator would (AdminUserGlobalSignOut), outside the client */
  revoke(refreshToken: string): void;
  /** the next access token is already expired when issued (a client clock ahead of the server's) */
  expireNextAccessToken(): void;
  /** follows the authorize URL as a browser would, up to the loopback callback */
  completeInBrowser(authorizeUrl: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server on a free loopback port. */
export async function startOidcServer(opts: { clientId?: string; accessTtlSeconds?: number; subject?: string } = {}): Promise<OidcTestServer> {
  const clientId = opts.clientId ?? 'ferry-test-client';
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const issuer = server.issuer.url!;
  let ttl = opts.accessTtlSeconds ?? 3600;
  let expireNext = false;
  let refreshes = 0;
  const revoked = new Set<string>();
  const issued: string[] = [];

  server.service.on('beforeTokenSigning', (token: MutableToken) => {
    const p = token.payload;
    p.sub = opts.subject ?? 'user-7f3c';
    if (p.aud === undefined) {
      p.client_id = clientId;
      p.token_use = 'access';
      p.exp = (p.iat as number) + (expireNext ? -5 : ttl);
      expireNext = false;
    } else {
      p.token_use = 'id';
      p.email = 'creator@example.com';
    }
  });
  server.service.on('beforeResponse', (res: MutableResponse, req: TokenRequestIncomingMessage) => {
    const body = req.body as unknown as Record<string, string>;
    if (body.grant_type === 'refresh_token') {
      if (revoked.has(body.refresh_token!) || !issued.includes(body.refresh_token!)) {
        res.statusCode = 400;
        res.body = { error: 'invalid_grant', error_description: 'Refresh Token has been revoked' };
        return;
      }
      refreshes++;
      // Cognito answers a refresh with new access and ID tokens and no refresh token.
      delete (res.body as Record<string, unknown>).refresh_token;
    } else if (typeof (res.body as Record<string, unknown>).refresh_token === 'string') {
      issued.push((res.body as Record<string, string>).refresh_token!);
    }
    (res.body as Record<string, unknown>).expires_in = ttl;
  });
  server.service.addRoute('POST', '/oauth2/revoke', (req, res) => {
    const body = req.body as Record<string, string> | undefined;
    if (!body?.token || body.client_id !== clientId) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_request' }));
      return;
    }
    revoked.add(body.token);
    res.writeHead(200).end();
  });
  server.service.on('beforeWellKnownOpenIdConfiguration', (doc: MutableResponse) => {
    (doc.body as Record<string, unknown>).revocation_endpoint = `${issuer}/oauth2/revoke`;
  });

  return {
    issuer,
    clientId,
    get refreshes() {
      return refreshes;
    },
    revoked,
    issuedRefreshTokens: issued,
    setAccessTtl: (s) => (ttl = s),
    revoke: (t) => revoked.add(t),
    expireNextAccessToken: () => (expireNext = true),
    completeInBrowser: async (authorizeUrl) => {
      const res = await fetch(authorizeUrl, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
      const callback = await fetch(location);
      if (!callback.ok) throw new Error(`the loopback callback answered ${callback.status}: ${await callback.text()}`);
    },
    stop: () => server.stop(),
  };
}

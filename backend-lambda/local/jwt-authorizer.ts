/**
 * The embedded backend's stand-in for API Gateway's JWT authorizer, for when it is pointed at an
 * OpenID Connect issuer instead of its local token. It checks what the AWS one checks
 * (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html): a `kid` that
 * is in the issuer's JWKS, an RSA signature, `exp`/`nbf`/`iat`, `iss` equal to the issuer, and
 * `aud` (or, only when there is no `aud`, `client_id`) among the audiences. The claims it returns are
 * what API Gateway puts at `requestContext.authorizer.jwt.claims`; the handlers read `sub`.
 */
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ApiError } from '../lib/errors.ts';

export interface JwtAuthorizerOptions {
  issuer: string;
  /** the app client IDs whose tokens are accepted */
  audience: string[];
}

/** Verifies `Authorization: Bearer <jwt>`; throws UNAUTHORIZED with the reason API Gateway would give. */
export type Authorize = (authorization: string | undefined) => Promise<JWTPayload & { sub: string }>;

/** Builds the verifier; the JWKS URL comes from the issuer's discovery document, fetched on first use. */
export function jwtAuthorizer(opts: JwtAuthorizerOptions): Authorize {
  const issuer = opts.issuer.replace(/\/+$/, '');
  let jwks: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = () =>
    (jwks ??= (async () => {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (!res.ok) throw new Error(`discovery of ${issuer}: HTTP ${res.status}`);
      const { jwks_uri: uri } = (await res.json()) as { jwks_uri?: string };
      if (!uri) throw new Error(`discovery of ${issuer} names no jwks_uri`);
      // jose caches the keys and refetches on an unknown kid (rate-limited), as API Gateway does on rotation.
      return createRemoteJWKSet(new URL(uri));
    })().catch((err: unknown) => {
      jwks = undefined;
      throw err;
    }));

  return async (authorization) => {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!m) throw new ApiError('UNAUTHORIZED', authorization ? 'The Authorization header is not a Bearer token' : 'Missing Authorization: Bearer token');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(m[1]!, await keySet(), {
        issuer: [issuer, `${issuer}/`],
        // "Currently, only RSA-based algorithms are supported" (the page above).
        algorithms: ['RS256', 'RS384', 'RS512'],
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new ApiError('UNAUTHORIZED', `The token is not valid: ${(err as Error).message}`);
    }
    if (typeof payload.iat === 'number' && payload.iat * 1000 > Date.now() + 5_000) throw new ApiError('UNAUTHORIZED', 'The token is not valid: iat is in the future');
    // "API Gateway validates client_id only if aud is not present. When both aud and client_id are
    // present, API Gateway evaluates aud." (http-api-troubleshooting-jwt.html)
    const audiences = payload.aud === undefined ? [payload.client_id] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (!audiences.some((a) => typeof a === 'string' && opts.audience.includes(a))) throw new ApiError('UNAUTHORIZED', 'The token does not have a valid audience');
    if (typeof payload.sub !== 'string' || !payload.sub) throw new ApiError('UNAUTHORIZED', 'The token has no subject');
    return payload as JWTPayload & { sub: string };
  };
}

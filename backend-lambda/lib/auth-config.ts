/** `GET /auth/config`: how a native client signs in (RFC 8252), from OIDC_* settings. */
import type { AuthConfig } from '../../shared/api.ts';
import type { BackendConfig } from './config.ts';
import { ApiError } from './errors.ts';

/** The sign-in settings the API trusts; 404 on a backend that uses its own local token instead. */
export function authConfig(config: BackendConfig): AuthConfig {
  if (!config.oidc) throw new ApiError('NOT_FOUND', 'This backend does not sign in through OpenID Connect; use its token');
  return config.oidc;
}

/**
 * The API client's bearer token, from a saved login: an access token minted from the refresh token,
 * renewed ahead of its expiry and once more when the API answers 401. When the identity provider
 * refuses the refresh token (revoked, expired, user disabled) the provider says "sign in again"
 * once, through `onSignedOut`, and every later call fails fast with AuthRequiredError until a new
 * `ferry login` writes another refresh token, which it notices by itself.
 */
import { AuthRequiredError } from '../engine/errors.ts';
import type { CredentialStore } from './credentials.ts';
import { GrantRejectedError, refreshTokens, type FetchLike } from './oidc.ts';

/** Where the API client gets its Authorization header from. */
export interface TokenSource {
  /** a token that is still valid for a while */
  getToken(): Promise<string>;
  /** the API refused `token` with 401: a fresh one, or AuthRequiredError when there is none to be had */
  rejected(token: string): Promise<string>;
}

export interface LoginTokenProviderOptions {
  apiUrl: string;
  store: CredentialStore;
  fetch?: FetchLike;
  now?: () => number;
  /** renew this long before expiry (default 60 s; at most half the token's lifetime) */
  refreshAheadMs?: number;
  /** the login is gone; called once per loss, with the sentence to show the user */
  onSignedOut?(message: string): void;
  /** a new login was found after a loss */
  onSignedIn?(): void;
}

interface Current {
  token: string;
  expiresAt: number;
  obtainedAt: number;
  /** minted because the API refused the previous one: a 401 for this one is not about expiry */
  afterRejection: boolean;
}

/** The sentence every client shows when the login is gone. */
export function signInAgainMessage(apiUrl: string, reason: string): string {
  return `Sign in again: run \`ferry login --api ${apiUrl}\` (${reason}). Queued files are kept and continue after sign-in.`;
}

/** A TokenSource over a saved login (see the module comment). */
export class LoginTokenProvider implements TokenSource {
  private current: Current | undefined;
  private inflight: Promise<string> | undefined;
  /** the refresh token that was refused, so a retry does not hammer the token endpoint with it */
  private lost: { refreshToken: string | undefined; message: string } | undefined;
  private readonly now: () => number;
  private usedRefreshToken: string | undefined;

  private readonly o: LoginTokenProviderOptions;

  constructor(o: LoginTokenProviderOptions) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  /** True while the login is known to be gone. */
  get signedOut(): boolean {
    return this.lost !== undefined;
  }

  async getToken(): Promise<string> {
    const c = this.current;
    if (c) {
      const margin = Math.min(this.o.refreshAheadMs ?? 60_000, (c.expiresAt - c.obtainedAt) / 2);
      if (this.now() < c.expiresAt - margin) return c.token;
    }
    return this.refresh(false);
  }

  async rejected(token: string): Promise<string> {
    const c = this.current;
    // Another call already replaced the refused token: use the newer one.
    if (c && c.token !== token) return c.token;
    if (c?.afterRejection) {
      throw this.loseLogin(this.usedRefreshToken, 'the API refused a token the identity provider had just issued');
    }
    this.current = undefined;
    return this.refresh(true);
  }

  /** Tries the saved login again (after a loss); true when it works. Used to resume a paused engine. */
  async check(): Promise<boolean> {
    try {
      await this.getToken();
      return true;
    } catch {
      return false;
    }
  }

  private refresh(afterRejection: boolean): Promise<string> {
    // One refresh at a time: a dozen uploads whose token expired together make one token request.
    this.inflight ??= this.doRefresh(afterRejection).finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  private async doRefresh(afterRejection: boolean): Promise<string> {
    const login = await this.o.store.load(this.o.apiUrl);
    if (!login) throw this.loseLogin(undefined, `not signed in to ${this.o.apiUrl}`);
    if (this.lost && this.lost.refreshToken === login.refreshToken) throw new AuthRequiredError(this.lost.message);
    const startedAt = this.now();
    this.usedRefreshToken = login.refreshToken;
    let tokens;
    try {
      tokens = await refreshTokens(login.tokenEndpoint, login.clientId, login.refreshToken, this.o.fetch, startedAt);
    } catch (err) {
      if (err instanceof GrantRejectedError) throw this.loseLogin(login.refreshToken, `the saved login was refused: ${err.message}`);
      throw err; // an outage: the caller's retry rules (offline, back off) apply
    }
    if (tokens.refreshToken && tokens.refreshToken !== login.refreshToken) {
      // A server that rotates refresh tokens invalidates the old one: persist before using the new.
      await this.o.store.save({ ...login, refreshToken: tokens.refreshToken, savedAt: new Date(startedAt).toISOString() });
      this.usedRefreshToken = tokens.refreshToken;
    }
    this.current = { token: tokens.accessToken, expiresAt: tokens.expiresAt, obtainedAt: startedAt, afterRejection };
    if (this.lost) {
      this.lost = undefined;
      this.o.onSignedIn?.();
    }
    return tokens.accessToken;
  }

  private loseLogin(refreshToken: string | undefined, reason: string): AuthRequiredError {
    const message = signInAgainMessage(this.o.apiUrl, reason);
    const first = this.lost === undefined;
    this.lost = { refreshToken, message };
    this.current = undefined;
    if (first) this.o.onSignedOut?.(message);
    return new AuthRequiredError(message);
  }
}

/**
 * The interactive half of `ferry login` (RFC 8252): a one-shot HTTP listener on the loopback
 * interface receives the authorization response, the system browser does the signing in. The
 * browser is never handed a token, only the short-lived code, which is useless without the PKCE
 * verifier that stays in this process.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuthConfig } from '../../shared/api.ts';
import { authorizeUrl, exchangeCode, pkcePair, type FetchLike, type OidcEndpoints, type TokenSet } from './oidc.ts';

export interface LoopbackLoginOptions {
  config: AuthConfig;
  endpoints: OidcEndpoints;
  /** shows the URL to the user: opens a browser, or prints it on a headless machine */
  present(url: string): void | Promise<void>;
  fetch?: FetchLike;
  /** how long to wait for the browser to come back (default 5 minutes) */
  timeoutMs?: number;
}

const PAGE = (title: string, body: string) =>
  `<!doctype html><meta charset="utf-8"><title>${title}</title><body style="font:16px system-ui;margin:4em auto;max-width:32em"><h1>${title}</h1><p>${body}</p>`;

/** Listens on the first redirect URI whose port is free; a URI without a port gets any free port (RFC 8252 §7.3). */
async function listen(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function listenOnRedirect(uris: string[], handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ servers: Server[]; redirectUri: string }> {
  let lastError: unknown;
  for (const raw of uris) {
    const uri = new URL(raw);
    if (uri.protocol !== 'http:') continue;
    // `localhost` is what Cognito accepts over plain http; listen on the IPv4 loopback that it names
    // (RFC 8252 §8.3 prefers the literal, so a server that allows it gets 127.0.0.1 itself).
    const host = uri.hostname === '[::1]' ? '::1' : '127.0.0.1';
    const server = createServer(handler);
    try {
      await listen(server, Number(uri.port || 0), host);
    } catch (err) {
      lastError = err;
      continue;
    }
    uri.port = String((server.address() as AddressInfo).port);
    const servers = [server];
    if (uri.hostname === 'localhost') {
      // A browser may resolve localhost to ::1 first; answer there too when the machine has IPv6.
      const v6 = createServer(handler);
      await listen(v6, Number(uri.port), '::1').then(
        () => servers.push(v6),
        () => undefined,
      );
    }
    return { servers, redirectUri: uri.href };
  }
  throw new Error(`cannot listen on any loopback redirect URI (${uris.join(', ')}): ${(lastError as Error | undefined)?.message ?? 'none is http'}`);
}

/** Runs the authorization-code flow with PKCE through the browser; resolves with the tokens. */
export async function loopbackLogin(opts: LoopbackLoginOptions): Promise<TokenSet & { redirectUri: string }> {
  const { verifier, challenge } = pkcePair();
  const state = randomBytes(16).toString('base64url');
  let settle: { resolve: (code: string) => void; reject: (err: Error) => void } | undefined;
  const codeArrived = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  // The browser may answer (even with an error) while `present` is still running; it is awaited below.
  codeArrived.catch(() => undefined);

  const { servers, redirectUri } = await listenOnRedirect(opts.config.redirectUris, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const expectedPath = new URL(redirectUri).pathname;
    if (url.pathname !== expectedPath) {
      res.writeHead(404).end();
      return;
    }
    // The state check stops another page from feeding this listener a code of its own (RFC 6749 §10.12).
    if (url.searchParams.get('state') !== state) {
      res.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('Sign-in failed', 'The answer did not match this sign-in. Run <code>ferry login</code> again.'));
      return;
    }
    const error = url.searchParams.get('error');
    const code = url.searchParams.get('code');
    if (error || !code) {
      const why = url.searchParams.get('error_description') ?? error ?? 'no authorization code';
      res.writeHead(400, { 'content-type': 'text/html' }).end(PAGE('Sign-in failed', why.replace(/[<&>]/g, '')));
      settle?.reject(new Error(`the sign-in was refused: ${why}`));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE('Signed in to Ferry', 'You can close this tab and go back to the terminal.'));
    settle?.resolve(code);
  });

  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;
  const timer = setTimeout(() => settle?.reject(new Error(`no answer from the browser within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
  try {
    await opts.present(authorizeUrl(opts.endpoints, { clientId: opts.config.clientId, redirectUri, scopes: opts.config.scopes, state, challenge }));
    const code = await codeArrived;
    const tokens = await exchangeCode(opts.endpoints, { clientId: opts.config.clientId, code, redirectUri, verifier }, opts.fetch);
    return { ...tokens, redirectUri };
  } finally {
    clearTimeout(timer);
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
  }
}

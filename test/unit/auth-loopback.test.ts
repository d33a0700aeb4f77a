/**
 * The loopback half of `ferry login` without a browser or an OIDC server: the listener takes the
 * first registered callback port that is free (Cognito matches ports exactly), refuses an answer
 * whose state is not its own, and trades the code with its PKCE verifier.
 */
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackLogin } from '../../main/auth/loopback.ts';

const endpoints = { issuer: 'https://idp.test', authorizationEndpoint: 'https://idp.test/authorize', tokenEndpoint: 'https://idp.test/token' };

async function occupiedPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as AddressInfo).port, server };
}

async function freePort(): Promise<number> {
  const { port, server } = await occupiedPort();
  await new Promise((r) => server.close(r));
  return port;
}

describe('loopbackLogin', () => {
  it('skips a busy callback port, ignores a forged state, and sends the verifier that matches the challenge', async () => {
    const busy = await occupiedPort();
    const free = await freePort();
    const tokenRequests: URLSearchParams[] = [];
    const fakeFetch = async (_url: string, init?: RequestInit) => {
      tokenRequests.push(new URLSearchParams(String(init?.body)));
      return new Response(JSON.stringify({ access_token: 'at', refresh_token: 'rt', expires_in: 900 }), { status: 200 });
    };
    let challenge = '';
    const result = await loopbackLogin({
      config: { issuer: endpoints.issuer, clientId: 'c1', scopes: ['openid'], redirectUris: [`http://localhost:${busy.port}/callback`, `http://localhost:${free}/callback`] },
      endpoints,
      fetch: fakeFetch,
      present: async (url) => {
        const q = new URL(url).searchParams;
        challenge = q.get('code_challenge')!;
        expect(q.get('code_challenge_method')).toBe('S256');
        const redirect = q.get('redirect_uri')!;
        expect(redirect).toBe(`http://localhost:${free}/callback`);
        const callback = `http://127.0.0.1:${free}/callback`;
        const forged = await fetch(`${callback}?code=evil&state=not-yours`);
        expect(forged.status).toBe(400);
        const ok = await fetch(`${callback}?code=good&state=${q.get('state')}`);
        expect(ok.status).toBe(200);
      },
    });
    busy.server.close();
    expect(result).toMatchObject({ accessToken: 'at', refreshToken: 'rt', redirectUri: `http://localhost:${free}/callback` });
    expect(tokenRequests).toHaveLength(1);
    const form = Object.fromEntries(tokenRequests[0]!);
    expect(form).toMatchObject({ grant_type: 'authorization_code', code: 'good', client_id: 'c1', redirect_uri: `http://localhost:${free}/callback` });
    expect(createHash('sha256').update(form.code_verifier!).digest('base64url')).toBe(challenge);
  });

  it('reports a refused sign-in with the server\'s reason', async () => {
    const port = await freePort();
    await expect(
      loopbackLogin({
        config: { issuer: endpoints.issuer, clientId: 'c1', scopes: ['openid'], redirectUris: [`http://127.0.0.1:${port}/callback`] },
        endpoints,
        fetch: async () => new Response('{}'),
        present: async (url) => {
          const state = new URL(url).searchParams.get('state');
          await fetch(`http://127.0.0.1:${port}/callback?error=access_denied&error_description=User+cancelled&state=${state}`);
        },
      }),
    ).rejects.toThrow('the sign-in was refused: User cancelled');
  });
});

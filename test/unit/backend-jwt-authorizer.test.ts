/**
 * The embedded backend's JWT check against what API Gateway's JWT authorizer documents: the issuer's
 * JWKS (found through discovery) and an RSA signature, `exp`/`nbf`, `iss`, and the audience rule
 * "client_id only if aud is absent; when both are present, aud is evaluated". A real issuer of
 * keys on loopback (jose), no mocks of the verifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { jwtAuthorizer } from '../../backend-lambda/local/jwt-authorizer.ts';

let server: Server;
let issuer: string;
let sign: (claims: JWTPayload, opts?: { kid?: string; exp?: number }) => Promise<string>;
let foreignSign: (claims: JWTPayload) => Promise<string>;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    else if (req.url === '/jwks') res.end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const now = Math.floor(Date.now() / 1000);
  sign = (claims, opts = {}) =>
    new SignJWT({ iss: issuer, sub: 'u1', iat: now, exp: opts.exp ?? now + 300, ...claims }).setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' }).sign(privateKey);
  foreignSign = (claims) => new SignJWT({ iss: issuer, sub: 'u1', exp: now + 300, ...claims }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(other.privateKey);
});
afterAll(() => new Promise((r) => server.close(r)));

const authorize = () => jwtAuthorizer({ issuer, audience: ['client-a'] });

describe('jwtAuthorizer (as API Gateway checks JWTs)', () => {
  it('accepts an access token by client_id and an ID token by aud, and returns the claims with sub', async () => {
    const check = authorize();
    expect((await check(`Bearer ${await sign({ client_id: 'client-a', token_use: 'access' })}`)).sub).toBe('u1');
    expect((await check(`Bearer ${await sign({ aud: 'client-a', token_use: 'id' })}`)).sub).toBe('u1');
  });

  it.each([
    ['no header', undefined, /Missing Authorization/],
    ['not Bearer', 'Basic abc', /not a Bearer token/],
    ['garbage', 'Bearer abc.def.ghi', /not valid/],
  ])('refuses %s', async (_name, header, message) => {
    await expect(authorize()(header)).rejects.toThrow(message);
  });

  it('refuses a wrong audience, and evaluates aud (not client_id) when both are present', async () => {
    await expect(authorize()(`Bearer ${await sign({ client_id: 'client-b' })}`)).rejects.toThrow('valid audience');
    await expect(authorize()(`Bearer ${await sign({ aud: 'client-b', client_id: 'client-a' })}`)).rejects.toThrow('valid audience');
  });

  it('refuses an expired token, another issuer, a key not in the JWKS, and a token with no subject', async () => {
    const past = Math.floor(Date.now() / 1000) - 60;
    await expect(authorize()(`Bearer ${await sign({ client_id: 'client-a' }, { exp: past })}`)).rejects.toThrow(/exp/);
    await expect(authorize()(`Bearer ${await sign({ client_id: 'client-a', iss: 'https://elsewhere' })}`)).rejects.toThrow(/iss/);
    await expect(authorize()(`Bearer ${await foreignSign({ client_id: 'client-a' })}`)).rejects.toThrow(/signature/);
    await expect(authorize()(`Bearer ${await sign({ client_id: 'client-a' }, { kid: 'unknown' })}`)).rejects.toThrow(/not valid/);
    await expect(authorize()(`Bearer ${await sign({ client_id: 'client-a', sub: undefined })}`)).rejects.toThrow('no subject');
  });
});

/**
 * Signing in as a native app against a real OIDC server on loopback (oauth2-mock-server, shaped like
 * the Cognito pool), with the embedded backend checking its JWTs the way API Gateway's JWT
 * authorizer does: login → upload → the access token expires → the engine refreshes → the upload
 * finishes; a revoked refresh token pauses the engine with "sign in again" and no file fails, and a
 * new `ferry login` resumes it; `ferry logout` revokes; the CLI prints the URL on a headless machine.
 */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestBackend, type TestBackend } from '../helpers/backend.ts';
import { waitFor, writeImages, writeLargeMp4 } from '../helpers/engine-fixtures.ts';
import { startOidcServer, type OidcTestServer } from '../helpers/oidc-server.ts';
import { useCleanups } from '../helpers/proxied-backend.ts';
import { fileCredentialStore, loginsFile } from '../../main/auth/credentials.ts';
import { login, logout } from '../../main/auth/login.ts';
import { GrantRejectedError, refreshTokens } from '../../main/auth/oidc.ts';
import { openEngineHost } from '../../main/engine/host.ts';
import type { EngineEvent } from '../../shared/engine-api.ts';

const MiB = 1024 * 1024;
const BIN = join(import.meta.dirname, '../../bin/ferry.js');
const defer = useCleanups();

async function setup(accessTtlSeconds: number): Promise<{ work: string; oidc: OidcTestServer; backend: TestBackend; clientDir: string }> {
  const work = await mkdtemp(join(tmpdir(), 'ferry-auth-'));
  defer(() => rm(work, { recursive: true, force: true }));
  const oidc = await startOidcServer({ accessTtlSeconds });
  defer(() => oidc.stop());
  const backend = await startTestBackend({ dataDir: join(work, 'backend'), oidc: { issuer: oidc.issuer, clientId: oidc.clientId } });
  defer(() => backend.stop());
  return { work, oidc, backend, clientDir: join(work, 'client') };
}

const signIn = (backend: TestBackend, oidc: OidcTestServer, clientDir: string) =>
  login({ apiUrl: backend.api, store: fileCredentialStore(clientDir), present: (url) => oidc.completeInBrowser(url) });

/** Four files that take about `seconds` to send at `rate` bytes/s: the token expires mid-upload. */
async function slowBatch(work: string): Promise<string> {
  const folder = join(work, 'photos');
  await writeImages(folder, 2);
  await writeLargeMp4(join(folder, 'a.mp4'), 1 * MiB);
  await writeLargeMp4(join(folder, 'b.mp4'), 1 * MiB);
  return folder;
}

const engineOptions = { backoff: { baseMs: 50, capMs: 500 }, probe: { baseMs: 200, capMs: 1000 }, poll: { minMs: 100, maxMs: 300 } };

describe('ferry login against a loopback OIDC server (integration)', () => {
  it('signs in with PKCE, uploads through expiry and refresh, and the user is the token subject', async () => {
    const { work, oidc, backend, clientDir } = await setup(2);
    // The embedded backend now trusts the issuer, not its local token.
    expect((await api(backend, 'GET', '/albums')).status).toBe(401);
    expect((await api(backend, 'GET', '/auth/config', undefined, { token: null })).body).toMatchObject({ issuer: oidc.issuer, clientId: oidc.clientId });

    const { subject } = await signIn(backend, oidc, clientDir);
    expect(subject).toBe('creator@example.com');
    expect((await stat(loginsFile(clientDir))).mode & 0o777).toBe(0o600);
    expect((await stat(join(clientDir, 'auth'))).mode & 0o777).toBe(0o700);

    // The first token the engine gets is already expired at the API (a client clock ahead): the 401
    // path must refresh once and go on; later ones are renewed ahead of their 2 s lifetime.
    oidc.expireNextAccessToken();
    const refreshesBefore = oidc.refreshes;
    const host = await openEngineHost({ dataDir: clientDir, apiUrl: backend.api, engineOptions, overrides: { bandwidthLimit: 512 * 1024, concurrency: 2 } });
    defer(() => host.close());
    const album = await host.client.createAlbum('signed in');
    const folder = await slowBatch(work);
    const { ids } = await host.addPathsWithIds([folder], { kind: 'album', albumId: album.albumId });
    expect(ids).toHaveLength(4);
    await waitFor('every file uploaded', () => host.store.getMany(ids).every((r) => r.state === 'uploaded'), 45_000);

    // one refresh for the expired token, and more ahead of expiry over the ~5 s of sending
    expect(oidc.refreshes - refreshesBefore).toBeGreaterThanOrEqual(3);
    const me = (await api(backend, 'GET', '/users/me', undefined, { token: null })).status;
    expect(me).toBe(401);
    const media = await host.client.listAlbumMedia(album.albumId);
    expect(media.media).toHaveLength(4);
    const user = await fetch(`${backend.api}/users/me`, { headers: { authorization: `Bearer ${await freshAccessToken(oidc, clientDir, backend.api)}` } });
    expect(((await user.json()) as { user: { userId: string } }).user.userId).toBe('user-7f3c');
  });

  it('pauses with "sign in again" when the refresh token is revoked, fails no file, and resumes after a new login', async () => {
    const { work, oidc, backend, clientDir } = await setup(2);
    const first = await signIn(backend, oidc, clientDir);
    const host = await openEngineHost({
      dataDir: clientDir,
      apiUrl: backend.api,
      engineOptions,
      signInPollMs: 200,
      overrides: { bandwidthLimit: 256 * 1024, concurrency: 2 },
    });
    defer(() => host.close());
    const events: EngineEvent[] = [];
    host.onEvent((e) => events.push(e));
    const album = await host.client.createAlbum('revoked');
    const { ids } = await host.addPathsWithIds([await slowBatch(work)], { kind: 'album', albumId: album.albumId });

    await waitFor('bytes moving', () => host.store.getMany(ids).some((r) => r.state === 'uploading'), 20_000);
    oidc.revoke(first.login.refreshToken);
    await waitFor('the engine to pause for sign-in', () => host.signInRequired !== undefined, 20_000);
    expect(host.engine.paused).toBe(true);
    expect(host.signInRequired).toMatch(/Sign in again: run `ferry login --api http:\/\/127\.0\.0\.1:\d+`/);
    expect(events.some((e) => e.type === 'paused' && e.reason?.includes('invalid_grant'))).toBe(true);
    const paused = host.store.getMany(ids);
    expect(paused.filter((r) => r.state === 'failed')).toEqual([]);
    expect(paused.some((r) => r.state === 'queued')).toBe(true);

    // `ferry login` in another terminal: the paused engine notices the new login and carries on.
    await signIn(backend, oidc, clientDir);
    await waitFor('every file uploaded after the new login', () => host.store.getMany(ids).every((r) => r.state === 'uploaded'), 45_000);
    expect(host.signInRequired).toBeUndefined();
    expect(host.engine.paused).toBe(false);
    // each file once: the paused ones kept their media IDs
    expect((await host.client.listAlbumMedia(album.albumId)).media).toHaveLength(4);
  });

  it('logout revokes the refresh token at the server and forgets it', async () => {
    const { oidc, backend, clientDir } = await setup(60);
    const { login: saved } = await signIn(backend, oidc, clientDir);
    const store = fileCredentialStore(clientDir);
    expect(await logout(backend.api, store)).toEqual({ found: true, revoked: true });
    expect(oidc.revoked.has(saved.refreshToken)).toBe(true);
    expect(await store.load(backend.api)).toBeUndefined();
    await expect(refreshTokens(saved.tokenEndpoint, saved.clientId, saved.refreshToken)).rejects.toBeInstanceOf(GrantRejectedError);
    expect(await logout(backend.api, store)).toEqual({ found: false, revoked: false });
  });

  it('ferry login --no-browser prints the URL, and the login it saves is used by the next command', async () => {
    const { oidc, backend, clientDir } = await setup(60);
    const child = spawn(process.execPath, [BIN, 'login', '--api', backend.api, '--data-dir', clientDir, '--no-browser'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor('the sign-in URL', () => /https?:\/\/\S+\/authorize\?\S+/.test(stderr), 20_000);
    const url = /(https?:\/\/\S+\/authorize\?\S+)/.exec(stderr)![1]!;
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    expect(new URL(url).searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    await oidc.completeInBrowser(url);
    expect(await exited).toBe(0);
    expect(stdout).toContain(`Signed in to ${backend.api} as creator@example.com`);

    // No --token: `ferry upload` signs its calls with the saved login.
    const photos = join(clientDir, '..', 'photos');
    await writeImages(photos, 2);
    const upload = spawn(process.execPath, [BIN, 'upload', photos, '--album', 'cli', '--create-album', '--api', backend.api, '--data-dir', clientDir, '--json'], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FERRY_TOKEN: '' },
    });
    let out = '';
    upload.stdout.on('data', (c: Buffer) => (out += c.toString()));
    expect(await new Promise((r) => upload.on('exit', r))).toBe(0);
    expect((JSON.parse(out) as { uploaded: unknown[] }).uploaded).toHaveLength(2);

    // The login revoked behind its back: the next command says so and exits 4, not 1.
    oidc.revoke((await fileCredentialStore(clientDir).load(backend.api))!.refreshToken);
    const again = spawn(process.execPath, [BIN, 'upload', photos, '--album', 'cli', '--api', backend.api, '--data-dir', clientDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, FERRY_TOKEN: '' },
    });
    let err = '';
    again.stderr.on('data', (c: Buffer) => (err += c.toString()));
    expect(await new Promise((r) => again.on('exit', r))).toBe(4);
    expect(err).toContain(`Sign in again: run \`ferry login --api ${backend.api}\``);
  });
});

describe('ferry backend --oidc-issuer (integration)', () => {
  it('serves GET /auth/config and refuses its own local token for an issuer\'s', async () => {
    const work = await mkdtemp(join(tmpdir(), 'ferry-auth-cli-'));
    defer(() => rm(work, { recursive: true, force: true }));
    const oidc = await startOidcServer();
    defer(() => oidc.stop());
    const child = spawn(process.execPath, [BIN, 'backend', '--data-dir', join(work, 'b'), '--oidc-issuer', oidc.issuer, '--oidc-client-id', oidc.clientId], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    defer(async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor('the ready line', () => out.includes('\n'), 30_000);
    const ready = JSON.parse(out.split('\n')[0]!) as { api: string; token: string };
    expect((await api(ready, 'GET', '/auth/config', undefined, { token: null })).body).toEqual({
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      scopes: ['openid', 'email'],
      redirectUris: ['http://127.0.0.1/callback'],
    });
    expect((await api(ready, 'GET', '/albums')).status).toBe(401);
  });
});

async function freshAccessToken(oidc: OidcTestServer, clientDir: string, apiUrl: string): Promise<string> {
  const saved = (await fileCredentialStore(clientDir).load(apiUrl))!;
  return (await refreshTokens(saved.tokenEndpoint, oidc.clientId, saved.refreshToken)).accessToken;
}

/**
 * Issue 10's serve-mode findings, each tried against the real serve server: a socket opened without
 * an Origin, a cookie another port's server set, a malformed percent-escape, and a remote backend's
 * token read back through getSettings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServe, type ServeHandle } from '../../main/serve/server.ts';
import { keepBackendSecret, redactSettings, defaultSettings } from '../../main/engine/settings.ts';
import { InMemoryFakeEngine, makeItems } from '../unit/renderer-fake-engine.ts';

let dir: string;
let serve: ServeHandle;
let other: ServeHandle;
const fake = new InMemoryFakeEngine(makeItems(2));
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-serve-sec-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Ferry</title>');
  const engine = { api: fake.api, onEvent: (l: Parameters<typeof fake.onEvent>[0]) => fake.onEvent(l) };
  serve = await startServe({ engine, rendererDir: dir });
  other = await startServe({ engine, rendererDir: dir });
});
afterAll(async () => {
  await serve?.close();
  await other?.close();
  await rm(dir, { recursive: true, force: true });
});

function get(s: ServeHandle, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: s.port, path, headers: { host: `127.0.0.1:${s.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(headers: Record<string, string>) {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws?token=${serve.token}`, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', () => resolve(-1));
  });
}

describe('serve mode', () => {
  it('a socket with the token but no Origin header: 403; with its own origin: opens', async () => {
    expect(await connect({})).toBe(403);
    expect(await connect({ origin: `http://127.0.0.1:${serve.port}` })).toBe(101);
  });
  it('a cookie for another port is not this server\'s token', async () => {
    expect((await get(serve, '/', { cookie: `ferry_token_${other.port}=${other.token}` })).status).toBe(401);
    expect((await get(serve, '/', { cookie: `ferry_token=${serve.token}` })).status).toBe(401);
    expect((await get(serve, '/', { cookie: `ferry_token_${serve.port}=${serve.token}` })).status).toBe(200);
  });
  it('a malformed percent-escape: 400 with no exception text', async () => {
    const res = await get(serve, `/%E0%A4%A?token=${serve.token}`);
    expect(res.status).toBe(400);
    expect(res.body).not.toMatch(/URIError|malformed URI|at /);
  });
  it('getSettings never gives a remote token back; an empty token keeps it', () => {
    const saved = { ...defaultSettings, backend: { mode: 'remote' as const, apiUrl: 'https://api.example', token: 'secret-token' } };
    const shown = redactSettings(saved);
    expect(JSON.stringify(shown)).not.toContain('secret-token');
    expect(shown.backend).toEqual({ mode: 'remote', apiUrl: 'https://api.example', token: '', tokenSet: true });
    expect(keepBackendSecret(shown.backend, saved.backend)).toEqual(saved.backend);
    // another API URL with an empty token does not inherit the old backend's token
    expect(keepBackendSecret({ mode: 'remote', apiUrl: 'https://evil.example', token: '' }, saved.backend)).toEqual({ mode: 'remote', apiUrl: 'https://evil.example', token: '' });
  });
});

/**
 * Serve mode's guard: the token (URL or cookie), Host and Origin checks on HTTP and on the
 * WebSocket, path traversal, and the call/event frames over an in-memory engine (test only).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServe, type ServeHandle } from '../../main/serve/server.ts';
import type { WsServerFrame } from '../../shared/ipc.ts';
import { InMemoryFakeEngine, makeItems } from './renderer-fake-engine.ts';

let dir: string;
let serve: ServeHandle;
const fake = new InMemoryFakeEngine(makeItems(5));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-serve-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>Ferry</title>');
  await writeFile(join(dir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(tmpdir(), 'ferry-serve-secret.txt'), 'secret');
  serve = await startServe({ engine: { api: fake.api, onEvent: (l) => fake.onEvent(l) }, rendererDir: dir });
});
afterAll(async () => {
  await serve.close();
  await rm(dir, { recursive: true, force: true });
});

/** Raw GET so the test controls Host, Origin and Cookie exactly (fetch forbids setting Host). */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: serve.port, path, headers: { host: `127.0.0.1:${serve.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(query: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket } | { refused: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${serve.port}/ws${query}`, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ refused: res.statusCode ?? 0 }));
    ws.once('error', () => resolve({ refused: -1 }));
  });
}

describe('ferry serve over HTTP', () => {
  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(serve.url).toBe(`http://127.0.0.1:${serve.port}/?token=${serve.token}`);
    expect(serve.token.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses a request without the token, or with a wrong one', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/assets/app.js')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
    expect((await get('/', { cookie: `ferry_token_${serve.port}=wrong` })).status).toBe(401);
  });

  it('serves the page with the token, sets an HttpOnly cookie and a strict CSP', async () => {
    const res = await get(`/?token=${serve.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Ferry</title>');
    expect(String(res.headers['set-cookie'])).toMatch(new RegExp(`^ferry_token_${serve.port}=.+; HttpOnly; SameSite=Strict`));
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toContain('unsafe-inline');
  });

  it('serves assets to the cookie the page set', async () => {
    const res = await get('/assets/app.js', { cookie: `ferry_token_${serve.port}=${serve.token}` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain('text/javascript');
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin', async () => {
    expect((await get(`/?token=${serve.token}`, { host: 'evil.example:80' })).status).toBe(403);
    expect((await get(`/?token=${serve.token}`, { origin: 'http://evil.example' })).status).toBe(403);
  });

  it('never serves a file outside the renderer folder', async () => {
    const res = await get(`/..%2fferry-serve-secret.txt?token=${serve.token}`);
    expect(res.body).not.toContain('secret');
    expect((await get(`/assets/missing.js?token=${serve.token}`)).status).toBe(404);
  });
});

describe('ferry serve over WebSocket', () => {
  it('refuses a socket without the token', async () => {
    const origin = `http://127.0.0.1:${serve.port}`;
    expect(await connect('', { origin })).toEqual({ refused: 401 });
    expect(await connect('?token=nope', { origin })).toEqual({ refused: 401 });
  });

  it('refuses a socket from another origin even with the token', async () => {
    expect(await connect(`?token=${serve.token}`, { origin: 'http://evil.example' })).toEqual({ refused: 403 });
  });

  it('answers calls and pushes events for an allowed origin', async () => {
    const r = await connect(`?token=${serve.token}`, { origin: `http://127.0.0.1:${serve.port}` });
    if (!('ws' in r)) throw new Error(`refused ${r.refused}`);
    const frames: WsServerFrame[] = [];
    const next = (pred: (f: WsServerFrame) => boolean) =>
      new Promise<WsServerFrame>((resolve) => {
        const found = frames.find(pred);
        if (found) return resolve(found);
        const on = (data: Buffer) => {
          const f = JSON.parse(data.toString()) as WsServerFrame;
          if (pred(f)) {
            r.ws.off('message', on);
            resolve(f);
          }
        };
        r.ws.on('message', on);
      });
    r.ws.send(JSON.stringify({ id: 1, method: 'listQueue', args: [{ offset: 0, limit: 2 }] }));
    const answer = await next((f) => 'id' in f && f.id === 1);
    expect(answer).toMatchObject({ id: 1, result: { ok: true, value: { total: 5 } } });

    r.ws.send(JSON.stringify({ id: 2, method: 'constructor', args: [] }));
    expect(await next((f) => 'id' in f && f.id === 2)).toMatchObject({ result: { ok: false, error: { code: 'INVALID_REQUEST' } } });

    r.ws.send(JSON.stringify({ id: 3, method: 'retry', args: ['1; rm -rf'] }));
    expect(await next((f) => 'id' in f && f.id === 3)).toMatchObject({ result: { ok: false, error: { code: 'INVALID_REQUEST' } } });

    const event = next((f) => 'event' in f && f.event.type === 'online');
    fake.emit({ type: 'online', online: false });
    expect(await event).toEqual({ event: { type: 'online', online: false } });
    r.ws.close();
  });
});

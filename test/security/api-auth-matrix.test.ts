/**
 * Every authenticated route, tried with no token, a wrong token, and another user's token against
 * the first user's album, media and generation: 401, 401, and 403/404 (never a 2xx that acts on or
 * reveals the other user's data). The route list is the route table itself, so a new route is
 * covered or this test fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '../../backend-lambda/functions/routes.ts';
import { api, createAlbum, makeJpeg, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';

const other = { userId: 'second-user', token: 'second-user-token-for-tests-only-0123456789' };
let backend: TestBackend;
let ids: { albumId: string; mediaId: string; pendingId: string; generationId: string };

beforeAll(async () => {
  backend = await startTestBackend({ extraUsers: [other] });
  const albumId = await createAlbum(backend, 'first user only');
  const uploaded = await uploadToAlbum(backend, albumId, await makeJpeg(100, 80), { filename: 'mine.jpg', mimeType: 'image/jpeg' });
  await backend.idle();
  const pending = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'p.jpg', mimeType: 'image/jpeg', size: 40 * 1024 * 1024 });
  const generationId = 'gen-of-first-user';
  const gen = await api(backend, 'POST', `/generations/${generationId}/media/upload`, { filename: 'g.png', mimeType: 'image/png', size: 10, index: 0 });
  expect([pending.status, gen.status]).toEqual([201, 201]);
  ids = { albumId, mediaId: uploaded.mediaId, pendingId: pending.body.mediaId, generationId };
});
afterAll(async () => {
  await backend?.destroy();
});

/** A request each route accepts from its owner, so only who asks decides the answer. */
function requestFor(routeKey: string): { method: string; path: string; body?: unknown } {
  const [method, template] = routeKey.split(' ') as [string, string];
  const path = template
    .replace('{albumId}', ids.albumId)
    .replace('{generationId}', ids.generationId)
    .replace('{mediaId}', routeKey.includes('/parts') || routeKey.includes('/complete') || routeKey.includes('/upload') ? ids.pendingId : ids.mediaId);
  const bodies: Record<string, unknown> = {
    'POST /albums': { title: 'x' },
    'POST /albums/{albumId}/media/upload': { filename: 'a.jpg', mimeType: 'image/jpeg', size: 10 },
    'POST /albums/{albumId}/media/uploads': { files: [{ filename: 'b.jpg', mimeType: 'image/jpeg', size: 10, sha256: 'a'.repeat(64) }] },
    'POST /generations/{generationId}/media/upload': { filename: 'g.png', mimeType: 'image/png', size: 10, index: 7 },
    'POST /users/me/avatar/upload': { filename: 'a.jpg', mimeType: 'image/jpeg', size: 10 },
    'POST /media/{mediaId}/parts': { partNumbers: [1] },
    'POST /media/{mediaId}/complete': { parts: [{ partNumber: 1, etag: '"x"' }] },
    'POST /media/status': { mediaIds: [ids.mediaId, ids.pendingId] },
  };
  return { method, path, ...(routeKey in bodies ? { body: bodies[routeKey] } : {}) };
}

const authed = apiRoutes.filter((r) => r.auth);
/** Routes about the caller's own things: another user gets their own (empty) view, never the first user's. */
const ownView = new Set(['POST /albums', 'GET /albums', 'POST /users/me/avatar/upload', 'GET /users/me', 'POST /media/status', 'GET /generations/{generationId}/media']);

describe('no token and a wrong token: 401 on every authenticated route', () => {
  for (const route of authed) {
    it(route.routeKey, async () => {
      const r = requestFor(route.routeKey);
      for (const token of [null, 'wrong-token', `${backend.token}x`, other.token.slice(0, -1)]) {
        const res = await api(backend, r.method, r.path, r.body, { token });
        expect([res.status, res.body?.error?.code]).toEqual([401, 'UNAUTHORIZED']);
      }
    });
  }
});

describe("another user's token: 403 or 404 on the first user's things, and nothing of them shown", () => {
  for (const route of authed) {
    it(route.routeKey, async () => {
      const r = requestFor(route.routeKey);
      const res = await api(backend, r.method, r.path, r.body, { token: other.token });
      if (!ownView.has(route.routeKey)) {
        expect([403, 404]).toContain(res.status);
        return;
      }
      expect(res.status).toBeLessThan(300);
      const text = JSON.stringify(res.body ?? {});
      for (const id of [ids.albumId, ids.mediaId, ids.pendingId]) expect(text).not.toContain(id);
      expect(text).not.toContain('first user only');
    });
  }

  it('the first user still has everything, and the generation is still theirs alone', async () => {
    expect((await api(backend, 'GET', `/media/${ids.mediaId}`)).status).toBe(200);
    expect((await api(backend, 'GET', `/albums/${ids.albumId}/media`)).body.media.length).toBeGreaterThan(0);
    // the second user's attempt at an unused index did not take it: the owner's upload of it works
    const mine = await api(backend, 'POST', `/generations/${ids.generationId}/media/upload`, { filename: 'g.png', mimeType: 'image/png', size: 10, index: 7 });
    expect(mine.status).toBe(201);
  });
});

/**
 * The Lambda entry points as AWS runs them: deps from the environment (the names the CDK stack sets),
 * the caller from the JWT authorizer's claims, pointed at the embedded stores.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { handler as createAlbum } from '../../backend-lambda/functions/create-album.ts';
import { handler as requestUpload } from '../../backend-lambda/functions/request-album-upload.ts';
import { handler as processUpload } from '../../backend-lambda/functions/process-upload.ts';
import { handler as cleanupPending } from '../../backend-lambda/functions/cleanup-pending.ts';
import type { ApiEvent } from '../../backend-lambda/lib/http.ts';
import { LOCAL_BUCKET, LOCAL_TABLE } from '../../backend-lambda/local/index.ts';
import { api, makeJpeg, startTestBackend, type TestBackend } from '../helpers/backend.ts';

let backend: TestBackend;
const saved = { ...process.env };
beforeAll(async () => {
  // The processing is invoked by hand below, as S3 would invoke the Lambda.
  backend = await startTestBackend({ processEvents: false });
  Object.assign(process.env, {
    TABLE_NAME: LOCAL_TABLE,
    BUCKET_NAME: LOCAL_BUCKET,
    S3_ENDPOINT: backend.s3,
    DYNAMODB_SOCKET: backend.dynamodb.replace(/^unix:/, ''),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: backend.s3Key.accessKeyId,
    AWS_SECRET_ACCESS_KEY: backend.s3Key.secretAccessKey,
  });
});
afterAll(async () => {
  process.env = saved;
  await backend?.destroy();
});

const apiEvent = (routeKey: string, body: unknown, pathParameters?: Record<string, string>) =>
  ({
    version: '2.0',
    routeKey,
    rawPath: '/',
    rawQueryString: '',
    headers: {},
    body: JSON.stringify(body),
    isBase64Encoded: false,
    ...(pathParameters ? { pathParameters } : {}),
    requestContext: { authorizer: { jwt: { claims: { sub: backend.userId }, scopes: [] } }, http: { method: 'POST', path: '/' } },
  }) as unknown as ApiEvent;

it('handlers built from the environment serve the same data the embedded API shows', async () => {
  const created = await createAlbum(apiEvent('POST /albums', { title: 'from lambda' }));
  expect(created.statusCode).toBe(201);
  const albumId = JSON.parse(created.body!).album.albumId;
  const data = await makeJpeg(640, 480);
  const req = await requestUpload(apiEvent('POST /albums/{albumId}/media/upload', { filename: 'l.jpg', mimeType: 'image/jpeg', size: data.length }, { albumId }));
  expect(req.statusCode).toBe(201);
  const { upload, mediaId, key } = JSON.parse(req.body!);
  expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: data as unknown as BodyInit })).status).toBe(200);

  const s3Event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOCAL_BUCKET }, object: { key, size: data.length } } }] } as unknown as S3Event;
  expect(await processUpload(s3Event)).toEqual([{ outcome: 'uploaded', mediaId }]);
  const media = (await api(backend, 'GET', `/media/${mediaId}`)).body.media;
  expect(media).toMatchObject({ status: 'uploaded', width: 640, height: 480 });
  expect(Object.keys(media.thumbnails)).toHaveLength(6);
  expect((await api(backend, 'GET', '/albums')).body.albums[0]).toMatchObject({ title: 'from lambda', mediaCount: 1 });
  expect(await cleanupPending()).toEqual({ expired: [], abortUnsupported: 0 });
});

/**
 * Every processing failure ends `failed` with a reason (SPEC §5, issue 10): an object deleted before
 * processing is UPLOAD_MISSING at once; an event whose every try throws (storage unreachable) is
 * PROCESSING_FAILED after the last one, through the embedded dispatcher and through the AWS
 * dead-letter consumer.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event, SQSEvent } from 'aws-lambda';
import { giveUpWithDeps, withDeps as processWithDeps } from '../../backend-lambda/functions/process-upload.ts';
import { withDeps as dlqWithDeps } from '../../backend-lambda/functions/process-upload-failed.ts';
import { destroyDeps } from '../../backend-lambda/lib/deps.ts';
import { EventDispatcher } from '../../backend-lambda/local/dispatcher.ts';
import { LOCAL_BUCKET } from '../../backend-lambda/local/index.ts';
import { api, backendDeps, createAlbum, makeJpeg, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';

let backend: TestBackend;
let albumId: string;
beforeAll(async () => {
  // Events are delivered by hand below, as S3 would, so each failure is made on purpose.
  backend = await startTestBackend({ processEvents: false });
  albumId = await createAlbum(backend);
});
afterAll(async () => {
  await backend?.destroy();
});

const created = (key: string) =>
  ({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: LOCAL_BUCKET }, object: { key, size: 1 } } }] }) as unknown as S3Event;
const media = async (id: string) => (await api(backend, 'GET', `/media/${id}`)).body.media;

it('an object deleted before processing: failed UPLOAD_MISSING on the first try, not pending for 24 h', async () => {
  const up = await uploadToAlbum(backend, albumId, await makeJpeg(120, 90), { filename: 'gone.jpg', mimeType: 'image/jpeg' });
  const deps = backendDeps(backend);
  await deps.s3.send(new DeleteObjectCommand({ Bucket: LOCAL_BUCKET, Key: up.key }));
  const started = Date.now();
  expect(await processWithDeps(deps)(created(up.key))).toEqual([{ outcome: 'failed', mediaId: up.mediaId, code: 'UPLOAD_MISSING' }]);
  destroyDeps(deps);
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(await media(up.mediaId)).toMatchObject({ status: 'failed', error: { code: 'UPLOAD_MISSING' } });
});

it('storage unreachable on every try: the embedded dispatcher gives up and the record is PROCESSING_FAILED', async () => {
  const up = await uploadToAlbum(backend, albumId, await makeJpeg(120, 90), { filename: 'broken.jpg', mimeType: 'image/jpeg' });
  const good = backendDeps(backend);
  // S3 on a port nothing listens on: each try throws a connection error, not a ProcessingError.
  const broken = backendDeps(backend, { s3Endpoint: 'http://127.0.0.1:9' });
  let tries = 0;
  const dispatcher = new EventDispatcher({
    concurrency: 1,
    attempts: 3,
    backoffMs: 5,
    handle: async (e) => {
      tries++;
      return processWithDeps(broken)(e);
    },
    onGiveUp: giveUpWithDeps(good),
  });
  dispatcher.dispatch(created(up.key));
  await dispatcher.idle();
  expect(tries).toBe(3);
  const m = await media(up.mediaId);
  expect(m).toMatchObject({ status: 'failed', error: { code: 'PROCESSING_FAILED' } });
  expect(m.error.message).toMatch(/given up/);
  destroyDeps(good);
  destroyDeps(broken);
});

it('the AWS dead-letter consumer marks the event\'s record PROCESSING_FAILED, and leaves a decided one alone', async () => {
  const up = await uploadToAlbum(backend, albumId, await makeJpeg(120, 90), { filename: 'dlq.jpg', mimeType: 'image/jpeg' });
  const deps = backendDeps(backend);
  // The body Lambda's asynchronous invocation sends to an SQS on-failure destination.
  const body = JSON.stringify({
    version: '1.0',
    requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
    requestPayload: created(encodeURIComponent(up.key).replace(/%2F/g, '/')),
    responsePayload: { errorType: 'TimeoutError', errorMessage: 'Task timed out after 120.00 seconds' },
  });
  const sqs = { Records: [{ messageId: 'm1', body }, { messageId: 'm2', body: 'not json' }] } as unknown as SQSEvent;
  expect(await dlqWithDeps(deps)(sqs)).toEqual([{ outcome: 'failed', mediaId: up.mediaId, code: 'PROCESSING_FAILED' }]);
  expect(await media(up.mediaId)).toMatchObject({ status: 'failed', error: { code: 'PROCESSING_FAILED', message: expect.stringContaining('Task timed out') } });
  // delivered again (SQS is at-least-once): nothing changes
  expect(await dlqWithDeps(deps)(sqs)).toEqual([{ outcome: 'ignored', reason: 'already failed' }]);
  destroyDeps(deps);
});

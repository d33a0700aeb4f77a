/**
 * Issue 10's S3 attacks, each made against the real embedded store and expected to be refused as
 * AWS S3 refuses it; and the requests Ferry itself makes, expected to still work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { SignatureV4 } from '@smithy/signature-v4';
import { LOCAL_BUCKET } from '../../backend-lambda/local/index.ts';
import { Sha256 } from '../../backend-lambda/local/s3-auth.ts';
import { api, createAlbum, makeJpeg, sha256Hex, startTestBackend, uploadToAlbum, type TestBackend } from '../helpers/backend.ts';

let backend: TestBackend;
let albumId: string;
let key: string;
let jpeg: Buffer;
let s3: S3Client;

const client = (credentials: { accessKeyId: string; secretAccessKey: string }) =>
  new S3Client({ endpoint: backend.s3, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });

beforeAll(async () => {
  backend = await startTestBackend();
  s3 = client(backend.s3Key);
  albumId = await createAlbum(backend);
  jpeg = await makeJpeg(320, 240);
  key = (await uploadToAlbum(backend, albumId, jpeg, { filename: 'private.jpg', mimeType: 'image/jpeg' })).key;
  await backend.idle();
});
afterAll(async () => {
  s3?.destroy();
  await backend?.destroy();
});

const objectUrl = (k: string) => `${backend.s3}/${LOCAL_BUCKET}/${k.split('/').map(encodeURIComponent).join('/')}`;
const exists = (k: string) =>
  s3.send(new HeadObjectCommand({ Bucket: LOCAL_BUCKET, Key: k })).then(
    () => true,
    () => false,
  );

/** A raw HTTP request with full control of the headers (fetch refuses to set Host). */
function raw(method: string, url: string, headers: Record<string, string>, body?: Buffer): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function requestUpload(body: Buffer, declared: { mimeType?: string; sha256?: string } = {}) {
  const res = await api(backend, 'POST', `/albums/${albumId}/media/upload`, { filename: 'x.jpg', mimeType: 'image/jpeg', size: body.length, ...declared });
  expect(res.status).toBe(201);
  return res.body as { key: string; mediaId: string; upload: { url: string; headers: Record<string, string> } };
}

describe('anonymous requests are refused with an S3 error document', () => {
  it('unsigned GET of an original: 403', async () => {
    const res = await fetch(objectUrl(key));
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/<Code>AccessDenied<\/Code>/);
  });
  it('unsigned list of the bucket: 403, no keys', async () => {
    const res = await fetch(`${backend.s3}/${LOCAL_BUCKET}?list-type=2`);
    const text = await res.text();
    expect(res.status).toBe(403);
    expect(text).not.toContain(key);
    expect((await fetch(`${backend.s3}/`)).status).toBe(403);
  });
  it('unsigned DELETE: 403 and the object stays', async () => {
    expect((await fetch(objectUrl(key), { method: 'DELETE' })).status).toBe(403);
    expect(await exists(key)).toBe(true);
  });
  it('unsigned PUT to a key of the attacker\'s choosing: 403 and nothing stored', async () => {
    const res = await fetch(objectUrl('albums/x/media/evil.jpg'), { method: 'PUT', body: 'evil' });
    expect(res.status).toBe(403);
    expect(await exists('albums/x/media/evil.jpg')).toBe(false);
  });
});

describe('presigned URLs hold what they were signed for', () => {
  it('Ferry\'s own presigned PUT with exactly its headers: 200', async () => {
    const body = await makeJpeg(64, 64);
    const up = await requestUpload(body, { sha256: sha256Hex(body) });
    expect((await fetch(up.upload.url, { method: 'PUT', headers: up.upload.headers, body: body as unknown as BodyInit })).status).toBe(200);
    expect(await exists(up.key)).toBe(true);
  });
  it('wrong Content-Type: 403', async () => {
    const up = await requestUpload(jpeg);
    const res = await fetch(up.upload.url, { method: 'PUT', headers: { ...up.upload.headers, 'Content-Type': 'text/html' }, body: jpeg as unknown as BodyInit });
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/SignatureDoesNotMatch/);
    expect(await exists(up.key)).toBe(false);
  });
  it('a 5-byte body on a URL signed for the real length: 403', async () => {
    const up = await requestUpload(jpeg);
    const res = await fetch(up.upload.url, { method: 'PUT', headers: { 'Content-Type': 'image/jpeg' }, body: 'hello' });
    expect(res.status).toBe(403);
    expect(await exists(up.key)).toBe(false);
  });
  it('the signature replaced by zeros: 403', async () => {
    const up = await requestUpload(jpeg);
    const zeroed = up.upload.url.replace(/X-Amz-Signature=[0-9a-f]+/, `X-Amz-Signature=${'0'.repeat(64)}`);
    const res = await fetch(zeroed, { method: 'PUT', headers: up.upload.headers, body: jpeg as unknown as BodyInit });
    expect(res.status).toBe(403);
    expect(await exists(up.key)).toBe(false);
  });
  it('a URL signed for one key used for another: 403', async () => {
    const up = await requestUpload(jpeg);
    const moved = up.upload.url.replace(up.key.split('/').pop()!, 'other.jpg');
    expect((await fetch(moved, { method: 'PUT', headers: up.upload.headers, body: jpeg as unknown as BodyInit })).status).toBe(403);
  });
  it('an expired URL: 403', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }), { expiresIn: 60, signingDate: new Date(Date.now() - 3600_000) });
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/expired/);
  });
  it('a URL signed with another key: 403', async () => {
    const other = client({ accessKeyId: backend.s3Key.accessKeyId, secretAccessKey: 'not-the-secret-not-the-secret-not-the-se' });
    const url = await getSignedUrl(other, new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }), { expiresIn: 60 });
    other.destroy();
    expect((await fetch(url)).status).toBe(403);
    const old = client({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    const url2 = await getSignedUrl(old, new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }), { expiresIn: 60 });
    old.destroy();
    expect((await fetch(url2)).status).toBe(403);
  });
  it('a body that does not hash to the signed x-amz-checksum-sha256: 400 BadDigest, nothing stored', async () => {
    const declared = await makeJpeg(66, 64);
    const up = await requestUpload(declared, { sha256: sha256Hex(declared) });
    const forged = Buffer.from(declared);
    forged[forged.length - 3] = forged[forged.length - 3]! ^ 0xff; // same length, other bytes
    const res = await fetch(up.upload.url, { method: 'PUT', headers: up.upload.headers, body: forged as unknown as BodyInit });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/BadDigest/);
    expect(await exists(up.key)).toBe(false);
  });
  it('a presigned GET of an original and of a thumbnail still works', async () => {
    const list = await api(backend, 'GET', `/albums/${albumId}/media`);
    const m = list.body.media.find((x: { key: string }) => x.key === key);
    expect((await fetch(m.thumbnails.small)).status).toBe(200);
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }), { expiresIn: 60 });
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')).toBe(sha256Hex(jpeg));
  });
});

describe('header-signed requests (the SDK, rclone, the AWS CLI)', () => {
  it('the install\'s key works; a wrong secret, a tampered x-amz-content-sha256 body and an unsigned x-amz header do not', async () => {
    const got = await s3.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(jpeg)).toBe(true);
    const wrong = client({ ...backend.s3Key, secretAccessKey: 'x'.repeat(40) });
    await expect(wrong.send(new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    wrong.destroy();

    const signer = new SignatureV4({ credentials: backend.s3Key, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const u = new URL(objectUrl('albums/x/media/signed.txt'));
    const body = Buffer.from('the signed body');
    const signed = await signer.sign({ method: 'PUT', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: u.pathname, query: {}, headers: { host: u.host, 'content-length': String(body.length), 'x-amz-content-sha256': sha256Hex(body) } });
    const tampered = Buffer.from('the signed bodX');
    const res = await raw('PUT', u.href, signed.headers, tampered);
    expect([res.status, res.body]).toEqual([400, expect.stringMatching(/XAmzContentSHA256Mismatch/)]);
    expect(await exists('albums/x/media/signed.txt')).toBe(false);
    expect((await raw('PUT', u.href, signed.headers, body)).status).toBe(200);
    expect((await raw('PUT', u.href, { ...signed.headers, 'x-amz-acl': 'public-read' }, body)).status).toBe(403);
  });
  it('an aws-chunked body (which s3rver would store framing and all): 501, nothing stored', async () => {
    const signer = new SignatureV4({ credentials: backend.s3Key, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const u = new URL(objectUrl('albums/x/media/chunked.bin'));
    const body = Buffer.from('5\r\nhello\r\n0\r\n\r\n');
    const signed = await signer.sign({
      method: 'PUT',
      protocol: 'http:',
      hostname: u.hostname,
      path: u.pathname,
      query: {},
      headers: { host: u.host, 'content-length': String(body.length), 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' },
    });
    const res = await raw('PUT', u.href, signed.headers, body);
    expect([res.status, res.body]).toEqual([501, expect.stringMatching(/NotImplemented/)]);
    expect(await exists('albums/x/media/chunked.bin')).toBe(false);
  });
  it('a request dated 20 minutes ago: 403 RequestTimeTooSkewed', async () => {
    const signer = new SignatureV4({ credentials: backend.s3Key, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false });
    const u = new URL(objectUrl(key));
    const signed = await signer.sign(
      { method: 'GET', protocol: 'http:', hostname: u.hostname, path: u.pathname, query: {}, headers: { host: u.host, 'x-amz-content-sha256': sha256Hex(Buffer.alloc(0)) } },
      { signingDate: new Date(Date.now() - 20 * 60_000) },
    );
    const res = await raw('GET', u.href, signed.headers);
    expect([res.status, res.body]).toEqual([403, expect.stringMatching(/RequestTimeTooSkewed/)]);
  });
});

describe('browsers and DNS rebinding', () => {
  it('a foreign Origin gets no CORS grant; Ferry\'s origins do', async () => {
    const pre = (origin: string) =>
      fetch(objectUrl(key), { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
    const evil = await pre('https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    for (const origin of ['app://ferry', 'http://127.0.0.1:5173']) {
      const ok = await pre(origin);
      expect([ok.status, ok.headers.get('access-control-allow-origin')]).toEqual([200, origin]);
    }
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }), { expiresIn: 60 });
    const read = await fetch(url, { headers: { origin: 'https://evil.example' } });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    expect((await fetch(url, { headers: { origin: 'app://ferry' } })).headers.get('access-control-allow-origin')).toBe('app://ferry');
  });
  it('a Host that is not the server\'s own name: 403, even with a valid signature', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: LOCAL_BUCKET, Key: key }), { expiresIn: 60 });
    const port = new URL(backend.s3).port;
    expect((await raw('GET', url, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await raw('GET', url, {})).status).toBe(200);
  });
});


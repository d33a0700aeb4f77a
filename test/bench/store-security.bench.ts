/**
 * `npm run bench store-security`: what the embedded stores' protections cost per request. The same
 * presigned PUTs (Ferry's: Content-Type, Content-Length and x-amz-checksum-sha256 signed) and GETs
 * go to bare s3rver (before issue 10: no signature checked) and to s3rver behind the gate (SigV4
 * recomputed, the body's SHA-256 checked while it streams). Also the signature check alone, in a
 * loop. And DynamoDB over loopback TCP (before) against the private Unix socket (after): the same
 * GetItem, one at a time. FERRY_BENCH_SMALL sets the number of 1 MB files (default 150). Results go
 * to .bench/store-security.json.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Agent } from 'node:http';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createRequire } from 'node:module';
import pLimit from 'p-limit';
import { SigV4Verifier } from '../../backend-lambda/local/s3-auth.ts';
import { startS3Store } from '../../backend-lambda/local/stores.ts';

const require = createRequire(import.meta.url);
/** bare s3rver, as the embedded backend ran it before (its types live in backend-lambda's vendor.d.ts) */
const S3rver = require('s3rver') as new (o: object) => { run(): Promise<{ port: number }>; close(): Promise<void> };
const dynalite = require('dynalite') as (o: object) => Server;

/** `n` GetItems one after another over `client`; mean µs each. */
async function getItems(client: DynamoDBClient, n: number): Promise<number> {
  await client.send(new CreateTableCommand({ TableName: 'bench', KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }], AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }], BillingMode: 'PAY_PER_REQUEST' }));
  await new Promise((r) => setTimeout(r, 200));
  await client.send(new PutItemCommand({ TableName: 'bench', Item: { pk: { S: 'a' }, v: { S: 'x'.repeat(500) } } }));
  for (let i = 0; i < 50; i++) await client.send(new GetItemCommand({ TableName: 'bench', Key: { pk: { S: 'a' } } }));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await client.send(new GetItemCommand({ TableName: 'bench', Key: { pk: { S: 'a' } } }));
  return ((performance.now() - t0) * 1000) / n;
}
const N = Number(process.env.FERRY_BENCH_SMALL ?? 150);
const BUCKET = 'bench';
const files = Array.from({ length: N }, () => randomBytes(1024 * 1024));

function client(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }) {
  return new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

/** N presigned PUTs of 1 MB, 8 at a time, then N presigned GETs; wall ms of each phase. */
async function run(endpoint: string, credentials: { accessKeyId: string; secretAccessKey: string }, withChecksum = true) {
  const s3 = client(endpoint, credentials);
  const limit = pLimit(8);
  const t0 = performance.now();
  await Promise.all(
    files.map((body, i) =>
      limit(async () => {
        const checksum = withChecksum ? createHash('sha256').update(body).digest('base64') : undefined;
        const cmd = new PutObjectCommand({ Bucket: BUCKET, Key: `f/${i}.jpg`, ContentType: 'image/jpeg', ContentLength: body.length, ...(checksum ? { ChecksumSHA256: checksum } : {}) });
        const url = await getSignedUrl(s3, cmd, { expiresIn: 900, signableHeaders: new Set(['content-type', 'content-length']), unhoistableHeaders: new Set(['x-amz-checksum-sha256']) });
        const res = await fetch(url, { method: 'PUT', headers: { 'content-type': 'image/jpeg', ...(checksum ? { 'x-amz-checksum-sha256': checksum } : {}) }, body });
        if (res.status !== 200) throw new Error(`PUT ${res.status} ${await res.text()}`);
      }),
    ),
  );
  const t1 = performance.now();
  await Promise.all(
    files.map((_b, i) =>
      limit(async () => {
        const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: BUCKET, Key: `f/${i}.jpg` }), { expiresIn: 900 });
        const res = await fetch(url);
        if (res.status !== 200) throw new Error(`GET ${res.status}`);
        await res.arrayBuffer();
      }),
    ),
  );
  const t2 = performance.now();
  s3.destroy();
  return { putMs: t1 - t0, getMs: t2 - t1 };
}

const work = mkdtempSync(join(tmpdir(), 'ferry-bench-verify-'));
const results: Record<string, { putMs: number; getMs: number }> = {};
try {
  // Alternate, twice each, so neither side always runs on a warmer machine.
  for (const round of [1, 2]) {
    const bareDir = join(work, `bare-${round}`);
    const bare = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: bareDir, configureBuckets: [{ name: BUCKET }] });
    const addr = await bare.run();
    results[`bare s3rver #${round}`] = await run(`http://127.0.0.1:${addr.port}`, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    await bare.close();

    const key = { accessKeyId: 'FERRYBENCHKEY0000000', secretAccessKey: randomBytes(30).toString('base64') };
    const gated = await startS3Store({ directory: join(work, `gated-${round}`), bucket: BUCKET, key, region: 'us-east-1', incomingDir: join(work, `incoming-${round}`) });
    results[`gated s3rver #${round}`] = await run(gated.url, key);
    await gated.close();
    // the same without a checksum: the signature check alone, no body hashing or temporary file
    const gated2 = await startS3Store({ directory: join(work, `gated-nosum-${round}`), bucket: BUCKET, key, region: 'us-east-1', incomingDir: join(work, `incoming-nosum-${round}`) });
    results[`gated, no checksum #${round}`] = await run(gated2.url, key, false);
    await gated2.close();
  }

  // The signature check alone: a presigned PUT URL verified in a loop.
  const key = { accessKeyId: 'FERRYBENCHKEY0000000', secretAccessKey: randomBytes(30).toString('base64') };
  const s3 = client('http://127.0.0.1:9', key);
  const body = files[0]!;
  const checksum = createHash('sha256').update(body).digest('base64');
  const url = new URL(
    await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: 'f/x.jpg', ContentType: 'image/jpeg', ContentLength: body.length, ChecksumSHA256: checksum }), {
      expiresIn: 900,
      signableHeaders: new Set(['content-type', 'content-length']),
      unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
    }),
  );
  s3.destroy();
  const verifier = new SigV4Verifier(key, 'us-east-1');
  const input = { method: 'PUT', url: url.pathname + url.search, headers: { host: url.host, 'content-type': 'image/jpeg', 'content-length': String(body.length), 'x-amz-checksum-sha256': checksum }, now: new Date() };
  if (await verifier.verify(input)) throw new Error('the bench URL does not verify');
  const loops = 5000;
  const v0 = performance.now();
  for (let i = 0; i < loops; i++) await verifier.verify(input);
  const verifyUs = ((performance.now() - v0) * 1000) / loops;
  // and the body check's share: SHA-256 of 1 MB
  const h0 = performance.now();
  for (let i = 0; i < 50; i++) createHash('sha256').update(body).digest();
  const sha1MbMs = (performance.now() - h0) / 50;

  // DynamoDB: the same dynalite over loopback TCP and over a Unix socket.
  const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
  const dyn: Record<string, number> = {};
  for (const round of [1, 2]) {
    const tcp = dynalite({ createTableMs: 0 });
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', () => r()));
    const tcpClient = new DynamoDBClient({ region: 'us-east-1', endpoint: `http://127.0.0.1:${(tcp.address() as { port: number }).port}`, credentials });
    dyn[`TCP #${round}`] = await getItems(tcpClient, 1000);
    tcpClient.destroy();
    await new Promise((r) => tcp.close(r));
    const sock = join(work, `d-${round}.sock`);
    const unix = dynalite({ createTableMs: 0 });
    await new Promise<void>((r) => unix.listen(sock, () => r()));
    const unixClient = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: 'http://localhost',
      credentials,
      requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true, socketPath: sock } as ConstructorParameters<typeof Agent>[0]) }),
    });
    dyn[`Unix socket #${round}`] = await getItems(unixClient, 1000);
    unixClient.destroy();
    await new Promise((r) => unix.close(r));
  }

  console.log(`\n${N} × 1 MB presigned PUTs, then ${N} presigned GETs, 8 in flight`);
  console.log('| store | PUTs (s) | per PUT (ms) | GETs (s) | per GET (ms) |\n| --- | ---: | ---: | ---: | ---: |');
  for (const [name, r] of Object.entries(results)) {
    console.log(`| ${name} | ${(r.putMs / 1000).toFixed(2)} | ${(r.putMs / N).toFixed(2)} | ${(r.getMs / 1000).toFixed(2)} | ${(r.getMs / N).toFixed(2)} |`);
  }
  console.log(`\nSigV4 check alone: ${verifyUs.toFixed(0)} µs per request (${loops} in a loop); SHA-256 of 1 MB: ${sha1MbMs.toFixed(2)} ms`);
  console.log('\nDynamoDB GetItem, 1000 one after another (µs each):');
  for (const [name, us] of Object.entries(dyn)) console.log(`- ${name}: ${us.toFixed(0)}`);
  mkdirSync('.bench', { recursive: true });
  writeFileSync('.bench/store-security.json', JSON.stringify({ at: new Date().toISOString(), files: N, results, verifyUs, sha1MbMs, dynamoGetItemUs: dyn }, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}

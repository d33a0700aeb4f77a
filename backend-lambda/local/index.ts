/**
 * The embedded backend (SPEC §6): s3rver and dynalite on 127.0.0.1 with their data under
 * `{dataDir}/backend/`, the HTTP API over the Lambda handlers, S3 events dispatched to process-upload,
 * and the clean-up job on a timer.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import S3rver from 's3rver';
import dynalite from 'dynalite';
import { apiRoutes, eventFunctions } from '../functions/routes.ts';
import { DEFAULTS, type BackendConfig } from '../lib/config.ts';
import { destroyDeps, makeDeps, type Deps } from '../lib/deps.ts';
import type { ApiHandler } from '../lib/http.ts';
import { dynamoStorage } from '../lib/storage/dynamo-storage.ts';
import { THUMBNAIL_PREFIX } from '../../shared/object-keys.ts';
import { createApiListener, type BoundRoute } from './adapter.ts';
import { EventDispatcher } from './dispatcher.ts';
import { loadIdentity } from './identity.ts';

export interface EmbeddedBackend {
  api: string;
  /** the S3 address put into presigned URLs (`--s3-public-url` when given) */
  s3: string;
  /** where s3rver itself listens; differs from `s3` behind a proxy or tunnel */
  s3Listen: string;
  bucket: string;
  dynamodb: string;
  token: string;
  userId: string;
  /** resolves once every S3 event received so far has been processed (tests use it instead of sleeps) */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedBackendOptions {
  dataDir: string;
  port?: number;
  host?: string;
  s3PublicUrl?: string;
  maxUploadBytes?: number;
  pendingMaxAgeSeconds?: number;
  /** false: S3 events are dropped as if the process died before handling them (crash-recovery tests) */
  processEvents?: boolean;
}

export const LOCAL_BUCKET = 'ferry-media';
export const LOCAL_TABLE = 'ferry';
const BUCKET = LOCAL_BUCKET;
const TABLE = LOCAL_TABLE;
/** s3rver accepts only this key pair (it does not verify signatures, but it checks the key ID). */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

// Browsers (serve mode, the renderer) PUT straight to S3, so the local bucket allows any origin and
// exposes ETag (multipart completion needs each part's).
const CORS = `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule></CORSConfiguration>`;

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

/** Routes a client calls right before sending bytes: while they keep coming, uploads are streaming. */
const BYTES_FOLLOW = new Set<string>(
  apiRoutes.map((r) => r.routeKey).filter((k) => k.startsWith('POST ') && (k.endsWith('/upload') || k.endsWith('/uploads') || k.endsWith('/upload-url') || k.endsWith('/parts'))),
);
/** A gap this long between upload requests means the burst is over (clients send them ms apart). */
const YIELD_QUIET_MS = 150;
/** An event waits at most this long for quiet: a long burst still gets thumbnails as it goes. */
const YIELD_MAX_DEFER_MS = 3000;

const urlOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** A synthetic ObjectCreated event in the shape S3 gives Lambda (used for recovery after a crash). */
function createdEvent(bucket: string, key: string): S3Event {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'ferry-local' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'recovery', 'x-amz-id-2': 'recovery' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'ferry-recovery',
          bucket: { name: bucket, ownerIdentity: { principalId: 'ferry-local' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: 0, eTag: '', sequencer: '0' },
        },
      },
    ],
  };
}

/**
 * Events live in memory, so a crash loses the ones not yet processed: on start, every pending record
 * whose object already exists in S3 is dispatched again (process-upload is idempotent).
 */
async function redispatchOrphans(deps: Deps, dispatcher: EventDispatcher): Promise<number> {
  const pending = await deps.storage.listPending({ limit: 10_000 });
  let n = 0;
  for (const item of pending) {
    const exists = await deps.s3.send(new HeadObjectCommand({ Bucket: deps.config.bucketName, Key: item.key })).then(
      () => true,
      () => false,
    );
    if (!exists) continue;
    dispatcher.dispatch(createdEvent(deps.config.bucketName, item.key));
    n++;
  }
  return n;
}

/** Starts s3rver, dynalite, the API and event dispatch; writes `{dataDir}/backend/backend.json`. */
export async function startEmbeddedBackend(opts: EmbeddedBackendOptions): Promise<EmbeddedBackend> {
  const host = opts.host ?? '127.0.0.1';
  const backendDir = join(opts.dataDir, 'backend');
  const s3Dir = join(backendDir, 's3');
  const dbDir = join(backendDir, 'dynamodb');
  await mkdir(s3Dir, { recursive: true });
  await mkdir(dbDir, { recursive: true });
  const identity = await loadIdentity(backendDir);

  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir, configureBuckets: [{ name: BUCKET, configs: [CORS] }] });
  const s3Address = (await s3rver.run()) as AddressInfo;
  const s3Url = urlOf('127.0.0.1', s3Address.port);

  const dynamo = dynalite({ path: dbDir, createTableMs: 0 }) as Server;
  const dynamoAddress = await listen(dynamo, 0, '127.0.0.1');
  const dynamoUrl = urlOf('127.0.0.1', dynamoAddress.port);

  const config: BackendConfig = {
    region: 'us-east-1',
    tableName: TABLE,
    bucketName: BUCKET,
    s3Endpoint: s3Url,
    s3PublicUrl: opts.s3PublicUrl?.replace(/\/+$/, '') ?? s3Url,
    dynamodbEndpoint: dynamoUrl,
    maxUploadBytes: opts.maxUploadBytes ?? DEFAULTS.maxUploadBytes,
    pendingMaxAgeSeconds: opts.pendingMaxAgeSeconds ?? DEFAULTS.pendingMaxAgeSeconds,
    presignExpiresSeconds: DEFAULTS.presignExpiresSeconds,
    maxInputPixels: DEFAULTS.maxInputPixels,
    maxImageBytes: DEFAULTS.maxImageBytes,
    credentials: S3RVER_CREDENTIALS,
  };
  const deps = makeDeps(config, dynamoStorage);
  await deps.storage.ensureTable();
  await deps.storage.ensureUser(identity.userId, deps.now().toISOString(), 'Local user');

  const log = (message: string, err?: unknown) => console.error(`[ferry backend] ${message}`, err ?? '');
  const processUpload = (await import(`../functions/${eventFunctions.processUpload}.ts`)) as { withDeps(d: Deps): (e: S3Event) => Promise<unknown> };
  const cleanup = (await import(`../functions/${eventFunctions.cleanupPending}.ts`)) as { withDeps(d: Deps): () => Promise<unknown> };
  // Sharp's renditions of files already sent compete with the upload path (this thread's API, s3rver
  // and dynalite) for the same cores; measured on 2 cores, 150 × 1 MB took 3.6 s with processing
  // beside it and 1.65 s without (docs/benchmarks/upload.md, "Backend request cost"). So processing
  // waits while uploads keep coming (their requests, and the objects landing in S3: after the last
  // request, the last files' bytes are still streaming), at most YIELD_MAX_DEFER_MS per event.
  let lastUploadActivity = 0;
  const dispatcher = new EventDispatcher({
    concurrency: 2,
    attempts: 3,
    backoffMs: 200,
    handle: processUpload.withDeps(deps),
    log,
    yieldTo: { lastActivity: () => lastUploadActivity, quietMs: YIELD_QUIET_MS, maxDeferMs: YIELD_MAX_DEFER_MS },
  });
  if (opts.processEvents !== false) {
    s3rver.on('event', (event: S3Event) => {
      // Only originals count: processing's own thumbnail writes must not hold processing back.
      if (event.Records?.some((r) => r.s3?.object?.key && !r.s3.object.key.startsWith(THUMBNAIL_PREFIX))) lastUploadActivity = Date.now();
      dispatcher.dispatch(event);
    });
  }

  const routes: BoundRoute[] = await Promise.all(
    apiRoutes.map(async (r) => {
      const mod = (await import(`../functions/${r.fn}.ts`)) as { withDeps(d: Deps): ApiHandler };
      return { routeKey: r.routeKey, auth: r.auth, handler: mod.withDeps(deps) };
    }),
  );
  const api = createServer(
    createApiListener(routes, identity, {
      onRoute: (routeKey) => {
        if (BYTES_FOLLOW.has(routeKey)) lastUploadActivity = Date.now();
      },
    }),
  );
  const apiAddress = await listen(api, opts.port ?? 0, host);
  const apiUrl = urlOf(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, apiAddress.port);

  if (opts.processEvents !== false) await redispatchOrphans(deps, dispatcher);
  const runCleanup = cleanup.withDeps(deps);
  // Sweep at least every 5 minutes, and often enough that a short configured age is honoured.
  const sweepMs = Math.max(1000, Math.min(300_000, (config.pendingMaxAgeSeconds * 1000) / 2));
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweepTimer = setInterval(() => {
    sweeping = runCleanup().catch((err) => log('clean-up failed', err));
  }, sweepMs);
  sweepTimer.unref();

  const ready = { api: apiUrl, s3: config.s3PublicUrl!, bucket: BUCKET, dynamodb: dynamoUrl, token: identity.token };
  const infoFile = join(backendDir, 'backend.json');
  await writeFile(infoFile, JSON.stringify({ ...ready, userId: identity.userId, pid: process.pid }), { mode: 0o600 });

  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    s3Listen: s3Url,
    userId: identity.userId,
    idle: () => dispatcher.idle(),
    stop: () => {
      stopping ??= (async () => {
        clearInterval(sweepTimer);
        await close(api);
        await dispatcher.stop();
        await sweeping;
        destroyDeps(deps);
        await s3rver.close();
        await close(dynamo);
        await rm(infoFile, { force: true });
      })();
      return stopping;
    },
  };
}

/**
 * The embedded backend (SPEC §6): s3rver behind a SigV4 gate on 127.0.0.1 and dynalite on a private
 * Unix socket (stores.ts), their data under `{dataDir}/backend/` (0700), the HTTP API over the
 * Lambda handlers, S3 events dispatched to process-upload, and the clean-up job on a timer.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { apiRoutes, eventFunctions } from '../functions/routes.ts';
import { DEFAULTS, type BackendConfig } from '../lib/config.ts';
import { destroyDeps, makeDeps, type Deps } from '../lib/deps.ts';
import type { ApiHandler } from '../lib/http.ts';
import { dynamoStorageWithDelete } from '../lib/storage/dynamo-storage-delete.ts';
import { THUMBNAIL_PREFIX } from '../../shared/object-keys.ts';
import { createApiListener, type BoundRoute } from './adapter.ts';
import { EventDispatcher } from './dispatcher.ts';
import { loadIdentity, type LocalIdentity } from './identity.ts';
import { jwtAuthorizer } from './jwt-authorizer.ts';
import { ensurePrivateDir, tightenTree, usePrivateUmask } from './private-files.ts';
import type { S3Key } from './s3-auth.ts';
import { loadS3Key } from './s3-key.ts';
import { close, listen, startDynamoStore, startS3Store, urlOf } from './stores.ts';

export interface EmbeddedBackend {
  api: string;
  /** the S3 address put into presigned URLs (`--s3-public-url` when given) */
  s3: string;
  /** where s3rver itself listens; differs from `s3` behind a proxy or tunnel */
  s3Listen: string;
  bucket: string;
  /** `unix:{socket path}`: the DynamoDB store has no TCP port */
  dynamodb: string;
  token: string;
  userId: string;
  /** the per-install key every S3 request must be signed with */
  s3Key: S3Key;
  region: string;
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
  /**
   * Trust an OpenID Connect issuer's JWTs, as API Gateway's JWT authorizer does, instead of the local
   * token; `GET /auth/config` then tells clients where to sign in. The user ID is the token's `sub`.
   */
  oidc?: { issuer: string; clientId: string; scopes?: string[]; redirectUris?: string[] };
  /** the S3 store's port (0 or absent: a free one) */
  s3Port?: number;
  /** origins granted CORS by the S3 store besides Ferry's own (the app, loopback serve mode) */
  corsOrigins?: string[];
  /** more users the API accepts (tests of one user against another's data) */
  extraUsers?: LocalIdentity[];
}

export const LOCAL_BUCKET = 'ferry-media';
export const LOCAL_TABLE = 'ferry';
const BUCKET = LOCAL_BUCKET;
const TABLE = LOCAL_TABLE;
export const LOCAL_REGION = 'us-east-1';

/** Routes a client calls right before sending bytes: while they keep coming, uploads are streaming. */
const BYTES_FOLLOW = new Set<string>(
  apiRoutes.map((r) => r.routeKey).filter((k) => k.startsWith('POST ') && (k.endsWith('/upload') || k.endsWith('/uploads') || k.endsWith('/upload-url') || k.endsWith('/parts'))),
);
/** A gap this long between upload requests (and object arrivals) means the burst is over (clients send them ms apart). */
const UPLOAD_QUIET_MS = 150;
/**
 * Processing slots: one per core when uploads are quiet; two cores fewer while they stream, so the
 * upload path (this thread's API, s3rver and dynalite, and the uploading client beside us) keeps two
 * cores while processing goes on beside it (issue 13: the two phases overlap on a machine that has
 * cores to spare). On two cores that is none: measured on 150 × 1 MB JPEGs, one slot while
 * uploading made the bytes land in 2.27–2.75 s instead of 1.81–1.86 s and left the time to the last
 * thumbnail unchanged (29.8 s vs 29.2 s): both phases want the same two cores (docs/benchmarks/ready.md).
 */
const CORES = availableParallelism();
const PROCESSING_SLOTS = CORES;
const PROCESSING_SLOTS_WHILE_UPLOADING = Math.max(0, CORES - 2);
/** With no slot while uploading, an event waits at most this long: a long stream still gets thumbnails as it goes. */
const PROCESSING_MAX_DEFER_MS = 3000;


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
  // Everything below is the user's alone (SPEC §6): new files 0600 through the umask, and what an
  // older version left readable is tightened now.
  usePrivateUmask();
  for (const dir of [opts.dataDir, backendDir, s3Dir, dbDir]) ensurePrivateDir(dir);
  tightenTree(opts.dataDir);
  const identity = await loadIdentity(backendDir);
  const s3Key = await loadS3Key(backendDir);
  const publicUrl = opts.s3PublicUrl?.replace(/\/+$/, '');

  const s3 = await startS3Store({
    directory: s3Dir,
    bucket: BUCKET,
    key: s3Key,
    region: LOCAL_REGION,
    ...(publicUrl ? { publicUrl } : {}),
    ...(opts.corsOrigins ? { corsOrigins: opts.corsOrigins } : {}),
    incomingDir: join(backendDir, 's3-incoming'),
    ...(opts.s3Port ? { port: opts.s3Port } : {}),
  });
  const s3rver = s3.s3rver;
  const s3Url = s3.url;
  const dynamo = await startDynamoStore(dbDir, backendDir);

  const config: BackendConfig = {
    region: LOCAL_REGION,
    tableName: TABLE,
    bucketName: BUCKET,
    s3Endpoint: s3Url,
    s3PublicUrl: publicUrl ?? s3Url,
    dynamodbSocket: dynamo.socketPath,
    maxUploadBytes: opts.maxUploadBytes ?? DEFAULTS.maxUploadBytes,
    pendingMaxAgeSeconds: opts.pendingMaxAgeSeconds ?? DEFAULTS.pendingMaxAgeSeconds,
    presignExpiresSeconds: DEFAULTS.presignExpiresSeconds,
    maxInputPixels: DEFAULTS.maxInputPixels,
    maxImageBytes: DEFAULTS.maxImageBytes,
    credentials: s3Key,
    ...(opts.oidc
      ? {
          oidc: {
            issuer: opts.oidc.issuer,
            clientId: opts.oidc.clientId,
            scopes: opts.oidc.scopes ?? ['openid', 'email'],
            redirectUris: opts.oidc.redirectUris ?? ['http://127.0.0.1/callback'],
          },
        }
      : {}),
  };
  // Every route runs in this one process, DELETE /media/{id} included: the storage that can delete.
  const deps = makeDeps(config, dynamoStorageWithDelete);
  await deps.storage.ensureTable();
  await deps.storage.ensureUser(identity.userId, deps.now().toISOString(), 'Local user');
  for (const user of opts.extraUsers ?? []) await deps.storage.ensureUser(user.userId, deps.now().toISOString(), 'Another local user');

  const log = (message: string, err?: unknown) => console.error(`[ferry backend] ${message}`, err ?? '');
  const processUpload = (await import(`../functions/${eventFunctions.processUpload}.ts`)) as {
    withDeps(d: Deps): (e: S3Event) => Promise<unknown>;
    giveUpWithDeps(d: Deps): (e: S3Event, err: unknown) => Promise<unknown>;
  };
  const cleanup = (await import(`../functions/${eventFunctions.cleanupPending}.ts`)) as { withDeps(d: Deps): () => Promise<unknown> };
  // Sharp's renditions of files already sent compete with the upload path for the same cores; measured
  // on 2 cores, 150 × 1 MB took 3.6 s with processing at full width beside it and 1.65 s without
  // (docs/benchmarks/upload.md). Deferring processing until uploads stop made the two phases add up
  // (docs/benchmarks/ready.md), so it runs throughout, one slot narrower while bytes are landing (the
  // upload requests, and the originals arriving in S3: after the last request the last files are still
  // streaming).
  let lastUploadActivity = 0;
  const dispatcher = new EventDispatcher({
    concurrency: PROCESSING_SLOTS,
    attempts: 3,
    backoffMs: 200,
    handle: processUpload.withDeps(deps),
    onGiveUp: processUpload.giveUpWithDeps(deps),
    log,
    share: {
      busy: () => Date.now() - lastUploadActivity < UPLOAD_QUIET_MS,
      concurrency: PROCESSING_SLOTS_WHILE_UPLOADING,
      recheckMs: UPLOAD_QUIET_MS,
      maxDeferMs: PROCESSING_MAX_DEFER_MS,
    },
  });
  if (opts.processEvents !== false) {
    s3rver.on('event', (event: S3Event) => {
      // Processing's own thumbnail writes (six per image) are neither upload activity nor work: AWS's
      // notification filter leaves them out by prefix, and so does this, rather than queue them for a
      // slot behind images only to be ignored.
      if (!event.Records?.some((r) => r.s3?.object?.key && !r.s3.object.key.startsWith(THUMBNAIL_PREFIX))) return;
      lastUploadActivity = Date.now();
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
    createApiListener(routes, [identity, ...(opts.extraUsers ?? [])], {
      ...(opts.oidc ? { authorize: jwtAuthorizer({ issuer: opts.oidc.issuer, audience: [opts.oidc.clientId] }) } : {}),
      onRoute: (routeKey) => {
        if (BYTES_FOLLOW.has(routeKey)) lastUploadActivity = Date.now();
      },
    }),
  );
  const apiAddress = (await listen(api, opts.port ?? 0, host)) as AddressInfo;
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

  const ready = { api: apiUrl, s3: config.s3PublicUrl!, bucket: BUCKET, dynamodb: `unix:${dynamo.socketPath}`, token: identity.token };
  const infoFile = join(backendDir, 'backend.json');
  await writeFile(infoFile, JSON.stringify({ ...ready, userId: identity.userId, pid: process.pid }), { mode: 0o600 });

  let stopping: Promise<void> | undefined;
  return {
    ...ready,
    s3Listen: s3Url,
    userId: identity.userId,
    s3Key,
    region: LOCAL_REGION,
    idle: () => dispatcher.idle(),
    stop: () => {
      stopping ??= (async () => {
        clearInterval(sweepTimer);
        await close(api);
        await dispatcher.stop();
        await sweeping;
        destroyDeps(deps);
        await s3.close();
        await dynamo.close();
        await rm(infoFile, { force: true });
      })();
      return stopping;
    },
  };
}

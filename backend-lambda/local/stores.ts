/**
 * The embedded backend's two stores, each reachable only by whoever holds this install's secrets:
 * - S3: s3rver mounted behind the SigV4 gate (s3-gate.ts) on 127.0.0.1;
 * - DynamoDB: dynalite on a Unix socket, mode 0600, in the private data dir. No TCP port exists,
 *   so no other local user or web page can reach it; only this process's SDK client, whose agent
 *   dials the socket, does. (Chosen over verifying signatures in front of dynalite: the OS checks
 *   the socket's mode for free, and a request over it costs less than one over loopback TCP;
 *   docs/benchmarks/store-security.md has the figures (npm run bench store-security).)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import dynalite from 'dynalite';
import type { S3Key } from './s3-auth.ts';
import { createS3Gate } from './s3-gate.ts';
import { ensurePrivateDir } from './private-files.ts';

/** Node HTTP server lifecycle helpers. */
export function listen(server: Server, port: number | string, host?: string): Promise<AddressInfo | string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo | string);
    };
    if (typeof port === 'string') server.listen(port, done);
    else server.listen(port, host, done);
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}

export const urlOf = (host: string, port: number) => `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

export interface S3StoreOptions {
  directory: string;
  bucket: string;
  key: S3Key;
  region: string;
  /** the public URL presigned URLs name, when it differs from where the store listens */
  publicUrl?: string;
  /** origins granted CORS besides the built-in ones (corsAllows) */
  corsOrigins?: string[];
  /** where bodies wait while their hash is checked (private; same filesystem as `directory`) */
  incomingDir: string;
  /** 0 picks a free one */
  port?: number;
}

export interface S3Store {
  /** where the store listens, http://127.0.0.1:port */
  url: string;
  s3rver: S3rver;
  close(): Promise<void>;
}

/** The Electron renderer's origin (main/electron/security.ts appOrigin). */
export const APP_ORIGIN = 'app://ferry';

/**
 * Ferry's own origins: the desktop app, serve mode on a loopback address (any port: `ferry serve`
 * picks its port after this long-lived backend started), and whatever the launcher adds.
 * A page from anywhere else, a DNS-rebinding one included, gets no grant.
 */
export function corsAllows(extra: readonly string[] = []): (origin: string) => boolean {
  const exact = new Set([APP_ORIGIN, ...extra]);
  return (origin) => exact.has(origin) || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/.test(origin);
}

/** Starts s3rver behind the gate on 127.0.0.1:0. */
export async function startS3Store(opts: S3StoreOptions): Promise<S3Store> {
  ensurePrivateDir(opts.incomingDir);
  // vhostBuckets off: Ferry addresses the bucket by path, and a public URL's host name must not be
  // read as a bucket name.
  const s3rver = new S3rver({ silent: true, directory: opts.directory, vhostBuckets: false, configureBuckets: [{ name: opts.bucket }] });
  await s3rver.configureBuckets();
  // Earlier versions stored a CORS rule of `*` with the bucket; CORS is the gate's business now.
  await s3rver.store.deleteSubresource(opts.bucket, undefined, 'cors').catch(() => undefined);
  let hosts = new Set<string>();
  const server = createServer(
    createS3Gate({
      s3rver,
      key: opts.key,
      region: opts.region,
      allowedHosts: () => hosts,
      corsAllows: corsAllows(opts.corsOrigins),
      incomingDir: opts.incomingDir,
    }),
  );
  const address = (await listen(server, opts.port ?? 0, '127.0.0.1')) as AddressInfo;
  hosts = new Set([`127.0.0.1:${address.port}`, `localhost:${address.port}`]);
  if (opts.publicUrl) hosts.add(new URL(opts.publicUrl).host.toLowerCase());
  return {
    url: urlOf('127.0.0.1', address.port),
    s3rver,
    close: async () => {
      await close(server);
      s3rver.logger.close();
    },
  };
}

export interface DynamoStore {
  /** the Unix socket dynalite listens on */
  socketPath: string;
  close(): Promise<void>;
}

/** Linux allows 108 bytes in a socket path (macOS 104): a longer data dir gets a private temp dir. */
const MAX_SOCKET_PATH = 100;

/** Starts dynalite on a 0600 Unix socket next to its data. */
export async function startDynamoStore(dbDir: string, socketDir: string): Promise<DynamoStore> {
  let dir = socketDir;
  let tempDir: string | undefined;
  if (join(dir, 'dynamodb.sock').length > MAX_SOCKET_PATH) {
    tempDir = await mkdtemp(join(tmpdir(), 'ferry-'));
    dir = tempDir;
  }
  ensurePrivateDir(dir);
  const socketPath = join(dir, 'dynamodb.sock');
  // A socket left by a killed backend would make listen() fail with EADDRINUSE.
  await rm(socketPath, { force: true });
  const server = dynalite({ path: dbDir, createTableMs: 0 }) as Server;
  await listen(server, socketPath);
  // The umask already made it 0600 (usePrivateUmask); say so explicitly for a process that kept 022.
  await chmod(socketPath, 0o600);
  return {
    socketPath,
    close: async () => {
      await close(server);
      await rm(socketPath, { force: true });
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    },
  };
}

/**
 * The setup the engine and CLI integration tests share: a temp work dir, the fault proxy, and the real
 * embedded backend behind it (its presigned URLs point at the proxy, so a test can count and break PUTs).
 */
import { afterEach } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestBackend, type TestBackend } from './backend.ts';
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts';

export type Defer = (cleanup: () => Promise<unknown>) => void;

/**
 * Registers an afterEach that undoes what the test deferred, last first (the host before the backend
 * before the dir it writes to); a clean-up that fails must not leave the others undone.
 */
export function useCleanups(): Defer {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });
  return (cleanup) => void cleanups.push(cleanup);
}

export interface ProxiedBackend {
  work: string;
  proxy: FaultProxy;
  /** as first started: after restart() use the backend it returns */
  backend: TestBackend;
  /** A new backend on the same data dir and API port (a client's apiUrl stays valid), the proxy pointed at it. */
  restart(): Promise<TestBackend>;
}

/** Clean-ups go through the test file's `defer`, so they interleave in order with its own (a host it opens closes first). */
export async function startProxiedBackend(prefix: string, defer: Defer): Promise<ProxiedBackend> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  defer(() => rm(work, { recursive: true, force: true }));
  const proxy = await startFaultProxy();
  defer(() => proxy.close());
  const start = async (port?: number) => {
    const b = await startTestBackend({ dataDir: join(work, 'backend'), s3PublicUrl: proxy.url, ...(port ? { port } : {}) });
    proxy.setTarget(b.s3Listen);
    return b;
  };
  let current = await start();
  defer(() => current.stop());
  const port = Number(new URL(current.api).port);
  return { work, proxy, backend: current, restart: async () => (current = await start(port)) };
}

/**
 * The one way main/ starts or reuses the embedded backend: the CLI, serve mode and Electron all come
 * through `ensureEmbeddedBackend` (via openEngineHost). The backend runs in its own process so Sharp's
 * CPU work never stalls the uploader or the UI, and it outlives a `kill -9` of whoever started it.
 *
 * Readiness has one signal, whoever forks the process: `{dataDir}/backend/backend.json`, written by
 * the backend once every part listens, naming the forked child's pid, with /health answering. A
 * stdout line would not do for the CLI's detached child (a pipe breaks when the parent dies), and
 * the file is also how the next command finds a backend to reuse.
 *
 * This file imports nothing of backend-lambda (Electron's main bundle includes it and must not carry
 * the backend); running the backend in this process is `run-here.ts`.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dataPaths, preparePrivateDataDir } from '../config/paths.ts';

/** What `backend.json` holds: the ready line plus the pid of the process serving it. */
export interface BackendInfo {
  api: string;
  token: string;
  s3?: string;
  bucket?: string;
  pid?: number;
}

/** A backend this process can use, and how to let go of it. */
export interface BackendHandle {
  api: string;
  token: string;
  /** stops the backend if this process started it; a no-op for one it reused */
  stop(): Promise<void>;
}

/** A started backend process, whatever started it (Node's spawn, Electron's utilityProcess). */
export interface BackendChild {
  /** the child's pid once it has spawned */
  pid(): number | undefined;
  /** settles with the exit code when the child exits */
  exited: Promise<number | null>;
  /** asks the child to stop (SIGTERM: it closes its stores and removes backend.json) */
  kill(): void;
  /** where to look when it fails to start */
  logHint?: string;
}

/** Starts `ferry backend` with these arguments and environment. */
export type ForkBackend = (args: readonly string[], env: NodeJS.ProcessEnv) => BackendChild;

export const STOP_WAIT_MS = 5000;

/** How a launch waits: real time unless a test passes its own. */
export interface LaunchOptions {
  /** default: `node bin/ferry.js backend`, detached */
  fork?: ForkBackend | undefined;
  /** default 60 s: a first start creates the stores and loads Sharp */
  timeoutMs?: number;
  clock?: { now(): number; sleep(ms: number): Promise<void> };
}

const realClock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function healthy(api: string): Promise<boolean> {
  try {
    const res = await fetch(`${api.replace(/\/+$/, '')}/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok;
  } catch {
    return false;
  }
}

function readInfo(dataDir: string): BackendInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(dataPaths(dataDir).backendInfo, 'utf8')) as BackendInfo;
    return info.api && info.token ? info : undefined;
  } catch {
    // absent, or half-written
    return undefined;
  }
}

/** The pid of another live process serving this data dir (its stores hold file locks), if any. */
export function runningBackendPid(dataDir: string): number | undefined {
  const pid = readInfo(dataDir)?.pid;
  // A pid left by a kill -9 is gone: nothing is running.
  return typeof pid === 'number' && pid !== process.pid && pidAlive(pid) ? pid : undefined;
}

/** The backend already running for this data dir, if its pid is alive and /health answers. */
export async function findRunningBackend(dataDir: string): Promise<BackendInfo | undefined> {
  const info = readInfo(dataDir);
  if (!info) return undefined;
  if (info.pid !== undefined && !pidAlive(info.pid)) return undefined;
  return (await healthy(info.api)) ? info : undefined;
}

/**
 * Forks `node bin/ferry.js backend` detached, its output in `backend/backend.log` rather than a pipe
 * (a pipe would break its stdout the moment we die).
 */
export const forkWithNode: ForkBackend = (args, env) => {
  const dataDir = args[args.indexOf('--data-dir') + 1]!;
  const { backendDir } = dataPaths(dataDir);
  preparePrivateDataDir(dataDir);
  mkdirSync(backendDir, { recursive: true, mode: 0o700 });
  const log = openSync(`${backendDir}/backend.log`, 'a', 0o600);
  const bin = fileURLToPath(new URL('../../bin/ferry.js', import.meta.url));
  const child = spawn(process.execPath, [bin, ...args], { detached: true, stdio: ['ignore', log, log], env });
  closeSync(log);
  child.unref();
  return {
    pid: () => child.pid,
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    kill: () => child.kill('SIGTERM'),
    logHint: `${backendDir}/backend.log`,
  };
};

/** Starts a backend for `dataDir` through `options.fork` and waits for the readiness signal (see the module comment). */
export async function launchEmbeddedBackend(dataDir: string, options: LaunchOptions = {}): Promise<BackendHandle> {
  const { fork = forkWithNode, timeoutMs = 60_000, clock = realClock } = options;
  const { backendInfo } = dataPaths(dataDir);
  const started = clock.now();
  const child = fork(['backend', '--data-dir', dataDir], { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' });
  let exitCode: number | null | undefined;
  void child.exited.then((code) => (exitCode = code));
  const see = child.logHint ? `; see ${child.logHint}` : '';
  const deadline = started + timeoutMs;
  while (clock.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`embedded backend exited (${exitCode ?? 'signal'}) before it was ready${see}`);
    // A backend.json older than this launch is a previous run's, left by a kill -9.
    const fresh = existsSync(backendInfo) && statSync(backendInfo).mtimeMs >= started - 1000;
    const info = fresh ? readInfo(dataDir) : undefined;
    if (info && (info.pid === undefined || info.pid === child.pid()) && (await healthy(info.api))) {
      return {
        api: info.api,
        token: info.token,
        stop: async () => {
          if (exitCode !== undefined) return;
          child.kill();
          // The Node child is unref'd, so this timer is what keeps the process alive until it has exited.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([child.exited, new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))]);
          clearTimeout(timer);
        },
      };
    }
    await clock.sleep(100);
  }
  child.kill();
  throw new Error(`embedded backend did not become ready in ${timeoutMs / 1000} s${see}`);
}

/** Reuses the data dir's running backend, or launches one. */
export async function ensureEmbeddedBackend(dataDir: string, options: LaunchOptions = {}): Promise<BackendHandle> {
  const running = await findRunningBackend(dataDir);
  if (running) return { api: running.api, token: running.token, stop: async () => undefined };
  return launchEmbeddedBackend(dataDir, options);
}

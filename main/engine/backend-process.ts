/**
 * Finds or starts the embedded backend for a data directory. The backend runs in its own process so
 * Sharp's CPU work never stalls the uploader, and it outlives a `kill -9` of the command that started
 * it: the next command finds its `backend.json`, checks the pid and /health, and reuses it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, statSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dataPaths } from '../config/paths.ts';

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

/** The backend already running for this data dir, if its pid is alive and /health answers. */
export async function findRunningBackend(dataDir: string): Promise<BackendInfo | undefined> {
  const file = dataPaths(dataDir).backendInfo;
  if (!existsSync(file)) return undefined;
  let info: BackendInfo;
  try {
    info = JSON.parse(readFileSync(file, 'utf8')) as BackendInfo;
  } catch {
    return undefined;
  }
  if (!info.api || !info.token) return undefined;
  if (info.pid !== undefined && !pidAlive(info.pid)) return undefined;
  return (await healthy(info.api)) ? info : undefined;
}

/**
 * Starts `node bin/ferry.js backend --data-dir D` detached, with its output in a log file rather
 * than a pipe (a pipe would break its stdout the moment we die), and waits for its backend.json.
 */
export async function spawnEmbeddedBackend(dataDir: string, timeoutMs = 60_000): Promise<BackendHandle> {
  const paths = dataPaths(dataDir);
  mkdirSync(paths.backendDir, { recursive: true });
  const log = openSync(`${paths.backendDir}/backend.log`, 'a');
  const bin = fileURLToPath(new URL('../../bin/ferry.js', import.meta.url));
  const started = Date.now();
  const child = spawn(process.execPath, [bin, 'backend', '--data-dir', dataDir], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2' },
  });
  closeSync(log);
  child.unref();
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== null) throw new Error(`embedded backend exited (${exited}); see ${paths.backendDir}/backend.log`);
    if (existsSync(paths.backendInfo) && statSync(paths.backendInfo).mtimeMs >= started - 1000) {
      try {
        const info = JSON.parse(readFileSync(paths.backendInfo, 'utf8')) as BackendInfo;
        if ((info.pid === undefined || info.pid === child.pid) && (await healthy(info.api))) {
          return {
            api: info.api,
            token: info.token,
            stop: async () => {
              if (child.pid && pidAlive(child.pid)) {
                process.kill(child.pid, 'SIGTERM');
                for (let i = 0; i < 100 && pidAlive(child.pid); i++) await new Promise((r) => setTimeout(r, 50));
              }
            },
          };
        }
      } catch {
        // half-written; read it again
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error(`embedded backend did not become ready in ${timeoutMs / 1000} s; see ${paths.backendDir}/backend.log`);
}

/** Reuses the data dir's running backend, or starts one (through `spawnBackend` when given). */
export async function ensureEmbeddedBackend(
  dataDir: string,
  spawnBackend: (dataDir: string) => Promise<BackendHandle> = spawnEmbeddedBackend,
): Promise<BackendHandle> {
  const running = await findRunningBackend(dataDir);
  if (running) return { api: running.api, token: running.token, stop: async () => undefined };
  return spawnBackend(dataDir);
}

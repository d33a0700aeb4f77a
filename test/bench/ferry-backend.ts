/**
 * `ferry backend` for the benches: its own process on a fresh data dir, as a person starts it, known
 * by the JSON line it prints when ready (its API, S3 address, bucket and token).
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

export interface BenchBackend {
  api: string;
  s3: string;
  bucket: string;
  token: string;
  pid: number;
  /** SIGTERM, then waits for the process to exit */
  stop(): Promise<void>;
  /**
   * SIGKILL, not waited for: on SIGTERM the backend first finishes the thumbnails it owes, which
   * would run on the same cores during the next scenario. For a backend whose data is thrown away.
   */
  kill(): void;
}

/**
 * Empties `dataDir`, starts `ferry backend` on it (with `env`, default this process's, and `args`
 * after the data dir) and waits for its ready line.
 */
export async function startBenchBackend(dataDir: string, env: NodeJS.ProcessEnv = process.env, args: readonly string[] = []): Promise<BenchBackend> {
  rmSync(dataDir, { recursive: true, force: true });
  const child = spawn(process.execPath, ['bin/ferry.js', 'backend', '--data-dir', dataDir, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env });
  const line = await new Promise<string>((res, rej) => {
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) res(buf.slice(0, nl));
    });
    child.once('exit', (code) => rej(new Error(`backend exited ${code}`)));
  });
  const info = JSON.parse(line) as Omit<BenchBackend, 'pid' | 'stop' | 'kill'>;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { ...info, pid: child.pid!, stop: async () => void (child.kill('SIGTERM'), await exited), kill: () => void child.kill('SIGKILL') };
}

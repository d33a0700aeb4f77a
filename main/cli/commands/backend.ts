/** `ferry backend`: runs the embedded backend in the foreground and prints its ready line. */
import { readFile } from 'node:fs/promises';
import { startEmbeddedBackend } from '../../../backend-lambda/local/index.ts';
import { dataPaths, resolveDataDir } from '../../config/paths.ts';

/** The pid of a live backend already serving this data dir (its stores hold file locks), if any. */
async function runningBackend(dataDir: string): Promise<number | undefined> {
  try {
    const info = JSON.parse(await readFile(dataPaths(dataDir).backendInfo, 'utf8')) as { pid?: number };
    if (typeof info.pid !== 'number' || info.pid === process.pid) return undefined;
    process.kill(info.pid, 0);
    return info.pid;
  } catch {
    // No file, unreadable file, or a pid that is gone (left by a kill -9): nothing is running.
    return undefined;
  }
}

export interface BackendCommandOptions {
  dataDir?: string;
  /** validated by the command line parser */
  port?: number;
  s3PublicUrl?: string;
  /** trust this OIDC issuer's JWTs (as API Gateway's JWT authorizer would) instead of the local token */
  oidcIssuer?: string;
  oidcClientId?: string;
}

/** Starts the backend, prints `{"api","s3","bucket","dynamodb","token"}` once, and stops on SIGINT/SIGTERM. */
export async function run(opts: BackendCommandOptions): Promise<void> {
  const port = opts.port ?? 0;
  const dataDir = resolveDataDir(opts.dataDir);
  const other = await runningBackend(dataDir);
  if (other !== undefined) {
    console.error(`ferry backend: already running for ${dataDir} (pid ${other}); its ready line is in ${dataPaths(dataDir).backendInfo}`);
    process.exitCode = 1;
    return;
  }
  if (Boolean(opts.oidcIssuer) !== Boolean(opts.oidcClientId)) {
    console.error('ferry backend: --oidc-issuer and --oidc-client-id go together');
    process.exitCode = 2;
    return;
  }
  const backend = await startEmbeddedBackend({
    dataDir,
    port,
    ...(opts.s3PublicUrl ? { s3PublicUrl: opts.s3PublicUrl } : {}),
    ...(opts.oidcIssuer && opts.oidcClientId ? { oidc: { issuer: opts.oidcIssuer, clientId: opts.oidcClientId } } : {}),
  });
  const { api, s3, bucket, dynamodb, token } = backend;
  process.stdout.write(JSON.stringify({ api, s3, bucket, dynamodb, token }) + '\n');

  await new Promise<void>((resolve) => {
    const shutdown = (signal: NodeJS.Signals) => {
      process.off('SIGINT', shutdown);
      process.off('SIGTERM', shutdown);
      console.error(`ferry backend: ${signal}, stopping`);
      resolve();
    };
    process.on('SIGINT', shutdown);
    process.on('SIGTERM', shutdown);
  });
  await backend.stop();
}

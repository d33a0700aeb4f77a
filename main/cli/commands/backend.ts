/** `ferry backend`: runs the embedded backend in the foreground and prints its ready line. */
import { dataPaths, resolveDataDir } from '../../config/paths.ts';
import { runningBackendPid } from '../../launcher/launch.ts';
import { runBackendHere } from '../../launcher/run-here.ts';

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
  const other = runningBackendPid(dataDir);
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
  const backend = await runBackendHere({
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

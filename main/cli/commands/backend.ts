/** `ferry backend`: runs the embedded backend in the foreground and prints its ready line. */
import { readFileSync } from 'node:fs';
import { dataPaths, preparePrivateDataDir, resolveDataDir } from '../../config/paths.ts';
import { runningBackendPid } from '../../launcher/launch.ts';
import { embeddedS3Credentials, runBackendHere } from '../../launcher/run-here.ts';

export interface BackendCommandOptions {
  dataDir?: string;
  /** validated by the command line parser */
  port?: number;
  s3Port?: number;
  s3PublicUrl?: string;
  /** trust this OIDC issuer's JWTs (as API Gateway's JWT authorizer would) instead of the local token */
  oidcIssuer?: string;
  oidcClientId?: string;
  corsOrigin?: string[];
  printCredentials?: boolean;
  json?: boolean;
}

/**
 * `--print-credentials`: what rclone or the AWS CLI need to reach this install's S3 store. The key
 * is made on first use and never changes; the endpoint is the running backend's (fix its port with
 * `--s3-port`).
 */
async function printCredentials(dataDir: string, asJson: boolean): Promise<void> {
  preparePrivateDataDir(dataDir);
  const { backendDir, backendInfo } = dataPaths(dataDir);
  const creds = await embeddedS3Credentials(backendDir);
  const endpoint = runningBackendPid(dataDir) !== undefined ? ((JSON.parse(readFileSync(backendInfo, 'utf8')) as { s3?: string }).s3 ?? null) : null;
  if (asJson) {
    process.stdout.write(JSON.stringify({ endpoint, ...creds }) + '\n');
    return;
  }
  const lines = [
    `# The embedded S3 store of ${dataDir}. Keep this secret: it reads and writes every original.`,
    endpoint ? `# endpoint: ${endpoint} (path-style addressing)` : '# endpoint: not running now; start `ferry backend` (with --s3-port to fix the port)',
    `export AWS_ACCESS_KEY_ID=${creds.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${creds.secretAccessKey}`,
    `export AWS_DEFAULT_REGION=${creds.region}`,
    ...(endpoint ? [`export AWS_ENDPOINT_URL_S3=${endpoint}`] : []),
    `# bucket: ${creds.bucket}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** Starts the backend, prints `{"api","s3","bucket","dynamodb","token"}` once, and stops on SIGINT/SIGTERM. */
export async function run(opts: BackendCommandOptions): Promise<void> {
  const port = opts.port ?? 0;
  const dataDir = resolveDataDir(opts.dataDir);
  if (opts.printCredentials) return printCredentials(dataDir, Boolean(opts.json));
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
    ...(opts.s3Port ? { s3Port: opts.s3Port } : {}),
    ...(opts.s3PublicUrl ? { s3PublicUrl: opts.s3PublicUrl } : {}),
    ...(opts.oidcIssuer && opts.oidcClientId ? { oidc: { issuer: opts.oidcIssuer, clientId: opts.oidcClientId } } : {}),
    ...(opts.corsOrigin?.length ? { corsOrigins: opts.corsOrigin } : {}),
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

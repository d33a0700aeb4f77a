/** `ferry backend`: runs the embedded backend in the foreground and prints its ready line. */
import { startEmbeddedBackend } from '../../../backend-lambda/local/index.ts';
import { resolveDataDir } from '../../config/paths.ts';

export interface BackendCommandOptions {
  dataDir?: string;
  port?: string;
  s3PublicUrl?: string;
}

/** Starts the backend, prints `{"api","s3","bucket","dynamodb","token"}` once, and stops on SIGINT/SIGTERM. */
export async function run(opts: BackendCommandOptions): Promise<void> {
  const port = Number(opts.port ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`ferry backend: --port must be 0..65535, got ${opts.port}`);
    process.exitCode = 2;
    return;
  }
  const backend = await startEmbeddedBackend({
    dataDir: resolveDataDir(opts.dataDir),
    port,
    ...(opts.s3PublicUrl ? { s3PublicUrl: opts.s3PublicUrl } : {}),
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

/**
 * `ferry serve [--port N]`: the desktop UI in a browser, for headless boxes (a GPU server running
 * ComfyUI) and for tests. The engine runs in this process; the page reaches it over a WebSocket.
 */
import { resolveDataDir } from '../../config/paths.ts';
import { startServe } from '../../serve/server.ts';
import { removeLeftoverPartials, removeStagedWhenUploaded, stagingDirOf } from '../../serve/api-routes.ts';
import { ensureRendererBuilt } from '../../serve/renderer-dir.ts';
import { openEngineHost } from '../../engine/host.ts';

export interface ServeCommandOptions {
  /** validated by the command line parser */
  port?: number;
  api?: string;
  token?: string;
  dataDir?: string;
}

/** Starts the engine and serve mode, prints the URL (token included), and runs until SIGINT/SIGTERM. */
export async function run(opts: ServeCommandOptions): Promise<void> {
  const port = opts.port ?? 0;
  const rendererDir = await ensureRendererBuilt();
  const dataDir = resolveDataDir(opts.dataDir);
  const host = await openEngineHost({
    dataDir,
    ...(opts.api ? { apiUrl: opts.api } : {}),
    ...(opts.token ? { token: opts.token } : {}),
  });
  await removeLeftoverPartials(stagingDirOf(dataDir));
  const serve = await startServe({ engine: host, rendererDir, port, stagingDir: stagingDirOf(dataDir) });
  removeStagedWhenUploaded(host, stagingDirOf(dataDir));
  console.log(`Ferry is running. Open this URL in a browser on this machine (it includes the access token):\n\n  ${serve.url}\n`);
  console.log('Reaching it from another machine: forward the port over SSH (ssh -L), never expose it. Ctrl-C stops.');

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await serve.close();
    await host.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';

/** Ferry's data directory: `--data-dir`, else FERRY_DATA_DIR, else the platform's per-user app data folder. */
export function resolveDataDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  if (process.env.FERRY_DATA_DIR) return resolve(process.env.FERRY_DATA_DIR);
  switch (platform()) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Ferry');
    case 'win32':
      return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Ferry');
    default:
      return join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'ferry');
  }
}

/** Where each part keeps its files inside the data directory. */
export function dataPaths(dataDir: string) {
  return {
    backendDir: join(dataDir, 'backend'),
    /** written by a running embedded backend: its ready line plus pid, so other commands reuse it */
    backendInfo: join(dataDir, 'backend', 'backend.json'),
    queueDb: join(dataDir, 'queue.sqlite'),
    settings: join(dataDir, 'settings.json'),
  };
}

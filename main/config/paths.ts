import { homedir, platform } from 'node:os';
import { join, resolve } from 'node:path';
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';

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

/**
 * Makes the data directory the user's alone before Ferry writes to it (SPEC §6): 0700, files this
 * process creates 0600 through the umask (SQLite gives its -wal/-shm files the database's mode),
 * and its entries an older version left open tightened. Only one level deep: a 0700 directory
 * already closes everything below it, and the backend walks its own subtree (the S3 store can hold
 * many thousands of files) when it starts.
 */
export function preparePrivateDataDir(dataDir: string): void {
  try {
    process.umask(0o077);
  } catch {
    // a worker thread cannot change the process-wide umask; the chmods below still apply
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
  for (const name of readdirSync(dataDir)) {
    const path = join(dataDir, name);
    const st = lstatSync(path, { throwIfNoEntry: false });
    // symlinks are left alone: chmod would follow them out of the directory
    if (st && !st.isSymbolicLink() && st.mode & 0o077) chmodSync(path, st.mode & 0o700);
  }
}

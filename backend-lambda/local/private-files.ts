/**
 * Data at rest is the user's alone (SPEC §6): Ferry's data directory and everything in it are 0700
 * (directories) and 0600 (files). New files get it from the process umask; files made by an older
 * Ferry, or by a library that passes its own mode, are tightened when a process opens the directory.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Group and other bits: none may be set on anything Ferry keeps. */
const OPEN_BITS = 0o077;
/** A walk stops after this many entries (a huge store is tightened at its top levels, which already close it). */
const WALK_LIMIT = 200_000;

/**
 * Masks group/other bits for every file this process creates from now on. s3rver, dynalite's
 * leveldb and SQLite create files with 0666 & ~umask, so this is what makes them 0600. Worker
 * threads cannot change the umask; they keep the parent's.
 */
export function usePrivateUmask(): void {
  try {
    process.umask(0o077);
  } catch {
    // in a worker thread: the process-wide umask is the parent's business
  }
}

/** Creates `dir` (and parents) if needed and makes it 0700. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Strips group/other bits from `root` and everything under it, not descending into directories
 * `skip` names (symlinks are left alone: chmod would follow them out of the tree). Returns how many
 * entries it changed.
 */
export function tightenTree(root: string, skip?: (path: string) => boolean): number {
  let changed = 0;
  let seen = 0;
  const stack = [root];
  while (stack.length && seen < WALK_LIMIT) {
    const path = stack.pop()!;
    seen++;
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue; // removed while we walked
    }
    if (st.isSymbolicLink()) continue;
    if (st.mode & OPEN_BITS) {
      chmodSync(path, st.mode & 0o700);
      changed++;
    }
    if (st.isDirectory() && !(path !== root && skip?.(path))) for (const name of readdirSync(path)) stack.push(join(path, name));
  }
  return changed;
}

/**
 * A per-install secret kept as JSON (mode 0600) at `file`: read when it is there and whole, else
 * made by `create` and written. `wx`: two backends starting at once on a fresh dir must not each
 * keep a different secret, so the one that loses the write reads the winner's.
 */
export async function loadOrCreateSecret<T>(file: string, read: (saved: Record<string, unknown>) => T | undefined, create: () => T): Promise<T> {
  try {
    const saved = read(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
    if (saved !== undefined) return saved;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const made = create();
  await mkdir(dirname(file), { recursive: true });
  try {
    await writeFile(file, JSON.stringify(made), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSecret(file, read, create);
    throw err;
  }
  return made;
}

/**
 * `npm start`: the desktop app on the embedded backend when an Electron binary and a display exist;
 * otherwise it says which one is missing, serves the same UI to a browser, and prints its URL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from '../serve/renderer-dir.ts';
import { parsePort } from './port.ts';

/**
 * The Electron binary's path, or why there is none. Reads the electron package's path.txt itself:
 * `require('electron')` tries to download a missing binary, which must not happen on a run.
 */
export function findElectron(env: NodeJS.ProcessEnv = process.env): { path: string } | { missing: string } {
  let pkgDir: string;
  try {
    pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return { missing: 'the electron package is not installed' };
  }
  const pathFile = join(pkgDir, 'path.txt');
  const exe = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const p = join(env.ELECTRON_OVERRIDE_DIST_PATH, exe || 'electron');
    return existsSync(p) ? { path: p } : { missing: `no Electron binary at ${p} (ELECTRON_OVERRIDE_DIST_PATH)` };
  }
  const p = exe ? join(pkgDir, 'dist', exe) : '';
  return p && existsSync(p) ? { path: p } : { missing: 'the electron package has no binary (installed with ELECTRON_SKIP_BINARY_DOWNLOAD)' };
}

/** Whether a desktop session is there to show a window on. */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform = process.platform): boolean {
  if (platform === 'darwin' || platform === 'win32') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

async function main(): Promise<void> {
  const electron = findElectron();
  const display = hasDisplay();
  if ('path' in electron && display) {
    if (!existsSync(join(repoRoot, 'dist', 'electron', 'main.mjs')) || !existsSync(join(repoRoot, 'dist', 'renderer', 'index.html'))) {
      console.error('ferry: building the app once (npm run build)…');
      const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.ts')], { stdio: 'inherit', cwd: repoRoot });
      if (built.status !== 0) process.exit(built.status ?? 1);
    }
    const child = spawn(electron.path, [repoRoot], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 0));
    return;
  }
  const why = 'missing' in electron ? electron.missing : 'no display (DISPLAY and WAYLAND_DISPLAY are unset)';
  console.log(`ferry: cannot open the desktop app here: ${why}.`);
  console.log('ferry: serving the same UI to a browser instead, on the embedded backend.\n');
  let port: number;
  try {
    port = parsePort(process.env.PORT ?? '0');
  } catch (err) {
    console.error(`ferry: PORT=${process.env.PORT} is invalid. ${(err as Error).message}`);
    process.exit(2);
  }
  const { run } = await import('./commands/serve.ts');
  await run({ port });
}

await main();

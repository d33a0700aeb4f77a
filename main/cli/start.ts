/**
 * `npm start`: the desktop app on the embedded backend when an Electron binary and a display exist;
 * otherwise it says which one is missing, serves the same UI to a browser, and prints its URL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from '../serve/renderer-dir.ts';

/** The Electron binary's path, or why there is none. */
export function findElectron(): { path: string } | { missing: string } {
  try {
    const require = createRequire(import.meta.url);
    // The electron package exports its binary's path, and throws when the download was skipped.
    const path = require('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { missing: 'the electron package has no binary (installed with ELECTRON_SKIP_BINARY_DOWNLOAD)' };
  } catch (err) {
    return { missing: `no Electron runtime (${err instanceof Error ? err.message.split('\n')[0] : String(err)})` };
  }
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
  const { run } = await import('./commands/serve.ts');
  await run({ port: process.env.PORT ?? '0' });
}

await main();

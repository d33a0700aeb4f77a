/**
 * Where the built renderer lives, and building it on first use from a source checkout so a
 * newcomer's `ferry serve` or `npm start` works without a separate `npm run build`.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import type * as Vite from 'vite';

/** The repository root (two levels above main/serve/). */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url)).replace(/[\\/]$/, '');

/** dist/renderer inside the repository. */
export const rendererDir = join(repoRoot, 'dist', 'renderer');

/** Returns the renderer directory, building it with vite first when it is missing. */
export async function ensureRendererBuilt(log: (line: string) => void = (l) => console.error(l)): Promise<string> {
  if (existsSync(join(rendererDir, 'index.html'))) return rendererDir;
  log('ferry: the UI is not built yet; building it once with vite (a few seconds)…');
  let vite: typeof Vite;
  try {
    vite = await import('vite');
  } catch {
    throw new Error('The UI is not built and vite is not installed. Run `npm ci && npm run build` in the Ferry folder.');
  }
  await vite.build({ configFile: join(repoRoot, 'vite.config.ts'), logLevel: 'warn' });
  return rendererDir;
}

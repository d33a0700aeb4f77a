/**
 * `npm run build`: the renderer with vite into dist/renderer/, and the Electron main process,
 * preload and a bundled `ferry` CLI (for the backend utility process) with esbuild into
 * dist/electron/. Bundled because Electron's Node may not strip TypeScript types, and a sandboxed
 * preload must be a single CommonJS file.
 */
import { build as viteBuild } from 'vite';
import { build as esbuild } from 'esbuild';
import { rmSync } from 'node:fs';

const started = Date.now();
await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });

rmSync('dist/electron', { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node' as const,
  target: 'node22',
  sourcemap: true,
  logLevel: 'warning' as const,
};
await Promise.all([
  esbuild({
    ...common,
    entryPoints: { main: 'main/electron/main.ts', 'ferry-cli': 'main/cli/index.ts' },
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    outdir: 'dist/electron',
    // Dependencies, electron included, stay in node_modules (sharp's native files cannot be bundled).
    packages: 'external',
  }),
  esbuild({
    ...common,
    entryPoints: { preload: 'main/preload/preload.ts' },
    format: 'cjs',
    outExtension: { '.js': '.cjs' },
    outdir: 'dist/electron',
    external: ['electron'],
  }),
]);
console.log(`built dist/renderer and dist/electron in ${((Date.now() - started) / 1000).toFixed(1)} s`);

#!/usr/bin/env node
// The `ferry` command. Node 24 runs the TypeScript sources directly (type stripping). On an older
// system node, re-run under the Node 24 that ./dev installs into .tools/, so `npx ferry` keeps working.
import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import * as nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  // V8's code cache for our modules, type stripping included (in NODE_COMPILE_CACHE, else the OS temp
  // dir; keyed by content, so an edit is never served stale). Measured on `ferry status`: 0.20 → 0.12 s
  // and 117 → 90 MB peak RSS, most of it the TypeScript parser no longer loaded.
  nodeModule.enableCompileCache?.();
  await import('../main/cli/index.ts');
} else {
  const local = fileURLToPath(new URL('../.tools/node_modules/node/bin/node', import.meta.url));
  if (!existsSync(local)) {
    console.error(`ferry needs Node 24 or newer (this is ${process.version}). Run ./dev start once to install it locally.`);
    process.exit(2);
  }
  const child = spawn(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
}

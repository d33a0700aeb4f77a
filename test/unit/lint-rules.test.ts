/**
 * The import rules of eslint.config.js, tested as rules: each arrow the architecture forbids is
 * rejected, each it relies on is accepted. ESLint lints the code as if it were at `filePath`.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ overrideConfigFile: 'eslint.config.js' });

/** The no-restricted-imports messages for `code` placed at `filePath`. */
async function restricted(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('eslint.config.js import rules', () => {
  it.each([
    ['main/engine → main/cli', 'main/engine/engine.ts', "import { run } from '../cli/index.ts';"],
    ['main/engine (subfolder) → main/serve', 'main/engine/run/file-run.ts', "import { startServer } from '../../serve/server.ts';"],
    ['main/store → main/electron', 'main/store/queue-store.ts', "import { x } from '../electron/main.ts';"],
    ['main/intake → main/cli', 'main/intake/watcher.ts', "import { parse } from '../cli/common.ts';"],
    ['main/engine → main/host (the composition root)', 'main/engine/engine.ts', "import { openEngineHost } from '../host/host.ts';"],
    ['main/engine → main/intake', 'main/engine/file-run.ts', "import { addPaths } from '../intake/add-paths.ts';"],
    ['main/engine → main/auth', 'main/engine/api-client.ts', "import { LoginTokenProvider } from '../auth/token-provider.ts';"],
    ['main/store → main/launcher', 'main/store/queue-store.ts', "import { ensureEmbeddedBackend } from '../launcher/launch.ts';"],
    ['main/host → electron', 'main/host/host.ts', "import { app } from 'electron';"],
    ['main/cli → backend-lambda (outside the launcher)', 'main/cli/commands/backend.ts', "import { startEmbeddedBackend } from '../../../backend-lambda/local/index.ts';"],
    ['main/host → backend-lambda', 'main/host/host.ts', "import type { Deps } from '../../backend-lambda/lib/deps.ts';"],
    ['main/launcher/launch.ts → backend-lambda (Electron bundles it)', 'main/launcher/launch.ts', "import { startEmbeddedBackend } from '../../backend-lambda/local/index.ts';"],
    ['main/electron → backend-lambda', 'main/electron/main.ts', "import { startEmbeddedBackend } from '../../backend-lambda/local/index.ts';"],
    ['main/electron → main/cli', 'main/electron/main.ts', "import { run } from '../cli/index.ts';"],
    ['main/serve → main/cli', 'main/serve/server.ts', "import { run } from '../cli/index.ts';"],
    ['main/cli → electron', 'main/cli/index.ts', "import { app } from 'electron';"],
    ['main/ipc → electron', 'main/ipc/dispatch.ts', "import { ipcMain } from 'electron';"],
    ['main/ipc → main/engine', 'main/ipc/dispatch.ts', "import { Engine } from '../engine/engine.ts';"],
    ['main/config → electron', 'main/config/paths.ts', "import { app } from 'electron';"],
    ['main/preload → node:fs', 'main/preload/preload.ts', "import { readFileSync } from 'node:fs';"],
    ['main/preload → main/ipc', 'main/preload/preload.ts', "import { dispatchEngineCall } from '../ipc/dispatch.ts';"],
    ['main/preload → a package other than electron', 'main/preload/preload.ts', "import { z } from 'zod';"],
    ['renderer → node:fs', 'renderer/src/App.tsx', "import { readFileSync } from 'node:fs';"],
    ['renderer → main', 'renderer/src/App.tsx', "import { openEngineHost } from '../../main/host/host.ts';"],
    ['shared → node:path', 'shared/keys.ts', "import { join } from 'node:path';"],
    ['backend-lambda → main', 'backend-lambda/lib/uploads.ts', "import { x } from '../../main/host/host.ts';"],
  ])('rejects %s', async (_arrow, filePath, code) => {
    expect(await restricted(filePath, code)).not.toEqual([]);
  });

  it.each([
    ['main/launcher/run-here.ts → backend-lambda', 'main/launcher/run-here.ts', "import { startEmbeddedBackend } from '../../backend-lambda/local/index.ts';"],
    ['main/cli → main/launcher', 'main/cli/commands/backend.ts', "import { runBackendHere } from '../../launcher/run-here.ts';"],
    ['main/host → main/launcher', 'main/host/host.ts', "import { ensureEmbeddedBackend } from '../launcher/launch.ts';"],
    ['main/host → main/store, main/config, shared', 'main/host/host.ts', "import { QueueStore } from '../store/queue-store.ts';\nimport { dataPaths } from '../config/paths.ts';\nimport type { EngineApi } from '../../shared/engine-api.ts';"],
    ['main/host → main/intake, main/engine', 'main/host/host.ts', "import { addPaths } from '../intake/add-paths.ts';"],
    ['main/intake → main/store, node:fs', 'main/intake/add-paths.ts', "import { QueueStore } from '../store/queue-store.ts';\nimport { stat } from 'node:fs/promises';"],
    ['main/cli → main/engine, main/serve, main/store', 'main/cli/commands/serve.ts', "import { openEngineHost } from '../../host/host.ts';\nimport { startServer } from '../../serve/server.ts';\nimport { openDatabase } from '../../store/db.ts';"],
    ['main/serve → main/ipc', 'main/serve/server.ts', "import { dispatchEngineCall } from '../ipc/dispatch.ts';"],
    ['main/electron → electron, main/engine, main/ipc, main/launcher', 'main/electron/main.ts', "import { app } from 'electron';\nimport { openEngineHost } from '../host/host.ts';\nimport { dispatchEngineCall } from '../ipc/dispatch.ts';\nimport type { ForkBackend } from '../launcher/launch.ts';"],
    ['main/preload → electron, shared', 'main/preload/preload.ts', "import { contextBridge } from 'electron';\nimport { engineCallChannel } from '../../shared/ipc.ts';"],
    ['main/ipc → shared', 'main/ipc/dispatch.ts', "import { engineCallChannel } from '../../shared/ipc.ts';"],
    ['main/config → node:path', 'main/config/paths.ts', "import { join } from 'node:path';"],
    ['renderer → shared', 'renderer/src/App.tsx', "import type { EngineApi } from '../../shared/engine-api.ts';"],
    ['backend-lambda → shared', 'backend-lambda/lib/uploads.ts', "import { planParts } from '../../shared/multipart.ts';"],
  ])('accepts %s', async (_arrow, filePath, code) => {
    expect(await restricted(filePath, code)).toEqual([]);
  });
});

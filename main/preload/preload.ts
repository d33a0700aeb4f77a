/**
 * The sandboxed preload: exposes exactly one object, `window.ferry` (shared/ipc.ts `FerryBridge`),
 * never `ipcRenderer` itself. Only the engine-call and engine-event channels are reachable.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { EngineEvent, EngineMethod } from '../../shared/engine-api.ts';
import type { FerryBridge } from '../../shared/ipc.ts';

// Literal copies of shared/ipc.ts's channel names: importing that module would pull zod into the
// sandboxed preload, which must stay one small file. A unit test keeps them equal.
const engineCallChannel = 'ferry:engine-call';
const engineEventChannel = 'ferry:engine-event';

const bridge: FerryBridge = {
  call: (method: EngineMethod, args: unknown[]) => ipcRenderer.invoke(engineCallChannel, method, args),
  onEvent(listener: (event: EngineEvent) => void) {
    const handler = (_e: IpcRendererEvent, event: EngineEvent) => listener(event);
    ipcRenderer.on(engineEventChannel, handler);
    return () => void ipcRenderer.removeListener(engineEventChannel, handler);
  },
  pathForFile: (file: unknown) => {
    try {
      return webUtils.getPathForFile(file as File);
    } catch {
      return '';
    }
  },
  platform: process.platform,
};

contextBridge.exposeInMainWorld('ferry', bridge);

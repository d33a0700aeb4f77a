/**
 * The renderer as the app starts it, for the view tests: one store over an engine, fed by its events,
 * the whole <App> inside its connection (and, when given, drop) providers, first data loaded.
 */
import { act, render } from '@testing-library/react';
import type { EngineApi, EngineEvent } from '../../shared/engine-api.ts';
import { createFerryStore, type FerryStore, type View } from '../../renderer/src/store/ferry-store.ts';
import { ConnectionContext, StoreContext } from '../../renderer/src/store/context.ts';
import { DropContext, type DropService } from '../../renderer/src/drop/drop-service.ts';
import { App } from '../../renderer/src/components/App.tsx';

/** What the app needs of an engine: its API and its event stream (test/unit/renderer-fake-engine.ts is one). */
export interface MountableEngine {
  api: EngineApi;
  onEvent(listener: (e: EngineEvent) => void): () => void;
}

export interface MountOptions {
  /** the view shown once the data is in (default the queue) */
  view?: View;
  /** where the UI runs (default the browser) */
  kind?: 'desktop' | 'browser';
  /** the desktop's path of a dropped File */
  pathForFile?: (f: File) => string;
  /** the API the store calls, when a test wraps the engine's (default `engine.api`) */
  api?: EngineApi;
  /** a drop service for <App> to send dropped files through */
  drops?: DropService;
}

/** Renders <App> over `engine`, waits for the first refresh, shows `view`, and returns the store. */
export async function mountApp(engine: MountableEngine, opts: MountOptions = {}): Promise<FerryStore> {
  const view = opts.view ?? 'queue';
  const store = createFerryStore(opts.api ?? engine.api, { initialView: view });
  engine.onEvent((e) => store.getState().apply(e));
  const app = (
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  );
  render(
    <ConnectionContext.Provider value={{ kind: opts.kind ?? 'browser', ...(opts.pathForFile ? { pathForFile: opts.pathForFile } : {}) }}>
      {opts.drops ? <DropContext.Provider value={opts.drops}>{app}</DropContext.Provider> : app}
    </ConnectionContext.Provider>,
  );
  await act(async () => {
    await store.getState().refreshAll();
    store.getState().setView(view);
  });
  return store;
}

/**
 * happy-dom does no layout: gives the queue's scroll box (`.qlist`) a screenful, 720 px high and, when
 * `width` is given, that wide, so the virtualizer has rows to show. Every other element measures 0.
 */
export function layOutQueue(width?: number): void {
  const sizes: Record<string, number> = { offsetHeight: 720, clientHeight: 720 };
  if (width !== undefined) sizes.offsetWidth = width;
  for (const [prop, size] of Object.entries(sizes)) {
    Object.defineProperty(HTMLElement.prototype, prop, {
      configurable: true,
      get(this: HTMLElement) {
        return this.classList.contains('qlist') ? size : 0;
      },
    });
  }
}

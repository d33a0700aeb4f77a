/**
 * The page's one drop queue and its snapshot store. Views reach it through `useDropService`; tests
 * put one over a fake `send` in `DropContext`.
 */
import { createContext, useContext } from 'react';
import { createStore, type StoreApi } from 'zustand/vanilla';
import { DropUploader, emptySnapshot, type DropSnapshot, type SendFn } from './uploader.ts';
import { walkDrop, type DropSource } from './traverse.ts';
import { xhrSend } from './xhr-send.ts';

export interface DropService {
  uploader: DropUploader;
  snapshot: StoreApi<DropSnapshot>;
  /** Walks what was dropped (in the background) and sends it to `albumId`. */
  send(sources: DropSource[], albumId: string): Promise<void>;
}

/** Builds a drop queue over `send` (the real one streams over HTTP to `ferry serve`). */
export function createDropService(send: SendFn = xhrSend, opts: { concurrency?: number; flushMs?: number } = {}): DropService {
  const snapshot = createStore<DropSnapshot>()(() => emptySnapshot());
  const uploader = new DropUploader({ send, onChange: (s) => snapshot.setState(s, true), ...opts });
  return {
    uploader,
    snapshot,
    async send(sources, albumId) {
      // A new drop after the last one finished starts a fresh report.
      if (!snapshot.getState().busy) uploader.reset();
      const batch = uploader.newBatch();
      for await (const files of walkDrop(sources)) uploader.add(files, albumId, batch);
    },
  };
}

export const DropContext = createContext<DropService | null>(null);
let pageDefault: DropService | undefined;

/** The drop queue of this page. */
export function useDropService(): DropService {
  const given = useContext(DropContext);
  return given ?? (pageDefault ??= createDropService());
}

/** React access to the one store: a context holds it, `useFerry` selects from it. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { FerryState, FerryStore } from './ferry-store.ts';
import type { EngineConnection } from '../client/connection.ts';

export const StoreContext = createContext<FerryStore | null>(null);
export const ConnectionContext = createContext<Pick<EngineConnection, 'kind' | 'pathForFile'>>({ kind: 'browser' });

/** Selects a slice of the store; re-renders only when that slice changes. */
export function useFerry<T>(selector: (s: FerryState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useFerry outside <StoreContext>');
  return useStore(store, selector);
}

/** Where the UI runs (desktop or browser) and what it can do there. */
export function useConnection() {
  return useContext(ConnectionContext);
}

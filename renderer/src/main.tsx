/** Renderer entry: connect to the engine (desktop bridge or serve socket), build the store, render. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectFromPage } from './client/connection.ts';
import { createFerryStore, views, type View } from './store/ferry-store.ts';
import { ConnectionContext, StoreContext } from './store/context.ts';
import { App } from './components/App.tsx';
import './styles.css';

const connection = connectFromPage();
const fromHash = location.hash.replace(/^#\/?/, '') as View;
const store = createFerryStore(connection.api, {
  initialView: views.includes(fromHash) ? fromHash : 'queue',
  onViewChange: (view) => history.replaceState(null, '', `${location.pathname}${location.search}#/${view}`),
});
connection.onEvent((event) => store.getState().apply(event));
connection.onLink((up) => {
  store.setState({ linked: up });
  // After a reconnect the deltas in between are lost: read everything again.
  if (up) void store.getState().refreshAll();
});
void store.getState().refreshAll().then(() => store.getState().setView(store.getState().view));

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <ConnectionContext.Provider value={connection}>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </ConnectionContext.Provider>
  </StrictMode>,
);

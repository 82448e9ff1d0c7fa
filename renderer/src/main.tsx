/**
 * Renderer entry: connect to the host (Electron preload or the browser bridge), create the store, render. The
 * renderer reaches the engine only through the typed contract; it never sees Node, AWS or credentials.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connect } from './api/connect';
import { App } from './components/app';
import { StoreContext } from './store/context';
import { createWorkbenchStore } from './store/store';
import './styles.css';

const root = createRoot(document.getElementById('root')!);

async function boot(): Promise<void> {
  let connection;
  try {
    connection = await connect();
  } catch (error) {
    root.render(
      <div className="fatal" role="alert" data-testid="fatal">
        <h1>Feature Workbench cannot reach its host</h1>
        <p>{(error as Error).message}</p>
      </div>,
    );
    return;
  }
  const store = createWorkbenchStore(connection.api);
  connection.onClosed(() => store.actions.setDisconnected());
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  );
  await store.actions.start();
}

void boot();

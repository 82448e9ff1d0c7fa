import { useCallback, useEffect, useState } from 'react';
import { TABS } from '../store/store';
import { useActions, useWorkbench } from '../store/context';
import { CommandPalette } from './command-palette';
import { ConfigTab } from './config-tab';
import { ErrorNotice } from './error-notice';
import { FrameTab, readFileForFrame } from './frame-tab';
import { PermissionsTab } from './permissions-tab';
import { PlanTab } from './plan-tab';
import { RegistryTree } from './registry-tree';
import { ResultsTab } from './results-tab';
import { RunStrip } from './run-strip';
import { TopBar } from './top-bar';

export const HINT =
  'Drop a CSV of entity keys and timestamps here, pick features on the left, press Ctrl+Enter.';

/** Keyboard habits: Ctrl/Cmd+Enter runs, Esc cancels, Ctrl/Cmd+S saves feature_store.yaml, Ctrl/Cmd+K palette. */
function useShortcuts(togglePalette: () => void) {
  const actions = useActions();
  const tab = useWorkbench((s) => s.ui.tab);
  useEffect(() => {
    // Capture phase on the window: these win over Monaco's own bindings (Ctrl+Enter would insert a line).
    const onKey = (event: KeyboardEvent) => {
      const mod = event.ctrlKey || event.metaKey;
      if (mod && event.key === 'Enter') {
        event.preventDefault();
        event.stopPropagation();
        void actions.run();
      } else if (event.key === 'Escape') {
        // Esc keeps closing Monaco's widgets unless a run is there to cancel.
        if (actions.cancelRun()) event.stopPropagation();
      } else if (mod && (event.key === 's' || event.key === 'S')) {
        event.preventDefault();
        event.stopPropagation();
        if (tab === 'config') void actions.saveConfig();
      } else if (mod && (event.key === 'k' || event.key === 'K')) {
        event.preventDefault();
        event.stopPropagation();
        togglePalette();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [actions, tab, togglePalette]);
}

/** A CSV dropped anywhere on the window becomes the entity frame. */
function useDropAnywhere(): boolean {
  const actions = useActions();
  const [over, setOver] = useState(false);
  useEffect(() => {
    let depth = 0;
    const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer?.types ?? []).includes('Files');
    const enter = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      depth++;
      setOver(true);
    };
    const leave = () => {
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const overHandler = (e: DragEvent) => {
      if (hasFiles(e)) e.preventDefault();
    };
    const drop = async (e: DragEvent) => {
      e.preventDefault();
      depth = 0;
      setOver(false);
      const file = e.dataTransfer?.files[0];
      if (file) await actions.openFrame(await readFileForFrame(file));
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', overHandler);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', overHandler);
      window.removeEventListener('drop', drop);
    };
  }, [actions]);
  return over;
}

export function App() {
  const ui = useWorkbench((s) => s.ui);
  const session = useWorkbench((s) => s.session);
  const hasFrame = useWorkbench((s) => s.frame.preview !== undefined);
  const actions = useActions();
  const [palette, setPalette] = useState(false);
  const togglePalette = useCallback(() => setPalette((open) => !open), []);
  useShortcuts(togglePalette);
  const dragging = useDropAnywhere();
  return (
    <div className="app" data-testid="app" data-ready={session.info && !session.opening ? 'true' : 'false'}>
      <TopBar />
      <div className="body">
        <RegistryTree />
        <main className="main">
          {ui.disconnected && (
            <div className="banner bad" role="alert" data-testid="disconnected">
              The workbench host stopped. Start it again (npm start) and open the address it prints.
            </div>
          )}
          {session.error && <ErrorNotice error={session.error} testId="session-error" />}
          {session.info?.problem && session.info.problem.kind !== 'ConfigInvalid' && (
            <ErrorNotice error={session.info.problem} testId="session-problem" />
          )}
          {session.info?.problem?.kind === 'ConfigInvalid' && (
            <div className="banner warn" data-testid="session-config-invalid">
              feature_store.yaml has problems, so the registry and runs are unavailable. Fix them in the
              editor and press Ctrl+S.
            </div>
          )}
          {!ui.hintDismissed && !hasFrame && (
            <div className="hint" data-testid="hint">
              <span>{HINT}</span>
              <button
                type="button"
                className="link"
                onClick={() => actions.dismissHint()}
                aria-label="Dismiss the hint"
              >
                ×
              </button>
            </div>
          )}
          {ui.toast && (
            <div className="toast" role="status" data-testid="toast">
              {ui.toast}
              <button
                type="button"
                className="link"
                onClick={() => actions.toast(undefined)}
                aria-label="Dismiss"
              >
                ×
              </button>
            </div>
          )}
          <nav className="tabs" role="tablist">
            {TABS.map((tab) => (
              <button
                key={tab.id}
                type="button"
                role="tab"
                aria-selected={ui.tab === tab.id}
                className={ui.tab === tab.id ? 'active' : ''}
                data-testid={`tab-${tab.id}`}
                onClick={() => actions.setTab(tab.id)}
              >
                {tab.label}
              </button>
            ))}
          </nav>
          <div className="tab-panel" role="tabpanel">
            {ui.tab === 'config' && <ConfigTab />}
            {ui.tab === 'frame' && <FrameTab />}
            {ui.tab === 'plan' && <PlanTab />}
            {ui.tab === 'results' && <ResultsTab />}
            {ui.tab === 'permissions' && <PermissionsTab />}
          </div>
        </main>
      </div>
      <RunStrip />
      {palette && <CommandPalette onClose={() => setPalette(false)} />}
      {dragging && (
        <div className="drop-overlay" data-testid="drop-overlay">
          Drop the CSV to use it as the entity frame
        </div>
      )}
    </div>
  );
}

import { useMemo, useState } from 'react';
import type { EditorMarker } from '../monaco/code-editor';
import { CodeEditor } from '../monaco/lazy-editor';
import { useActions, useWorkbench } from '../store/context';
import { ErrorNotice } from './error-notice';

/** feature_store.yaml in Monaco: the engine's parser marks problems at their positions as you type; Ctrl+S saves. */
export function ConfigTab() {
  const config = useWorkbench((s) => s.config);
  const pending = useWorkbench((s) => s.session.info?.pendingProblems.length ?? 0);
  const actions = useActions();
  const [reveal, setReveal] = useState<{ line: number; column: number; nonce: number }>();
  const markers = useMemo<EditorMarker[]>(
    () => config.problems.map((p) => ({ line: p.line, column: p.column, message: p.message })),
    [config.problems],
  );
  const dirty = config.text !== config.savedText;
  if (!config.loaded) return <div className="pad muted">Reading feature_store.yaml…</div>;
  return (
    <div className="tab-body column" data-testid="config-tab">
      <div className="tab-toolbar">
        <span className="path" title={config.path}>
          {config.path}
        </span>
        <span data-testid="config-state" className={dirty ? 'warn' : 'muted'}>
          {config.saving ? 'saving…' : dirty ? 'unsaved changes' : 'saved'}
        </span>
        <button
          type="button"
          onClick={() => void actions.saveConfig()}
          disabled={config.saving}
          data-testid="config-save"
        >
          Save (Ctrl+S)
        </button>
      </div>
      {config.error && <ErrorNotice error={config.error} />}
      <div className="editor-frame">
        <CodeEditor
          value={config.text}
          language="yaml"
          markers={markers}
          onChange={(text) => actions.editConfig(text)}
          reveal={reveal}
          ariaLabel="feature_store.yaml"
          testId="config-editor"
        />
      </div>
      <div className="problems" data-testid="config-problems">
        {config.problems.length === 0 ? (
          <div className="ok-line" data-testid="config-valid">
            {config.summary ? `Valid: ${config.summary}` : 'No problems.'}
          </div>
        ) : (
          <>
            <div className="problems-head">
              {config.problems.length} {config.problems.length === 1 ? 'problem' : 'problems'}
            </div>
            {config.problems.map((p, i) => (
              <button
                type="button"
                key={`${p.line}:${p.column}:${i}`}
                className="problem"
                data-testid="config-problem"
                data-line={p.line}
                data-column={p.column}
                onClick={() => setReveal({ line: p.line, column: p.column, nonce: Date.now() })}
              >
                <span className="problem-pos">
                  line {p.line}, column {p.column}
                </span>
                <span>{p.message}</span>
              </button>
            ))}
          </>
        )}
        {config.note && (
          <div className="note" data-testid="config-note">
            {config.note}
          </div>
        )}
        {pending > 0 && !dirty && !config.note && (
          <div className="note">
            The file on disk has problems; the workbench still uses the last valid configuration.
          </div>
        )}
      </div>
    </div>
  );
}

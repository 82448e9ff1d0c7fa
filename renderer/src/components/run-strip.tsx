import { useEffect, useState } from 'react';
import { formatBytes, formatCount, formatDuration } from '../lib/format';
import { RUN_PHASES, type RunState } from '../store/store';
import { useActions, useWorkbench } from '../store/context';
import { CopyButton } from './copy-button';
import { ErrorNotice } from './error-notice';

function useElapsed(run: RunState | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  const running = run?.status === 'running';
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(timer);
  }, [running]);
  if (!run) return 0;
  return (run.endedAt ?? (running ? now : Date.now())) - run.startedAt;
}

const STATUS_TEXT: Record<RunState['status'], string> = {
  running: 'running',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** The bottom strip: the run in progress (phase, rows, bytes, elapsed, statement id, Cancel), then the history. */
export function RunStrip() {
  const run = useWorkbench((s) => s.run.current);
  const history = useWorkbench((s) => s.run.history);
  const actions = useActions();
  const elapsed = useElapsed(run);
  const [showHistory, setShowHistory] = useState(false);
  if (!run) {
    return (
      <footer className="run-strip idle" data-testid="run-strip">
        <span className="muted">No run yet. Ctrl+Enter runs the retrieval; Esc cancels it.</span>
      </footer>
    );
  }
  return (
    <footer className={`run-strip ${run.status}`} data-testid="run-strip" data-status={run.status}>
      <div className="run-line">
        <span className={`badge status-${run.status}`} data-testid="run-status">
          {STATUS_TEXT[run.status]}
        </span>
        <span className="phases" data-testid="run-phases">
          {RUN_PHASES.map((phase) => (
            <span
              key={phase}
              className={`phase ${run.phases[phase] ?? 'pending'} ${run.phase === phase && run.status === 'running' ? 'current' : ''}`}
              data-phase={phase}
              data-state={run.phases[phase] ?? 'pending'}
            >
              {phase}
            </span>
          ))}
        </span>
        <span className="run-facts">
          {run.resultRows !== undefined ? (
            <span data-testid="run-rows">{formatCount(run.resultRows)} rows</span>
          ) : run.rows !== undefined ? (
            <span data-testid="run-rows">{formatCount(run.rows)} rows</span>
          ) : null}
          {run.bytes > 0 && <span>{formatBytes(run.bytes)}</span>}
          <span data-testid="run-elapsed">{formatDuration(elapsed)}</span>
          {run.statementId && (
            <span className="statement" data-testid="run-statement">
              statement <code>{run.statementId}</code>
              {run.statementStatus ? ` ${run.statementStatus.toLowerCase()}` : ''}{' '}
              <CopyButton text={run.statementId} label="the statement id" />
            </span>
          )}
        </span>
        <span className="grow" />
        {run.status === 'running' ? (
          <button
            type="button"
            className="danger"
            onClick={() => actions.cancelRun()}
            data-testid="run-cancel"
          >
            Cancel (Esc)
          </button>
        ) : (
          <button
            type="button"
            className="link"
            onClick={() => setShowHistory(!showHistory)}
            data-testid="run-history-toggle"
          >
            {showHistory ? 'Hide' : 'History'} ({history.length})
          </button>
        )}
      </div>
      {run.status === 'running' && <div className="run-message muted">{run.message}</div>}
      {run.status === 'cancelled' && (
        <div className="run-message" data-testid="run-cancelled">
          Cancelled{run.phase ? ` during ${run.phase}` : ''}. {run.cleanup ? `Cleanup: ${run.cleanup}.` : ''}
        </div>
      )}
      {run.status === 'failed' && run.error && <ErrorNotice error={run.error} testId="run-strip-error" />}
      {showHistory && run.status !== 'running' && (
        <ol className="history" data-testid="run-history">
          {history.map((h) => (
            <li key={h.id} data-status={h.status}>
              <span className={`badge status-${h.status}`}>{STATUS_TEXT[h.status]}</span>{' '}
              {new Date(h.startedAt).toLocaleTimeString()} · {h.label} for {h.frameName}
              {h.resultRows !== undefined ? ` · ${formatCount(h.resultRows)} rows` : ''} ·{' '}
              {formatDuration((h.endedAt ?? h.startedAt) - h.startedAt)}
              {h.statementId ? ` · last statement ${h.statementId}` : ''}
            </li>
          ))}
        </ol>
      )}
    </footer>
  );
}

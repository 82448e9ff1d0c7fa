import { useMemo } from 'react';
import type { ExportFormat } from '../../../core/contract/types';
import { formatCount } from '../lib/format';
import { useActions, useWorkbench } from '../store/context';
import { ArrowGrid } from './arrow-grid';
import { ErrorNotice } from './error-notice';

function download(fileName: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The training set as it arrives: a header with rows, columns and nulls per feature, the grid, exports. */
export function ResultsTab() {
  const results = useWorkbench((s) => s.results);
  const run = useWorkbench((s) => s.run.current);
  const actions = useActions();
  const table = results.table;
  const summary = results.summary;
  const notes = useMemo(
    () =>
      Object.fromEntries(
        (summary?.columns ?? []).filter((c) => c.featureView).map((c) => [c.name, c.featureView!] as const),
      ),
    [summary],
  );
  const exportAs = async (format: ExportFormat) => {
    const file = await actions.exportResult(format);
    if (file) download(file.fileName, file.blob);
  };
  if (!table && !run) {
    return (
      <div className="tab-body" data-testid="results-tab">
        <div className="empty-state">
          No results yet. With an entity frame and features chosen, press Ctrl+Enter.
        </div>
      </div>
    );
  }
  const features = summary?.columns.filter((c) => c.kind === 'feature' || c.kind === 'onDemand') ?? [];
  return (
    <div className="tab-body column" data-testid="results-tab">
      <div className="results-head" data-testid="results-header">
        <div>
          <strong data-testid="results-rows">{formatCount(table?.numRows ?? 0)} rows</strong> ·{' '}
          <span data-testid="results-columns">{table?.numCols ?? 0} columns</span>
          {run?.status === 'running' && <span className="muted"> · arriving…</span>}
          {summary && (
            <span className="muted">
              {' '}
              · {summary.batches} Arrow batch{summary.batches === 1 ? '' : 'es'}
            </span>
          )}
        </div>
        {features.length > 0 && (
          <div className="chips" data-testid="results-nulls">
            {features.map((c) => (
              <span
                key={c.name}
                className={`chip ${c.nulls > 0 ? 'warn' : ''}`}
                data-testid="results-null-chip"
                data-column={c.name}
                data-nulls={c.nulls}
                title={c.featureView ? `from ${c.featureView}` : ''}
              >
                {c.name}: {formatCount(c.nulls)} null
              </span>
            ))}
          </div>
        )}
        <div className="row">
          <span className="muted">Export through the engine:</span>
          {(['csv', 'parquet', 'arrow'] as const).map((format) => (
            <button
              key={format}
              type="button"
              className="small"
              disabled={!summary || results.exporting !== undefined}
              onClick={() => void exportAs(format)}
              data-testid={`export-${format}`}
            >
              {results.exporting === format ? 'exporting…' : format.toUpperCase()}
            </button>
          ))}
          {results.exportNote && (
            <span className="muted" data-testid="export-note">
              {results.exportNote}
            </span>
          )}
        </div>
        {results.exportError && <ErrorNotice error={results.exportError} />}
        {summary?.warnings.map((w) => (
          <div key={w} className="warn">
            {w}
          </div>
        ))}
      </div>
      {run?.status === 'failed' && run.error && (
        <div className="pad">
          <ErrorNotice error={run.error} testId="run-error" />
        </div>
      )}
      {table ? (
        <ArrowGrid table={table} columnNotes={notes} testId="results-grid" ariaLabel="Results" />
      ) : (
        run?.status === 'running' && <div className="empty-state">Waiting for the first rows…</div>
      )}
    </div>
  );
}

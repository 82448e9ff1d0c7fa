import { useRef } from 'react';
import { formatBytes, formatCount, timezoneSentence } from '../lib/format';
import { useActions, useWorkbench } from '../store/context';
import { ArrowGrid } from './arrow-grid';
import { ErrorNotice } from './error-notice';

/** Reads a File from a drop or a file input and hands it to the host (nothing is uploaded to S3 until a run). */
export async function readFileForFrame(
  file: File,
): Promise<{ name: string; bytes: Uint8Array<ArrayBuffer> }> {
  return { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) };
}

export function FrameTab() {
  const frame = useWorkbench((s) => s.frame);
  const actions = useActions();
  const input = useRef<HTMLInputElement>(null);
  const preview = frame.preview;
  return (
    <div className="tab-body column" data-testid="frame-tab">
      <div className="tab-toolbar">
        <button type="button" onClick={() => input.current?.click()} data-testid="frame-choose">
          Choose a CSV…
        </button>
        <input
          ref={input}
          type="file"
          accept=".csv,text/csv"
          hidden
          data-testid="frame-file-input"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) await actions.openFrame(await readFileForFrame(file));
          }}
        />
        <span className="muted">or drop one anywhere on the window. Nothing is uploaded until a run.</span>
      </div>
      {frame.loading && <div className="pad muted">Reading {frame.fileName}…</div>}
      {frame.error && (
        <div className="pad">
          <ErrorNotice error={frame.error} testId="frame-error" />
        </div>
      )}
      {!preview && !frame.loading && !frame.error && (
        <div className="empty-state">
          No entity frame yet: a CSV with the join keys and an event timestamp per row.
        </div>
      )}
      {preview && frame.table && (
        <>
          <div className="frame-facts" data-testid="frame-facts">
            <div>
              <strong data-testid="frame-name">{preview.fileName}</strong>{' '}
              <span data-testid="frame-rows">{formatCount(preview.rowCount)} rows</span> ·{' '}
              {preview.columns.length} columns · {formatBytes(preview.byteLength)}
            </div>
            <div>
              Event timestamp column:{' '}
              <code data-testid="frame-timestamp-column">{preview.timestampColumn}</code>
              {preview.timestampRange && (
                <span className="muted">
                  {' '}
                  from {preview.timestampRange.min} to {preview.timestampRange.max}
                </span>
              )}
            </div>
            <div data-testid="frame-timezones">{timezoneSentence(preview.timestampStats)}</div>
            <div className="chips" data-testid="frame-columns">
              {preview.columns.map((c) => (
                <span
                  key={c.name}
                  className={`chip ${c.name === preview.timestampColumn ? 'accent' : ''}`}
                  data-testid="frame-column"
                >
                  {c.name}: <em>{c.type}</em>
                </span>
              ))}
            </div>
            {preview.warnings.map((w) => (
              <div key={w} className="warn" data-testid="frame-warning">
                {w}
              </div>
            ))}
            {preview.previewRows < preview.rowCount && (
              <div className="muted">Showing the first {formatCount(preview.previewRows)} rows.</div>
            )}
          </div>
          <ArrowGrid table={frame.table} testId="frame-grid" ariaLabel="Entity frame preview" />
        </>
      )}
    </div>
  );
}

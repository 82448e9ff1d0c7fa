import { formatKilobytes, percentOf } from '../lib/format';
import { CodeEditor } from '../monaco/lazy-editor';
import { useActions, useWorkbench } from '../store/context';
import { ErrorNotice } from './error-notice';
import { CopyButton } from './copy-button';

/** The SQL a run executes, the steps per feature view in words, and its size against the Data API's limit. */
export function PlanTab() {
  const plan = useWorkbench((s) => s.plan);
  const hasFrame = useWorkbench((s) => s.frame.preview !== undefined);
  const selection = useWorkbench((s) => s.selection);
  const actions = useActions();
  const preview = plan.preview;
  const nothing = selection.features.length === 0 && !selection.featureService;
  if (nothing) {
    return (
      <div className="tab-body" data-testid="plan-tab">
        <div className="empty-state" data-testid="plan-empty">
          Check features on the left (or use a feature service): the plan appears here as you choose.
        </div>
      </div>
    );
  }
  const p = preview?.plan;
  const percent = p ? percentOf(p.sqlBytes, p.maxStatementBytes) : 0;
  return (
    <div className="tab-body column" data-testid="plan-tab">
      <div className="tab-toolbar">
        <label>
          <input
            type="checkbox"
            checked={selection.fullFeatureNames}
            onChange={(e) => actions.setOption('fullFeatureNames', e.target.checked)}
          />{' '}
          full feature names
        </label>
        <label title="Leave out source rows created after the entity timestamp (Feast's filter_by_created_timestamp)">
          <input
            type="checkbox"
            checked={selection.filterByCreatedTimestamp}
            onChange={(e) => actions.setOption('filterByCreatedTimestamp', e.target.checked)}
          />{' '}
          as known at entity time
        </label>
        <span className="grow" />
        {plan.loading && <span className="muted">planning…</span>}
        <button
          type="button"
          disabled={!hasFrame || plan.explain?.status === 'running'}
          title={hasFrame ? 'Stage the frame and run EXPLAIN in Redshift' : 'EXPLAIN needs an entity frame'}
          onClick={() => void actions.explain()}
          data-testid="plan-explain"
        >
          EXPLAIN
        </button>
      </div>
      {plan.error && (
        <div className="pad">
          <ErrorNotice error={plan.error} testId="plan-error" />
        </div>
      )}
      {p && preview && (
        <div className="plan-layout">
          <div className="plan-side">
            <div className="size-gauge" data-testid="plan-size" data-bytes={p.sqlBytes}>
              <div className="gauge">
                <div
                  className={`gauge-fill ${percent >= 80 ? 'warn' : ''}`}
                  style={{ width: `${Math.min(100, percent)}%` }}
                />
              </div>
              <div>
                SQL {formatKilobytes(p.sqlBytes)} of the {formatKilobytes(p.maxStatementBytes)} a Data API
                statement may hold ({percent}%)
                {p.split ? ` · split into ${p.statements.length + 1} statements` : ''}
              </div>
            </div>
            {preview.entities === 'assumed' && (
              <div className="note" data-testid="plan-assumed">
                No entity frame yet: planned for one with{' '}
                {preview.assumedColumns?.map((c) => c.name).join(', ')}. Drop a CSV to plan against it.
              </div>
            )}
            {p.warnings.map((w) => (
              <div key={w} className="warn">
                {w}
              </div>
            ))}
            <div className="steps" data-testid="plan-steps">
              {p.groups.map((group) => (
                <section
                  key={group.name}
                  className="step-group"
                  data-testid="plan-group"
                  data-view={group.featureView}
                >
                  <h3>
                    {group.name}
                    {group.alias ? <span className="muted"> (alias of {group.featureView})</span> : null}
                  </h3>
                  <ol>
                    {group.steps.map((step) => (
                      <li key={step.id}>{step.description.replace(`${group.name}: `, '')}</li>
                    ))}
                  </ol>
                </section>
              ))}
              {p.onDemand.map((od) => (
                <section key={od.name} className="step-group">
                  <h3>
                    {od.name} <span className="muted">(on demand, computed after the SQL)</span>
                  </h3>
                  <p>
                    Outputs {od.outputs.map((o) => o.outputName).join(', ')} from{' '}
                    {[
                      ...od.inputs.featureViews.map((f) => f.name),
                      ...od.inputs.requestFields.map((f) => f.name),
                    ].join(', ')}
                    .
                  </p>
                </section>
              ))}
            </div>
            {plan.explain && (
              <div className="explain" data-testid="plan-explain-result">
                <h3>EXPLAIN</h3>
                {plan.explain.status === 'running' && <div className="muted">{plan.explain.message}</div>}
                {plan.explain.message && plan.explain.status === 'failed' && (
                  <div className="warn">{plan.explain.message}</div>
                )}
                {plan.explain.error && <ErrorNotice error={plan.explain.error} />}
                {plan.explain.result && (
                  <>
                    {plan.explain.result.warnings.length === 0 ? (
                      <div className="ok-line">No data movement between nodes and no nested-loop join.</div>
                    ) : (
                      plan.explain.result.warnings.map((w, i) => (
                        <div key={i} className="warn" data-testid="plan-explain-warning">
                          [!{i + 1}] {w.subject}: {w.message}
                        </div>
                      ))
                    )}
                    <pre data-testid="plan-explain-tree">{plan.explain.result.tree.join('\n')}</pre>
                  </>
                )}
              </div>
            )}
          </div>
          <div className="plan-sql">
            <div className="tab-toolbar">
              <span className="muted">SQL{p.split ? ' (every statement, in order)' : ''}</span>
              <span className="grow" />
              <CopyButton text={p.sql} label="the SQL" />
            </div>
            <div className="editor-frame">
              <CodeEditor value={p.sql} language="redshift" readOnly ariaLabel="Plan SQL" testId="plan-sql" />
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

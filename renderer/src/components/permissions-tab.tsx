import { useRef, useState } from 'react';
import type { CommandCheck } from '../../../core/contract/types';
import { CodeEditor } from '../monaco/lazy-editor';
import { useActions, useWorkbench } from '../store/context';
import { CopyButton } from './copy-button';
import { ErrorNotice } from './error-notice';

const DECISION_LABEL: Record<string, string> = {
  allowed: 'allowed',
  implicit_deny: 'missing',
  explicit_deny: 'denied',
  conditional: 'conditional',
};

function statementLabel(s: CommandCheck['pairs'][number]['statement']): string {
  if (!s) return 'no statement matches';
  const sid = s.sid ? ` "${s.sid}"` : '';
  const line = s.line === undefined ? '' : `, line ${s.line}`;
  return `${s.effect} statement ${s.index}${sid} (${s.policy}${line})`;
}

/** Paste or open an identity policy: the check per Feast command, pair by pair, and the minimal policy to copy. */
export function PermissionsTab() {
  const permissions = useWorkbench((s) => s.permissions);
  const hasConfig = useWorkbench((s) => s.session.info?.repo !== undefined);
  const actions = useActions();
  const input = useRef<HTMLInputElement>(null);
  const markers =
    permissions.error?.kind === 'InputInvalid' && permissions.error.line !== undefined
      ? [
          {
            line: permissions.error.line,
            column: permissions.error.column ?? 1,
            message: permissions.error.reason,
          },
        ]
      : [];
  return (
    <div className="tab-body column" data-testid="permissions-tab">
      <div className="tab-toolbar">
        <button type="button" onClick={() => input.current?.click()}>
          Open a policy file…
        </button>
        <input
          ref={input}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="policy-file-input"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) actions.setPolicy(await file.text(), file.name);
          }}
        />
        <span className="muted">or paste it below ({permissions.fileName}).</span>
        <span className="grow" />
        <label>
          Mode{' '}
          <select
            aria-label="Check mode"
            data-testid="policy-mode"
            value={permissions.mode}
            onChange={(e) => actions.setMode(e.target.value as 'documented' | 'enforced')}
          >
            <option value="enforced">enforced (what AWS authorizes)</option>
            <option value="documented">documented (Feast's table)</option>
          </select>
        </label>
        <button
          type="button"
          onClick={() => void actions.checkPolicy()}
          disabled={!hasConfig || permissions.text.trim() === ''}
          data-testid="policy-check"
        >
          Check
        </button>
      </div>
      <div className="permissions-layout">
        <div className="policy-editor">
          <div className="editor-frame">
            <CodeEditor
              value={permissions.text}
              language="json"
              markers={markers}
              onChange={(text) => actions.setPolicy(text)}
              ariaLabel="IAM policy JSON"
              testId="policy-editor"
            />
          </div>
          <MinimalPolicy />
        </div>
        <div className="policy-result" data-testid="policy-result">
          {permissions.checking && <div className="muted">checking…</div>}
          {permissions.error && <ErrorNotice error={permissions.error} testId="policy-error" />}
          {!permissions.result && !permissions.error && (
            <div className="empty-state">
              Paste the identity policy of whoever runs Feast: each command's needs are checked pair by pair,
              with the statement that decides and why. Nothing is sent to AWS.
            </div>
          )}
          {permissions.result && (
            <>
              <div className={permissions.result.allowed ? 'ok-line' : 'warn'} data-testid="policy-verdict">
                {permissions.result.allowed
                  ? `Every checked command is allowed (${permissions.result.mode} mode).`
                  : `Some commands are not allowed (${permissions.result.mode} mode).`}
              </div>
              {permissions.result.findings.map((f, i) => (
                <div key={i} className="warn">
                  {f.file}
                  {f.line !== undefined ? `:${f.line}` : ''}: {f.message}
                </div>
              ))}
              {permissions.result.checks.map((check) => (
                // A new result opens what is not allowed, whatever was open before.
                <CommandMatrix
                  key={`${permissions.result!.mode}:${check.command}:${check.allowed}`}
                  check={check}
                />
              ))}
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function CommandMatrix({ check }: { check: CommandCheck }) {
  const [open, setOpen] = useState(!check.allowed);
  const missing = check.missing.length;
  const conditional = check.conditional_pairs.length;
  const status = check.allowed
    ? 'allowed'
    : missing > 0
      ? `${missing} missing`
      : `${conditional} conditional`;
  return (
    <section
      className="command"
      data-testid="policy-command"
      data-command={check.command}
      data-allowed={check.allowed}
    >
      <button type="button" className="command-head" onClick={() => setOpen(!open)} aria-expanded={open}>
        <span className="caret">{open ? '▾' : '▸'}</span>
        <strong>{check.command}</strong>
        <span className={`badge ${check.allowed ? 'ok' : 'bad'}`}>{status}</span>
        <span className="muted">{check.pairs.length} pairs</span>
      </button>
      {open && (
        <table className="pairs">
          <thead>
            <tr>
              <th>Action</th>
              <th>Resource</th>
              <th>Decision</th>
              <th>Deciding statement</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {check.pairs.map((pair, i) => (
              <tr
                key={i}
                data-testid="policy-pair"
                data-decision={pair.decision}
                data-action={pair.action}
                data-resource={pair.resource}
              >
                <td>
                  <code>{pair.action}</code>
                </td>
                <td className="resource">
                  <code>{pair.resource}</code>
                </td>
                <td>
                  <span className={`badge ${pair.decision === 'allowed' ? 'ok' : 'bad'}`}>
                    {DECISION_LABEL[pair.decision]}
                  </span>
                </td>
                <td>{statementLabel(pair.statement)}</td>
                <td>
                  {pair.reason}
                  <div className="muted">needed because {pair.required_because}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function MinimalPolicy() {
  const permissions = useWorkbench((s) => s.permissions);
  const actions = useActions();
  return (
    <div className="minimal-policy" data-testid="minimal-policy">
      <div className="tab-toolbar">
        <strong>Minimal policy ({permissions.mode})</strong>
        <span className="grow" />
        {permissions.minimal && (
          <>
            <button
              type="button"
              className="small"
              onClick={() => actions.setPolicy(permissions.minimal!.text, 'minimal-policy.json')}
            >
              Check it
            </button>
            <CopyButton text={permissions.minimal.text} label="the minimal policy" testId="minimal-copy" />
          </>
        )}
      </div>
      {permissions.minimalError && <ErrorNotice error={permissions.minimalError} />}
      {permissions.minimal && (
        <>
          <pre data-testid="minimal-policy-text">{permissions.minimal.text}</pre>
          {permissions.minimal.notes.map((n) => (
            <div key={n} className="muted small-text">
              {n}
            </div>
          ))}
        </>
      )}
    </div>
  );
}

import { useState } from 'react';
import type { RedshiftTarget } from '../../../core/contract/types';
import { useActions, useWorkbench } from '../store/context';

/** Repo, connection (sandbox or an AWS profile) and Redshift target, with ways to change each. */
export function TopBar() {
  const session = useWorkbench((s) => s.session);
  const actions = useActions();
  const [panel, setPanel] = useState<'none' | 'repo' | 'target'>('none');
  const info = session.info;
  const connection = info?.connection;
  const connectionValue = connection?.kind === 'aws' ? `aws:${connection.profile ?? ''}` : 'sandbox';

  return (
    <header className="top-bar" data-testid="top-bar">
      <div className="top-item">
        <span className="top-label">repo</span>
        <button
          type="button"
          className="top-value"
          title={info?.repoDir ?? ''}
          data-testid="top-repo"
          onClick={() => setPanel(panel === 'repo' ? 'none' : 'repo')}
        >
          {info?.repo?.project ?? info?.repoName ?? '…'}
          {info?.isDemo ? <span className="badge">demo</span> : null}
        </button>
      </div>
      <div className="top-item">
        <span className="top-label">connection</span>
        <select
          aria-label="Connection"
          data-testid="top-connection"
          value={connectionValue}
          disabled={session.opening}
          onChange={(e) => {
            const value = e.target.value;
            if (value === 'sandbox') void actions.setConnection({ kind: 'sandbox' });
            else {
              const profile = value.slice('aws:'.length);
              void actions.setConnection(profile ? { kind: 'aws', profile } : { kind: 'aws' });
            }
          }}
        >
          <option value="sandbox">
            sandbox{connection?.kind === 'sandbox' ? ` (${connection.endpoint.replace('http://', '')})` : ''}
          </option>
          <option value="aws:">aws: default credential chain</option>
          {session.profiles.map((p) => (
            <option key={p} value={`aws:${p}`}>
              aws: {p}
            </option>
          ))}
        </select>
        {connection?.kind === 'aws' && <span className="muted">{connection.region}</span>}
      </div>
      <div className="top-item grow">
        <span className="top-label">target</span>
        <button
          type="button"
          className="top-value"
          data-testid="top-target"
          disabled={!info?.repo}
          onClick={() => setPanel(panel === 'target' ? 'none' : 'target')}
        >
          {info?.repo
            ? `${info.repo.targetText} · ${info.repo.region} · ${info.repo.database}`
            : 'no valid config'}
        </button>
      </div>
      {session.opening && (
        <span className="muted" data-testid="top-opening">
          opening…
        </span>
      )}
      {panel === 'repo' && <RepoPanel current={info?.repoDir ?? ''} onDone={() => setPanel('none')} />}
      {panel === 'target' && info?.repo && (
        <TargetPanel target={info.repo.target} onDone={() => setPanel('none')} />
      )}
    </header>
  );
}

function RepoPanel({ current, onDone }: { current: string; onDone: () => void }) {
  const actions = useActions();
  const [dir, setDir] = useState(current);
  return (
    <form
      className="popover"
      onSubmit={(e) => {
        e.preventDefault();
        onDone();
        void actions.openRepo(dir.trim() || undefined);
      }}
    >
      <label>
        Feature repo folder (holding feature_store.yaml)
        <input value={dir} onChange={(e) => setDir(e.target.value)} aria-label="Repo folder" autoFocus />
      </label>
      <div className="row">
        <button type="submit">Open</button>
        <button
          type="button"
          onClick={() => {
            onDone();
            void actions.openRepo(undefined);
          }}
        >
          Open the demo repo
        </button>
        <button type="button" className="link" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}

function TargetPanel({ target, onDone }: { target: RedshiftTarget; onDone: () => void }) {
  const actions = useActions();
  const [kind, setKind] = useState<RedshiftTarget['kind']>(target.kind);
  const [clusterId, setClusterId] = useState(target.kind === 'cluster' ? target.clusterId : '');
  const [user, setUser] = useState(target.kind === 'cluster' ? target.user : '');
  const [workgroup, setWorkgroup] = useState(target.kind === 'serverless' ? target.workgroup : '');
  return (
    <form
      className="popover"
      data-testid="target-panel"
      onSubmit={(e) => {
        e.preventDefault();
        onDone();
        void actions.switchTarget(kind === 'cluster' ? { kind, clusterId, user } : { kind, workgroup });
      }}
    >
      <div className="row">
        <label>
          <input type="radio" checked={kind === 'cluster'} onChange={() => setKind('cluster')} /> Provisioned
          cluster
        </label>
        <label>
          <input type="radio" checked={kind === 'serverless'} onChange={() => setKind('serverless')} />{' '}
          Serverless workgroup
        </label>
      </div>
      {kind === 'cluster' ? (
        <div className="row">
          <label>
            cluster_id <input value={clusterId} onChange={(e) => setClusterId(e.target.value)} required />
          </label>
          <label>
            user <input value={user} onChange={(e) => setUser(e.target.value)} required />
          </label>
        </div>
      ) : (
        <label>
          workgroup <input value={workgroup} onChange={(e) => setWorkgroup(e.target.value)} required />
        </label>
      )}
      <p className="muted">Edits feature_store.yaml in the editor, keeping its comments; save with Ctrl+S.</p>
      <div className="row">
        <button type="submit">Apply to the editor</button>
        <button type="button" className="link" onClick={onDone}>
          Close
        </button>
      </div>
    </form>
  );
}

/**
 * One engine host: the workspace, the services over it and the dispatcher in front of them. The Electron main
 * process and the browser host both start exactly this; only the transport in front differs.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDispatcher, type Dispatcher } from './dispatch';
import { createServices } from './services';
import { Workspace, type ConnectionChoice, type WorkspaceOptions } from './workspace';

export interface HostOptions extends Partial<WorkspaceOptions> {
  /** The repo to open at start; the demo when absent. */
  repoDir?: string;
  connection?: ConnectionChoice;
  stagingSchema?: string;
}

export interface EngineHost {
  workspace: Workspace;
  dispatcher: Dispatcher;
  /** Settles when the first repo is open (problems included: they are shown, not thrown). */
  ready: Promise<void>;
  /** Test-only knobs, exposed by the browser host only when started with --test-hooks. */
  testRoutes: Record<string, (body: unknown) => Promise<unknown>>;
  close(): Promise<void>;
}

/** The folder of the shipped demo repo, from a source checkout. */
export function shippedDemoDir(): string {
  return fileURLToPath(new URL('../../assets/demo', import.meta.url));
}

/** Per-user data folder (the demo copy lives here): XDG on Linux, the usual places elsewhere. */
export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  const home = homedir();
  if (process.platform === 'darwin')
    return path.join(home, 'Library', 'Application Support', 'Feature Workbench');
  if (process.platform === 'win32')
    return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Feature Workbench');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'feature-workbench');
}

export function createEngineHost(options: HostOptions = {}): EngineHost {
  const workspace = new Workspace({
    demoSourceDir: options.demoSourceDir ?? shippedDemoDir(),
    demoDir: options.demoDir ?? path.join(defaultDataDir(), 'demo'),
    ...(options.imageCacheDir ? { imageCacheDir: options.imageCacheDir } : {}),
    ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  const dispatcher = createDispatcher(createServices(workspace), options.log);
  const ready = workspace
    .open(options.repoDir, options.connection ?? { kind: 'sandbox' }, options.stagingSchema)
    .then(
      () => undefined,
      (error: unknown) => options.log?.(`host: could not open the repo: ${(error as Error).message}`),
    );
  const testRoutes: EngineHost['testRoutes'] = {
    /** Holds matching sandbox statements in STARTED for `ms` (CancelStatement aborts them): a slow run on demand. */
    async 'sandbox-delay'(body) {
      const { ms, match } = (body ?? {}) as { ms?: unknown; match?: unknown };
      if (typeof ms !== 'number' || ms < 0 || ms > 600_000) throw new Error('ms must be 0..600000');
      await workspace.settled();
      if (!workspace.sandbox) throw new Error('the sandbox is not running');
      workspace.sandbox.faults.delayStatements(ms, {
        times: Infinity,
        ...(typeof match === 'string' ? { match: new RegExp(match, 'i') } : {}),
      });
      return { ok: true };
    },
    async 'sandbox-reset'() {
      await workspace.settled();
      workspace.sandbox?.faults.reset();
      return { ok: true };
    },
  };
  return {
    workspace,
    dispatcher,
    ready,
    testRoutes,
    async close() {
      await ready;
      await workspace.close();
    },
  };
}

/**
 * `npm run serve`: the browser host. The workbench's engine in this process, the renderer bundle (out/renderer)
 * served on 127.0.0.1, the contract over a WebSocket guarded by a per-start token. Prints the URL to open.
 */
import '../cli/quiet-warnings';
import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WorkbenchError } from '../contract/errors';
import { startBridgeServer } from './bridge-server';
import { createEngineHost } from './host';

export const SERVE_USAGE = `Usage: npm run serve -- [options]
  --repo DIR          open this Feast repo (default: the demo repo, copied to the user data folder)
  --profile NAME      reach AWS with this named profile instead of the embedded sandbox
  --port N            port on 127.0.0.1 (default: a free one)
  --static DIR        the built renderer (default: out/renderer)
  --demo-dir DIR      where the demo repo is copied (default: the user data folder)
  --open              open the URL in the default browser
  --json              print {"url": ...} on one line instead of sentences (for scripts and tests)
  --test-hooks        enable /__test__/ routes (sandbox delays) for end-to-end tests; never for real use`;

export interface ServeArgs {
  repo?: string;
  profile?: string;
  port?: number;
  staticDir: string;
  demoDir?: string;
  open: boolean;
  json: boolean;
  testHooks: boolean;
}

export function parseServeArgs(argv: string[], cwd = process.cwd()): ServeArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      repo: { type: 'string' },
      profile: { type: 'string' },
      port: { type: 'string' },
      static: { type: 'string' },
      'demo-dir': { type: 'string' },
      open: { type: 'boolean' },
      json: { type: 'boolean' },
      'test-hooks': { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new UsageRequest();
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    throw new Error(`--port must be 0..65535, not ${values.port}`);
  }
  const root = fileURLToPath(new URL('../..', import.meta.url));
  return {
    ...(values.repo ? { repo: path.resolve(cwd, values.repo) } : {}),
    ...(values.profile ? { profile: values.profile } : {}),
    ...(port !== undefined ? { port } : {}),
    staticDir: path.resolve(cwd, values.static ?? path.join(root, 'out', 'renderer')),
    ...(values['demo-dir'] ? { demoDir: path.resolve(cwd, values['demo-dir']) } : {}),
    open: values.open ?? false,
    json: values.json ?? false,
    testHooks: values['test-hooks'] ?? false,
  };
}

export class UsageRequest extends Error {}

/** Opens a URL in the default browser, where that is a plain, local command. */
export function openInBrowser(url: string): boolean {
  const command =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : process.env.DISPLAY || process.env.WAYLAND_DISPLAY
          ? ['xdg-open', [url]]
          : undefined;
  if (!command) return false;
  try {
    const child = spawn(command[0] as string, command[1] as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Starts the browser host; `out` receives the sentences (or the JSON line) for the person who started it. */
export async function serve(
  args: ServeArgs,
  out: (text: string) => void = (text) => void process.stdout.write(text),
): Promise<{ close(): Promise<void> }> {
  const index = await stat(path.join(args.staticDir, 'index.html')).catch(() => undefined);
  if (!index) {
    throw new WorkbenchError({
      kind: 'NotFound',
      what: 'built renderer',
      name: path.join(args.staticDir, 'index.html'),
      hint: 'build the renderer first (npm run build)',
    });
  }
  const quiet = args.json;
  const log = (line: string) => {
    if (!quiet || process.env.FWB_HOST_LOG) process.stderr.write(`${line}\n`);
  };
  const host = createEngineHost({
    ...(args.repo ? { repoDir: args.repo } : {}),
    ...(args.profile ? { connection: { kind: 'aws', profile: args.profile } } : {}),
    ...(args.demoDir ? { demoDir: args.demoDir } : {}),
    log: (line) => {
      if (process.env.FWB_HOST_LOG) process.stderr.write(`${line}\n`);
    },
  });
  const bridge = await startBridgeServer({
    dispatcher: host.dispatcher,
    staticDir: args.staticDir,
    ...(args.port !== undefined ? { port: args.port } : {}),
    ...(args.testHooks ? { testRoutes: host.testRoutes } : {}),
    log,
  });
  await host.ready;
  const info = host.workspace.info();
  if (args.json) {
    out(
      `${JSON.stringify({ url: bridge.url, origin: bridge.origin, token: bridge.token, repoDir: info.repoDir })}\n`,
    );
  } else {
    const connection =
      info.connection?.kind === 'aws'
        ? `AWS profile ${info.connection.profile ?? '(default chain)'}`
        : 'the embedded sandbox';
    out(
      `Feature Workbench (browser host) on ${info.repoDir}, against ${connection}.\n` +
        `Open this address (it carries this start's access token; keep it private):\n\n  ${bridge.url}\n\n` +
        'Press Ctrl+C to stop.\n',
    );
    if (info.problem) out(`Note: the repo has a problem (${info.problem.kind}); the workbench shows it.\n`);
  }
  if (args.open && !openInBrowser(bridge.url) && !args.json) {
    out('(No desktop browser could be started from here; open the address yourself.)\n');
  }
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        await bridge.close();
        await host.close();
      })();
      return closing;
    },
  };
}

async function main(): Promise<void> {
  let args: ServeArgs;
  try {
    args = parseServeArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageRequest)) process.stderr.write(`${(error as Error).message}\n`);
    process.stderr.write(`${SERVE_USAGE}\n`);
    process.exitCode = error instanceof UsageRequest ? 0 : 2;
    return;
  }
  let server: { close(): Promise<void> };
  try {
    server = await serve(args);
  } catch (error) {
    process.stderr.write(`fwb serve: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const stop = () => {
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  void main();
}

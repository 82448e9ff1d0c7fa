/**
 * For the CLI tests of pull-latest, pull-all, saved-dataset and date-range retrieve: copies of the demo repo
 * (feature_store.yaml for a cluster or a Serverless workgroup, and its registry.db) in a temporary folder, so
 * saving a dataset never touches assets/demo, and a runner that captures what a command prints.
 */

import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sandboxEnvironment, startSandbox, type Sandbox } from '../../sandbox/index';
import type { CliIO } from '../command';
import { runCli } from '../run';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const DEMO = path.join(ROOT, 'assets/demo');
export const DEMO_DATA = path.join(DEMO, 'data');
export const DEMO_BUCKET = 'feast-demo-bucket';

/** A copy of the demo repo under `parent`, configured for a provisioned cluster or a Serverless workgroup. */
export async function demoRepoCopy(parent: string, target: 'cluster' | 'serverless'): Promise<string> {
  const repo = path.join(parent, `repo-${target}`);
  await mkdir(path.join(repo, 'data'), { recursive: true });
  await copyFile(path.join(DEMO_DATA, 'registry.db'), path.join(repo, 'data', 'registry.db'));
  const yaml = await readFile(path.join(DEMO, 'feature_store.yaml'), 'utf8');
  const configured =
    target === 'cluster'
      ? yaml
      : yaml.replace('  cluster_id: feast-cluster\n  user: awsuser\n', '  workgroup: feast-workgroup\n');
  if (target === 'serverless' && configured === yaml) throw new Error('the demo feature_store.yaml changed');
  await writeFile(path.join(repo, 'feature_store.yaml'), configured);
  return repo;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function fwb(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const run: CliRun = { code: -1, stdout: '', stderr: '' };
  const io: CliIO = {
    stdout: (text) => {
      run.stdout += text;
    },
    stderr: (text) => {
      run.stderr += text;
    },
    cwd,
    env,
    signal: new AbortController().signal,
  };
  run.code = await runCli(args, io);
  return run;
}

/** CSV lines after the header, sorted: for outputs in no particular row order. */
export function sortedLines(csv: string): { header: string; rows: string[] } {
  const [header = '', ...rows] = csv.split('\n').filter((line) => line !== '');
  return { header, rows: rows.sort() };
}

/**
 * A sandbox loaded with the demo data that commands reach without `--sandbox`, through the AWS SDK's endpoint
 * variables and the default credential chain, as they would reach AWS; one sandbox serves every run of a test
 * file (starting the embedded one per command is slow). `restore` puts the environment back.
 */
export async function sharedSandbox(): Promise<{ sandbox: Sandbox; restore(): Promise<void> }> {
  const sandbox = await startSandbox({ dataDir: DEMO_DATA, buckets: [DEMO_BUCKET] });
  const saved = { ...process.env };
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, sandboxEnvironment(sandbox), { AWS_EC2_METADATA_DISABLED: 'true' });
  return {
    sandbox,
    async restore() {
      process.env = saved;
      await sandbox.stop();
    },
  };
}

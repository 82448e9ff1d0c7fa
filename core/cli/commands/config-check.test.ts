import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVISIONED_YAML, SERVERLESS_YAML, variant } from '../../config/test-fixtures';
import type { CliIO } from '../command';
import { runCli } from '../run';

async function run(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    cwd,
    env,
    signal: new AbortController().signal,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('fwb config check', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fwb-config-check-'));
    const repos: Record<string, string> = {
      cluster: variant(
        variant(PROVISIONED_YAML, 'project: my_feature_repo', 'project: driver_ranking'),
        'database: feast-database',
        'database: dev',
      ),
      serverless: SERVERLESS_YAML,
      invalid: `project: driver-ranking
registry: data/registry.db
provider: aws
offline_store:
  type: redshift
  region: us-west-2
  cluster_id: feast-cluster
  workgroup: feast-workgroup
  database: 5439
  s3_staging_location: s3://feast-bucket/staging/
  iam_role: redshift_s3_access_role
`,
      broken: 'project: p\nregistry: "data/registry.db\n',
      withEnv: variant(SERVERLESS_YAML, 'workgroup: feast-workgroup', 'workgroup: ${WORKGROUP}'),
    };
    for (const [name, text] of Object.entries(repos)) {
      await mkdir(path.join(root, name));
      await writeFile(path.join(root, name, 'feature_store.yaml'), text);
    }
    await mkdir(path.join(root, 'no-config'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prints a one-line summary and exits 0 for a valid cluster config', async () => {
    expect(await run(['config', 'check', '--repo', path.join(root, 'cluster')], root)).toEqual({
      code: 0,
      stdout:
        'feature_store.yaml: project driver_ranking, Redshift cluster feast-cluster as redshift-user in us-west-2, ' +
        'database dev, registry data/registry.db\n',
      stderr: '',
    });
  });

  it('resolves a relative --repo against the working directory and describes Serverless', async () => {
    expect(await run(['config', 'check', '--repo', 'serverless'], root)).toEqual({
      code: 0,
      stdout:
        'feature_store.yaml: project my_feature_repo, Redshift Serverless workgroup feast-workgroup in us-west-2, ' +
        'database feast-database, registry data/registry.db\n',
      stderr: '',
    });
  });

  it('expands environment variables from its environment, as Feast does', async () => {
    const result = await run(['config', 'check', '--repo', 'withEnv'], root, { WORKGROUP: 'from-env' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Redshift Serverless workgroup from-env in us-west-2');
  });

  it('prints every problem as file:line:column and exits 1', async () => {
    const result = await run(['config', 'check', '--repo', 'invalid'], root);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      'feature_store.yaml:1:10: project must not contain hyphens, got "driver-ranking": Feast rejects them because ' +
        'it uses the project name in SQLite table names; use driver_ranking',
      'feature_store.yaml:8:3: offline_store sets both cluster_id and workgroup; keep cluster_id and user for a ' +
        'provisioned cluster, or workgroup for Redshift Serverless, not both',
      'feature_store.yaml:9:13: offline_store.database must be a database name such as dev, got the number 5439; ' +
        'Feast does not convert it, so write it in quotes ("5439") to keep it as text',
      'feature_store.yaml:11:13: offline_store.iam_role must be an IAM role ARN such as ' +
        'arn:aws:iam::123456789012:role/redshift_s3_access_role, got "redshift_s3_access_role"',
      '',
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    expect(await run(['config', 'check', '--repo', 'broken'], root)).toEqual({
      code: 1,
      stdout: 'feature_store.yaml:2:11: YAML syntax error: the value quoted here with " has no closing "\n',
      stderr: '',
    });
  });

  it('exits 1 with a message when the folder has no feature_store.yaml', async () => {
    const result = await run(['config', 'check', '--repo', 'no-config'], root);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `fwb config check: feature_store.yaml "${path.join(root, 'no-config', 'feature_store.yaml')}" not found; ` +
        `${path.join(root, 'no-config')} is not a Feast repository; point at the folder holding feature_store.yaml\n`,
    );
  });

  it('exits 2 for bad usage', async () => {
    const missing = await run(['config', 'check'], root);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.split('\n')[0]).toBe('fwb config check: --repo is required');

    const unknown = await run(['config', 'check', '--repo', 'cluster', '--verbose'], root);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--verbose'");

    const nowhere = await run(['config', 'check', '--repo', 'does-not-exist'], root);
    expect(nowhere.code).toBe(2);
    expect(nowhere.stderr.split('\n')[0]).toBe(
      `fwb config check: --repo ${path.join(root, 'does-not-exist')} is not a folder`,
    );
  });

  it('is listed in the help', async () => {
    const result = await run(['--help'], root);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /config check\s+Validate feature_store\.yaml for the Redshift offline store/,
    );
  });
});

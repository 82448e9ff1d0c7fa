import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepoConfig } from '../../config/load';
import { WORKGROUP_ID } from '../../iam/__fixtures__/configs';
import type { CommandCheck } from '../../iam/check';
import { minimalPolicy } from '../../iam/minimal-policy';
import { runCli } from '../run';

let dir: string;

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
    cwd: dir,
    env: {},
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

const yaml = (target: string) => `project: my_feature_repo
registry: data/registry.db
provider: aws
offline_store:
  type: redshift
  region: us-west-2
${target}
  database: feast-database
  s3_staging_location: s3://feast-bucket/redshift
  iam_role: arn:aws:iam::123456789012:role/redshift_s3_access_role
`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-iam-policy-'));
  for (const [name, target] of [
    ['cluster', '  cluster_id: feast-cluster\n  user: redshift-user'],
    ['serverless', '  workgroup: feast-workgroup'],
  ] as const) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'feature_store.yaml'), yaml(target));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fwb iam policy', () => {
  it('prints the minimal policy as JSON on stdout and notes on stderr', async () => {
    const { code, stdout, stderr } = await run('iam', 'policy', '--repo', 'cluster');
    expect(code).toBe(0);
    const config = await loadRepoConfig(path.join(dir, 'cluster'), { env: {} });
    expect(JSON.parse(stdout)).toEqual(minimalPolicy(config).policy);
    expect(stderr).toMatch(
      /^note: Covers apply, materialize, get_historical_features, write_batch, write_logged_features, saved_dataset/,
    );
  });

  it.each(['enforced', 'documented'])(
    'the printed %s policy passes `fwb iam check` in the same mode',
    async (mode) => {
      for (const command of ['all', 'apply', 'materialize', 'get_historical_features']) {
        const printed = await run('iam', 'policy', '--repo', 'cluster', '--mode', mode, '--command', command);
        expect(printed.code).toBe(0);
        const file = `minimal-${mode}-${command}.json`;
        await writeFile(path.join(dir, file), printed.stdout);
        const checked = await run(
          'iam',
          'check',
          '--repo',
          'cluster',
          '--policy',
          file,
          '--mode',
          mode,
          '--command',
          command,
          '--json',
        );
        expect(checked.code, `${mode} ${command}: ${checked.stdout}`).toBe(0);
      }
    },
  );

  it('Serverless: a placeholder and a note without the ID; the ID when given', async () => {
    const without = await run('iam', 'policy', '--repo', 'serverless', '--command', 'apply');
    expect(without.code).toBe(0);
    expect(without.stdout).toContain('workgroup/<workgroup-id>');
    expect(without.stderr).toContain('Replace <workgroup-id>');
    const withId = await run(
      'iam',
      'policy',
      '--repo',
      'serverless',
      '--command',
      'apply',
      '--workgroup-id',
      WORKGROUP_ID,
    );
    expect(withId.stdout).toContain(`workgroup/${WORKGROUP_ID}`);
    await writeFile(path.join(dir, 'serverless-apply.json'), withId.stdout);
    const checked = await run(
      'iam',
      'check',
      '--repo',
      'serverless',
      '--policy',
      'serverless-apply.json',
      '--command',
      'apply',
      '--workgroup-id',
      WORKGROUP_ID,
      '--json',
    );
    expect(checked.code).toBe(0);
    expect((JSON.parse(checked.stdout) as CommandCheck).allowed).toBe(true);
  });

  it('--for role and --for trust print the policies of the iam_role, and they pass the role check', async () => {
    const role = await run('iam', 'policy', '--repo', 'serverless', '--for', 'role');
    const trust = await run('iam', 'policy', '--repo', 'serverless', '--for', 'trust');
    expect([role.code, trust.code]).toEqual([0, 0]);
    expect(JSON.parse(trust.stdout).Statement[0].Principal.Service).toEqual([
      'redshift.amazonaws.com',
      'redshift-serverless.amazonaws.com',
    ]);
    const identity = await run('iam', 'policy', '--repo', 'serverless', '--workgroup-id', WORKGROUP_ID);
    await writeFile(path.join(dir, 'sl-identity.json'), identity.stdout);
    await writeFile(path.join(dir, 'sl-role.json'), role.stdout);
    await writeFile(path.join(dir, 'sl-trust.json'), trust.stdout);
    const checked = await run(
      'iam',
      'check',
      '--repo',
      'serverless',
      '--policy',
      'sl-identity.json',
      '--workgroup-id',
      WORKGROUP_ID,
      '--role-policy',
      'sl-role.json',
      '--role-trust',
      'sl-trust.json',
      '--json',
    );
    expect(checked.code).toBe(0);
    expect((JSON.parse(checked.stdout) as CommandCheck[]).every((r) => r.allowed && r.role?.ok)).toBe(true);
  });

  it.each([
    [['--repo', 'cluster', '--for', 'admin'], '--for must be identity, role or trust'],
    [
      ['--repo', 'cluster', '--for', 'role', '--mode', 'documented'],
      '--mode applies to the identity policy only',
    ],
    [
      ['--repo', 'cluster', '--mode', 'documented', '--command', 'saved_dataset'],
      'not in the documented permissions table',
    ],
    [['--repo', 'cluster', '--account', 'abc'], '"abc" is not a 12-digit AWS account ID'],
    [[], '--repo is required'],
  ])('bad usage or input %j exits 2', async (args, message) => {
    const { code, stdout, stderr } = await run('iam', 'policy', ...args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });
});

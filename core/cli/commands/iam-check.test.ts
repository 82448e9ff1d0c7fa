import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENTED_INLINE_POLICY, WORKGROUP_ID } from '../../iam/__fixtures__/configs';
import type { CommandCheck } from '../../iam/check';
import { runCli } from '../run';

const CLUSTER_YAML = `project: my_feature_repo
registry: data/registry.db
provider: aws
offline_store:
  type: redshift
  region: us-west-2
  cluster_id: feast-cluster
  database: feast-database
  user: redshift-user
  s3_staging_location: s3://feast-bucket/redshift
  iam_role: arn:aws:iam::123456789012:role/redshift_s3_access_role
`;
const SERVERLESS_YAML = `project: my_feature_repo
registry: data/registry.db
provider: aws
offline_store:
  type: redshift
  region: us-west-2
  workgroup: feast-workgroup
  database: feast-database
  s3_staging_location: s3://feast-bucket/redshift
  iam_role: arn:aws:iam::123456789012:role/redshift_s3_access_role
`;

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

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-iam-check-'));
  const write = (name: string, text: string) => writeFile(path.join(dir, name), text);
  await Promise.all([
    mkdirAndWrite('cluster/feature_store.yaml', CLUSTER_YAML),
    mkdirAndWrite('serverless/feature_store.yaml', SERVERLESS_YAML),
    mkdirAndWrite('broken/feature_store.yaml', CLUSTER_YAML.replace('region: us-west-2', 'region: 42')),
    write('inline.json', DOCUMENTED_INLINE_POLICY),
    write('bad.json', '{\n  "Statement": [\n    {"Effect": "Allow" "Action": "s3:*"}\n  ]\n}'),
    write(
      'no-resource.json',
      JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] }, null, 2),
    ),
    write(
      'typo.json',
      JSON.stringify(
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['s3:GetObjects', '*'], Resource: '*' }],
        },
        null,
        2,
      ),
    ),
    write(
      'trust.json',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    ),
    write(
      'role-fixed-bucket.json',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:*',
            Resource: ['arn:aws:s3:::feast-integration-tests', 'arn:aws:s3:::feast-integration-tests/*'],
          },
        ],
      }),
    ),
    write(
      'workgroup.json',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: ['redshift-data:DescribeTable', 'redshift-serverless:GetCredentials'],
            Resource: `arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/${WORKGROUP_ID}`,
          },
        ],
      }),
    ),
  ]);
  async function mkdirAndWrite(name: string, text: string) {
    await mkdir(path.join(dir, path.dirname(name)), { recursive: true });
    await writeFile(path.join(dir, name), text);
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('fwb iam check', () => {
  it('--json with one command prints one object; the documented inline policy passes (exit 0)', async () => {
    const { code, stdout, stderr } = await run(
      'iam',
      'check',
      '--repo',
      'cluster',
      '--policy',
      'inline.json',
      '--mode',
      'documented',
      '--command',
      'get_historical_features',
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as CommandCheck;
    expect(result).toMatchObject({
      command: 'get_historical_features',
      mode: 'documented',
      allowed: true,
      missing: [],
      explicit_deny: [],
      conditional: false,
      conditional_pairs: [],
    });
    expect(result.pairs).toHaveLength(15);
    expect(result.pairs[0]?.statement).toMatchObject({
      policy: 'inline.json',
      index: 1,
      path: '$.Statement[1]',
    });
  });

  it('--command all prints an array; documented mode has the three documented commands', async () => {
    const { code, stdout } = await run(
      'iam',
      'check',
      '--repo',
      'cluster',
      '--policy',
      'inline.json',
      '--mode',
      'documented',
      '--json',
      '--command',
      'all',
    );
    expect(code).toBe(0);
    expect((JSON.parse(stdout) as CommandCheck[]).map((r) => r.command)).toEqual([
      'apply',
      'materialize',
      'get_historical_features',
    ]);
  });

  it('defaults to all commands in enforced mode and exits 1 when something is missing', async () => {
    const { code, stdout } = await run(
      'iam',
      'check',
      '--repo',
      'cluster',
      '--policy',
      'inline.json',
      '--json',
    );
    expect(code).toBe(1);
    const results = JSON.parse(stdout) as CommandCheck[];
    expect(results.map((r) => [r.command, r.mode, r.allowed])).toEqual([
      ['apply', 'enforced', false],
      ['materialize', 'enforced', true],
      ['get_historical_features', 'enforced', false],
      ['write_batch', 'enforced', false],
      ['write_logged_features', 'enforced', true],
      ['saved_dataset', 'enforced', true],
    ]);
    expect(results[2]?.missing).toEqual([{ action: 'redshift-data:GetStatementResult', resource: '*' }]);
  });

  it('prints a readable table without --json', async () => {
    const { code, stdout } = await run(
      'iam',
      'check',
      '--repo',
      'cluster',
      '--policy',
      'inline.json',
      '--command',
      'get_historical_features',
    );
    expect(code).toBe(1);
    expect(stdout).toContain(
      'get_historical_features (enforced mode): NOT ALLOWED - 10 pairs, 1 missing (0 by an explicit Deny), 0 conditional',
    );
    expect(stdout).toMatch(/MISSING {5}redshift-data:GetStatementResult +\*/);
    expect(stdout).toContain('+ added       redshift-data:GetStatementResult *');
    expect(stdout).toContain(
      '- not checked redshift:GetClusterCredentials arn:aws:redshift:us-west-2:123456789012:cluster:feast-cluster',
    );
    expect(stdout).toContain('Not checked (no policy document can show these):');
  });

  it('reports invalid JSON with line and column, exit 2', async () => {
    const { code, stdout, stderr } = await run('iam', 'check', '--repo', 'cluster', '--policy', 'bad.json');
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `fwb iam check: bad.json:3:24: invalid JSON: expected ',' or '}' after the value of "Effect", found '"'\n`,
    );
  });

  it('reports a policy AWS would refuse, exit 2', async () => {
    const { code, stderr } = await run('iam', 'check', '--repo', 'cluster', '--policy', 'no-resource.json');
    expect(code).toBe(2);
    expect(stderr).toContain(
      'no-resource.json:4:5: an identity policy statement needs Resource or NotResource [MISSING_RESOURCE]',
    );
  });

  it('shows unknown actions as warnings and still checks', async () => {
    const { code, stdout } = await run(
      'iam',
      'check',
      '--repo',
      'cluster',
      '--policy',
      'typo.json',
      '--json',
      '--command',
      'apply',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as CommandCheck;
    expect(result.warnings).toEqual([
      expect.objectContaining({
        code: 'UNKNOWN_ACTION',
        file: 'typo.json',
        path: '$.Statement[0].Action[0]',
        line: 7,
        column: 9,
      }),
    ]);
  });

  it.each([
    [['--policy', 'inline.json'], '--repo is required'],
    [['--repo', 'cluster'], '--policy is required'],
    [['--repo', 'cluster', '--policy', 'inline.json', '--command', 'teardown'], '--command must be one of'],
    [
      ['--repo', 'cluster', '--policy', 'inline.json', '--mode', 'documented', '--command', 'write_batch'],
      'not in the documented permissions table',
    ],
    [
      ['--repo', 'cluster', '--policy', 'inline.json', '--mode', 'literal'],
      '--mode must be documented or enforced',
    ],
    [['--repo', 'nowhere', '--policy', 'inline.json'], 'is not a folder'],
  ])('bad usage %j exits 2', async (args, message) => {
    const { code, stderr } = await run('iam', 'check', ...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it.each([
    [['--repo', 'cluster', '--policy', 'missing.json'], 'missing.json: cannot read the file'],
    [
      ['--repo', 'cluster', '--policy', 'inline.json', '--account', '12'],
      '--account: "12" is not a 12-digit AWS account ID',
    ],
    [
      ['--repo', 'cluster', '--policy', 'inline.json', '--workgroup-id', WORKGROUP_ID],
      'not a Serverless workgroup',
    ],
    [['--repo', 'broken', '--policy', 'inline.json'], 'feature_store.yaml:6:'],
    [['--repo', '.', '--policy', 'inline.json'], 'is not a Feast repository'],
  ])('bad input %j exits 2', async (args, message) => {
    const { code, stderr } = await run('iam', 'check', ...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('uses --account for the ARNs', async () => {
    const { code, stdout } = await run(
      'iam',
      'check',
      '--repo',
      'cluster',
      '--policy',
      'inline.json',
      '--mode',
      'documented',
      '--command',
      'materialize',
      '--account',
      '210987654321',
      '--json',
    );
    expect(code).toBe(1);
    expect((JSON.parse(stdout) as CommandCheck).missing).toEqual([
      {
        action: 'redshift-data:ExecuteStatement',
        resource: 'arn:aws:redshift:us-west-2:210987654321:cluster:feast-cluster',
      },
    ]);
  });

  it('Serverless: conditional without --workgroup-id, allowed with it', async () => {
    const args = [
      'iam',
      'check',
      '--repo',
      'serverless',
      '--policy',
      'workgroup.json',
      '--mode',
      'documented',
      '--command',
      'apply',
      '--json',
    ];
    const without = await run(...args);
    expect(without.code).toBe(1);
    expect(JSON.parse(without.stdout)).toMatchObject({ allowed: false, missing: [], conditional: true });
    const withId = await run(...args, '--workgroup-id', WORKGROUP_ID);
    expect(withId.code).toBe(0);
    expect(JSON.parse(withId.stdout)).toMatchObject({ allowed: true });
  });

  it('checks the role: a wrong bucket in the role policy fails the run (exit 1) though the caller is allowed', async () => {
    const { code, stdout } = await run(
      'iam',
      'check',
      '--repo',
      'cluster',
      '--policy',
      'inline.json',
      '--command',
      'materialize',
      '--role-trust',
      'trust.json',
      '--role-policy',
      'role-fixed-bucket.json',
      '--json',
    );
    expect(code).toBe(1);
    const result = JSON.parse(stdout) as CommandCheck;
    expect(result.allowed).toBe(true);
    expect(result.role?.trust?.ok).toBe(true);
    expect(result.role?.permissions?.missing).toEqual([
      {
        action: 's3:PutObject',
        resource: 'arn:aws:s3:::feast-bucket/redshift/unload/{uuid}/0000_part_00.parquet',
      },
    ]);
  });
});

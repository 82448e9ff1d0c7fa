import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import {
  allow,
  CLUSTER_ARN,
  clusterConfig,
  DBNAME_ARN,
  DBUSER_ARN,
  DOCUMENTED_INLINE_POLICY,
  policy,
  serverlessConfig,
  WORKGROUP_ID,
} from './__fixtures__/configs';
import { checkExitCode, checkPermissions } from './check';
import type { ParsedPolicy } from './policy';

const config = clusterConfig();
const inline = policy(DOCUMENTED_INLINE_POLICY, 'identity', 'inline.json');
const BUCKET = 'arn:aws:s3:::feast-bucket';
const UNLOAD = 'arn:aws:s3:::feast-bucket/redshift/unload/{uuid}/0000_part_00.parquet';
const ENTITY = 'arn:aws:s3:::feast-bucket/redshift/entity_df/feast_entity_df_{hex}.parquet';
const WG_PREFIX = 'arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/';

const one = (policies: ParsedPolicy[], options: Parameters<typeof checkPermissions>[2]) =>
  checkPermissions(config, policies, options);

/** Everything a command needs at run time on the provisioned cluster, scoped to the staging prefix. */
const runtimeStatements = [
  {
    Sid: 'DataApi',
    Effect: 'Allow',
    Action: ['redshift-data:ExecuteStatement', 'redshift-data:DescribeTable'],
    Resource: CLUSTER_ARN,
  },
  {
    Sid: 'Statements',
    Effect: 'Allow',
    Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
    Resource: '*',
  },
  {
    Sid: 'Creds',
    Effect: 'Allow',
    Action: 'redshift:GetClusterCredentials',
    Resource: [DBUSER_ARN, DBNAME_ARN],
  },
  { Sid: 'List', Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET },
];

describe('checkPermissions', () => {
  it("the documentation's inline policy passes all three commands in documented mode", () => {
    const results = checkPermissions(config, [inline], { mode: 'documented' });
    expect(results.map((r) => [r.command, r.allowed, r.pairs.length])).toEqual([
      ['apply', true, 6],
      ['materialize', true, 8],
      ['get_historical_features', true, 15],
    ]);
    expect(
      results[2]?.pairs.every((p) => p.decision === 'allowed' && p.statement !== null && p.documented),
    ).toBe(true);
  });

  it('produces exactly the JSON contract fields, in order, and more detail after them', () => {
    const [result] = checkPermissions(config, [inline], { mode: 'documented', commands: ['materialize'] });
    expect(Object.keys(result ?? {})).toEqual([
      'command',
      'mode',
      'allowed',
      'missing',
      'explicit_deny',
      'conditional',
      'conditional_pairs',
      'pairs',
      'differences',
      'warnings',
      'not_checked',
      'notes',
    ]);
    expect(result).toMatchObject({
      command: 'materialize',
      mode: 'documented',
      allowed: true,
      missing: [],
      explicit_deny: [],
      conditional: false,
      conditional_pairs: [],
    });
    expect(result?.pairs[1]).toEqual({
      action: 'redshift-data:DescribeStatement',
      resource: '*',
      decision: 'allowed',
      statement: {
        policy: 'inline.json',
        index: 2,
        path: '$.Statement[2]',
        line: 29,
        column: 9,
        effect: 'Allow',
      },
      matched: {
        action: {
          element: 'Action',
          patterns: ['redshift-data:DescribeStatement'],
          path: '$.Statement[2].Action[0]',
        },
        resource: { element: 'Resource', patterns: ['*'], path: '$.Statement[2].Resource' },
      },
      reason: 'Allowed by statement 2: Action redshift-data:DescribeStatement; Resource *',
      notes: [],
      required_because: 'documented table, row Materialize',
      documented: true,
    });
    expect(result?.not_checked.map((n) => n.item)).toContain('role association');
  });

  it('the inline policy misses GetStatementResult in enforced mode, and nothing else', () => {
    const results = checkPermissions(config, [inline]);
    expect(results.map((r) => r.command)).toEqual([
      'apply',
      'materialize',
      'get_historical_features',
      'write_batch',
      'write_logged_features',
      'saved_dataset',
    ]);
    const missing = Object.fromEntries(results.map((r) => [r.command, r.missing]));
    const gsr = [{ action: 'redshift-data:GetStatementResult', resource: '*' }];
    expect(missing).toEqual({
      apply: gsr,
      materialize: [],
      get_historical_features: gsr,
      write_batch: gsr,
      write_logged_features: [],
      saved_dataset: [],
    });
    expect(checkExitCode(results)).toBe(1);
  });

  it('a policy built from the Materialize row alone fails at run time for lack of GetClusterCredentials', () => {
    const row = allow(
      { Effect: 'Allow', Action: 'redshift-data:ExecuteStatement', Resource: CLUSTER_ARN },
      { Effect: 'Allow', Action: 'redshift-data:DescribeStatement', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetObject', 's3:DeleteObject'],
        Resource: [BUCKET, `${BUCKET}/*`],
      },
    );
    expect(one([row], { mode: 'documented', commands: ['materialize'] })[0]?.allowed).toBe(true);
    const [enforced] = one([row], { commands: ['materialize'] });
    expect(enforced?.missing).toEqual([
      { action: 'redshift:GetClusterCredentials', resource: DBUSER_ARN },
      { action: 'redshift:GetClusterCredentials', resource: DBNAME_ARN },
    ]);
    expect(enforced?.pairs.find((p) => p.resource === DBUSER_ARN)?.required_because).toContain(
      'temporary credentials for DbUser',
    );
  });

  it('objects scoped to the staging prefix: missing in documented mode (literal bucket/*), fine in enforced mode', () => {
    const p = allow(...runtimeStatements, {
      Sid: 'Objects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: `${BUCKET}/redshift/*`,
    });
    const [documented] = one([p], { mode: 'documented', commands: ['get_historical_features'] });
    expect(documented?.missing).toEqual(
      [
        { action: 'redshift:GetClusterCredentials', resource: CLUSTER_ARN },
        { action: 's3:ListBucket', resource: `${BUCKET}/*` },
        { action: 's3:GetObject', resource: BUCKET },
        { action: 's3:GetObject', resource: `${BUCKET}/*` },
        { action: 's3:PutObject', resource: BUCKET },
        { action: 's3:PutObject', resource: `${BUCKET}/*` },
        { action: 's3:DeleteObject', resource: BUCKET },
        { action: 's3:DeleteObject', resource: `${BUCKET}/*` },
        { action: 'redshift-data:ExecuteStatement', resource: DBUSER_ARN },
        { action: 'redshift-data:ExecuteStatement', resource: DBNAME_ARN },
      ].sort((a, b) => documentedOrder(a) - documentedOrder(b)),
    );
    const [enforced] = one([p], { commands: ['get_historical_features'] });
    expect(enforced).toMatchObject({ allowed: true, missing: [], conditional_pairs: [] });
  });

  it('a Deny on the staging prefix passes the literal table but is caught on the real keys', () => {
    const p = allow(
      ...runtimeStatements,
      { Sid: 'Objects', Effect: 'Allow', Action: 's3:*', Resource: `${BUCKET}/*` },
      { Sid: 'NoStaging', Effect: 'Deny', Action: 's3:*Object', Resource: `${BUCKET}/redshift/*` },
    );
    const [documented] = one([p], { mode: 'documented', commands: ['materialize'] });
    expect(documented?.missing.every((m) => m.resource === BUCKET)).toBe(true); // only object actions on the bucket ARN
    const [enforced] = one([p], { commands: ['materialize'] });
    expect(enforced?.allowed).toBe(false);
    expect(enforced?.missing).toEqual([
      { action: 's3:GetObject', resource: UNLOAD },
      { action: 's3:DeleteObject', resource: UNLOAD },
    ]);
    expect(enforced?.explicit_deny).toEqual([
      {
        action: 's3:GetObject',
        resource: UNLOAD,
        statement: expect.objectContaining({
          index: 5,
          sid: 'NoStaging',
          path: '$.Statement[5]',
          effect: 'Deny',
        }),
      },
      {
        action: 's3:DeleteObject',
        resource: UNLOAD,
        statement: expect.objectContaining({ sid: 'NoStaging' }),
      },
    ]);
  });

  it('missing holds implicit and explicit denies; explicit_deny only the Deny ones', () => {
    const p = allow(
      ...runtimeStatements,
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/*` },
      { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' },
    );
    const [r] = one([p], { commands: ['materialize'] });
    expect(r?.missing).toEqual([{ action: 's3:DeleteObject', resource: UNLOAD }]);
    expect(r?.explicit_deny.map((d) => d.action)).toEqual(['s3:DeleteObject']);
    const [ghf] = one([p], { commands: ['get_historical_features'] });
    expect(ghf?.missing.map((m) => `${m.action} ${m.resource}`)).toEqual([
      `s3:PutObject ${ENTITY}`,
      `s3:DeleteObject ${ENTITY}`,
      `s3:DeleteObject ${UNLOAD}`,
    ]);
    expect(ghf?.explicit_deny.map((m) => `${m.action} ${m.resource}`)).toEqual([
      `s3:DeleteObject ${ENTITY}`,
      `s3:DeleteObject ${UNLOAD}`,
    ]);
  });

  it('conditional pairs are not missing, and they make allowed false', () => {
    const p = allow(...runtimeStatements, {
      Sid: 'Objects',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:DeleteObject'],
      Resource: `${BUCKET}/*`,
      Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
    });
    const [r] = one([p], { commands: ['materialize'] });
    expect(r).toMatchObject({ allowed: false, missing: [], conditional: true });
    expect(r?.conditional_pairs).toEqual([
      { action: 's3:GetObject', resource: UNLOAD },
      { action: 's3:DeleteObject', resource: UNLOAD },
    ]);
    expect(r?.pairs.find((x) => x.decision === 'conditional')).toMatchObject({
      unknown_cause: 'condition',
      condition: [{ operator: 'IpAddress', key: 'aws:SourceIp', values: ['10.0.0.0/8'] }],
    });
    expect(checkExitCode([r!])).toBe(1);
  });

  it('refuses a policy AWS would reject, as InputInvalid with its position', () => {
    const bad = policy({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] });
    expect(() => checkPermissions(config, [bad])).toThrow(WorkbenchError);
    expect(() => checkPermissions(config, [bad])).toThrow(/MISSING_RESOURCE/);
  });

  it('never fails on any valid policy: every pair gets a decision and a reason', () => {
    const action = fc.constantFrom(
      '*',
      's3:*',
      's3:Get*',
      'redshift-data:*',
      'REDSHIFT:getclustercredentials',
      'redshift-serverless:*',
      'iam:*',
    );
    const resource = fc.constantFrom(
      '*',
      BUCKET,
      `${BUCKET}/*`,
      `${BUCKET}/redshift/*`,
      CLUSTER_ARN,
      DBUSER_ARN,
      'arn:aws:redshift:*',
      `${BUCKET}/\${aws:username}/*`,
      'not-an-arn',
    );
    const statement = fc.record({
      Effect: fc.constantFrom('Allow', 'Deny'),
      Action: fc.array(action, { minLength: 1, maxLength: 3 }),
      Resource: fc.array(resource, { minLength: 1, maxLength: 3 }),
      Condition: fc.option(fc.constant({ Bool: { 'aws:SecureTransport': 'true' } }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(statement, { minLength: 1, maxLength: 4 }), (statements) => {
        const results = checkPermissions(config, [allow(...statements)]);
        for (const r of results) {
          expect(r.allowed).toBe(r.missing.length === 0 && r.conditional_pairs.length === 0);
          expect(r.missing.length).toBe(r.pairs.filter((p) => p.decision.endsWith('_deny')).length);
          for (const p of r.pairs) expect(p.reason.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('carries warnings with every result', () => {
    const p = allow({ Effect: 'Allow', Action: 's3:GetObjects', Resource: '*' });
    const [r] = one([p], { commands: ['apply'] });
    expect(r?.warnings.map((w) => w.code)).toEqual(['UNKNOWN_ACTION']);
  });
});

/** Order of the documented GHF pairs: rows as written, then the cross product. */
function documentedOrder(pair: { action: string; resource: string }): number {
  const order = [
    `redshift-data:ExecuteStatement ${DBUSER_ARN}`,
    `redshift-data:ExecuteStatement ${DBNAME_ARN}`,
    `redshift-data:ExecuteStatement ${CLUSTER_ARN}`,
    `redshift:GetClusterCredentials ${DBUSER_ARN}`,
    `redshift:GetClusterCredentials ${DBNAME_ARN}`,
    `redshift:GetClusterCredentials ${CLUSTER_ARN}`,
    'redshift-data:DescribeStatement *',
    `s3:ListBucket ${BUCKET}`,
    `s3:ListBucket ${BUCKET}/*`,
    `s3:GetObject ${BUCKET}`,
    `s3:GetObject ${BUCKET}/*`,
    `s3:PutObject ${BUCKET}`,
    `s3:PutObject ${BUCKET}/*`,
    `s3:DeleteObject ${BUCKET}`,
    `s3:DeleteObject ${BUCKET}/*`,
  ];
  return order.indexOf(`${pair.action} ${pair.resource}`);
}

describe('Serverless', () => {
  const serverless = serverlessConfig();
  const grant = (resource: string) =>
    allow(
      {
        Sid: 'Workgroup',
        Effect: 'Allow',
        Action: ['redshift-data:DescribeTable', 'redshift-serverless:GetCredentials'],
        Resource: resource,
      },
      { Effect: 'Allow', Action: 'redshift-data:DescribeStatement', Resource: '*' },
    );
  const apply = (p: ParsedPolicy, workgroupId?: string) =>
    checkPermissions(serverless, [p], {
      mode: 'documented',
      commands: ['apply'],
      ...(workgroupId ? { workgroupId } : {}),
    })[0];

  it('without the ID: a pattern for every workgroup decides', () => {
    expect(apply(grant(`${WG_PREFIX}*`))).toMatchObject({ allowed: true, missing: [] });
  });

  it('without the ID: the workgroup name in the ARN can never match', () => {
    const r = apply(grant(`${WG_PREFIX}feast-workgroup`));
    expect(r?.missing).toEqual([
      { action: 'redshift-data:DescribeTable', resource: `${WG_PREFIX}{workgroup_id}` },
      { action: 'redshift-serverless:GetCredentials', resource: `${WG_PREFIX}{workgroup_id}` },
    ]);
    expect(r?.warnings.map((w) => w.code)).toEqual(['WORKGROUP_NAME_IN_ARN']);
    expect(r?.notes[0]).toContain('pass --workgroup-id');
  });

  it('without the ID: a specific ID makes the pairs conditional', () => {
    const r = apply(grant(`${WG_PREFIX}${WORKGROUP_ID}`));
    expect(r).toMatchObject({ allowed: false, missing: [], conditional: true });
    expect(r?.conditional_pairs).toHaveLength(2);
    expect(r?.pairs[0]?.unknown_cause).toBe('unknown_value');
  });

  it('with the ID: decided exactly', () => {
    expect(apply(grant(`${WG_PREFIX}${WORKGROUP_ID}`), WORKGROUP_ID)?.allowed).toBe(true);
    const other = apply(grant(`${WG_PREFIX}00000000-0000-0000-0000-000000000000`), WORKGROUP_ID);
    expect(other?.missing).toHaveLength(2);
    expect(other?.pairs[0]?.reason).toContain(`does not match ${WG_PREFIX}${WORKGROUP_ID}`);
  });

  it('enforced mode needs GetCredentials for materialize too', () => {
    const p = allow(
      { Effect: 'Allow', Action: 'redshift-data:ExecuteStatement', Resource: `${WG_PREFIX}*` },
      { Effect: 'Allow', Action: 'redshift-data:DescribeStatement', Resource: '*' },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: `${BUCKET}/*` },
    );
    const [r] = checkPermissions(serverless, [p], { commands: ['materialize'] });
    expect(r?.missing).toEqual([
      { action: 'redshift-serverless:GetCredentials', resource: `${WG_PREFIX}{workgroup_id}` },
    ]);
  });
});

describe('the iam_role', () => {
  const docTrust = policy(
    {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    },
    'trust',
    'trust.json',
  );
  const roleFor = (bucket: string) =>
    policy(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Action: 's3:*',
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          },
        ],
      },
      'identity',
      'role.json',
    );
  const caller = allow(...runtimeStatements, {
    Effect: 'Allow',
    Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    Resource: `${BUCKET}/redshift/*`,
  });
  const check = (options: Parameters<typeof checkPermissions>[2], c = config) =>
    checkPermissions(c, [caller], { commands: ['get_historical_features'], ...options })[0];

  it('the documented trust relationship lets Redshift assume the role', () => {
    const r = check({ roleTrust: docTrust });
    expect(r?.role?.trust).toEqual({
      ok: true,
      services: [
        {
          service: 'redshift.amazonaws.com',
          decision: 'allowed',
          statement: expect.objectContaining({ index: 0 }),
          reason: 'statement 0 names redshift.amazonaws.com for sts:AssumeRole',
        },
      ],
      notes: [],
    });
    expect(r?.not_checked.map((n) => n.item)).toContain('role permission policy');
    expect(r?.not_checked.map((n) => n.item)).not.toContain('role trust policy');
  });

  it('Serverless also needs redshift-serverless.amazonaws.com', () => {
    const r = check({ roleTrust: docTrust }, serverlessConfig());
    expect(r?.role?.trust?.ok).toBe(false);
    expect(r?.role?.trust?.services.map((s) => [s.service, s.decision])).toEqual([
      ['redshift.amazonaws.com', 'allowed'],
      ['redshift-serverless.amazonaws.com', 'implicit_deny'],
    ]);
    const both = policy(
      {
        Version: '2012-10-17',
        Statement: {
          Effect: 'Allow',
          Principal: { Service: ['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com'] },
          Action: ['sts:AssumeRole'],
        },
      },
      'trust',
    );
    expect(check({ roleTrust: both }, serverlessConfig())?.role?.trust?.ok).toBe(true);
  });

  it('an sts:ExternalId condition can never hold for Redshift', () => {
    const trust = policy(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'redshift.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'sts:ExternalId': 'abc' } },
          },
        ],
      },
      'trust',
    );
    const verdict = check({ roleTrust: trust })?.role?.trust?.services[0];
    expect(verdict?.decision).toBe('implicit_deny');
    expect(verdict?.reason).toContain('Redshift does not send an external ID');
  });

  it('aws:SourceAccount is resolved from the account; aws:SourceArn stays conditional', () => {
    const withCondition = (condition: Record<string, unknown>) =>
      policy(
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'redshift.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: condition,
            },
          ],
        },
        'trust',
      );
    expect(
      check({ roleTrust: withCondition({ StringEquals: { 'aws:SourceAccount': '123456789012' } }) })?.role
        ?.trust?.ok,
    ).toBe(true);
    expect(
      check({ roleTrust: withCondition({ StringEquals: { 'aws:SourceAccount': '999999999999' } }) })?.role
        ?.trust?.services[0]?.decision,
    ).toBe('implicit_deny');
    expect(
      check({
        roleTrust: withCondition({
          ArnLike: { 'aws:SourceArn': 'arn:aws:redshift:*:123456789012:cluster:*' },
        }),
      })?.role?.trust?.services[0]?.decision,
    ).toBe('conditional');
  });

  it('notes a trust policy that lets anyone assume the role', () => {
    const open = policy(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }] },
      'trust',
    );
    const trust = check({ roleTrust: open })?.role?.trust;
    expect(trust?.ok).toBe(true);
    expect(trust?.notes[0]).toContain('any principal');
  });

  it("the documentation's role policy names a fixed test bucket, so COPY and UNLOAD fail", () => {
    const r = check({ rolePolicy: roleFor('feast-integration-tests') });
    expect(r?.allowed).toBe(true); // the caller's own policy is fine
    expect(r?.role?.ok).toBe(false);
    expect(r?.role?.permissions?.missing).toEqual([
      { action: 's3:ListBucket', resource: BUCKET },
      { action: 's3:GetObject', resource: ENTITY },
      { action: 's3:PutObject', resource: UNLOAD },
    ]);
    expect(r?.role?.permissions?.pairs[0]?.required_because).toBe(
      'COPY: COPY lists the objects under the uploaded key prefix',
    );
    expect(checkExitCode([r!])).toBe(1);
    const fixed = check({ rolePolicy: roleFor('feast-bucket'), roleTrust: docTrust });
    expect(fixed?.role).toMatchObject({ ok: true, permissions: { ok: true, missing: [] } });
    expect(fixed?.allowed).toBe(true);
    expect(checkExitCode([fixed!])).toBe(0);
  });

  it('a read-only role cannot UNLOAD', () => {
    const readOnly = policy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [BUCKET, `${BUCKET}/*`] },
        ],
      },
      'identity',
      'role.json',
    );
    const [r] = checkPermissions(config, [inline], { commands: ['materialize'], rolePolicy: readOnly });
    expect(r?.role?.permissions?.missing).toEqual([{ action: 's3:PutObject', resource: UNLOAD }]);
  });
});

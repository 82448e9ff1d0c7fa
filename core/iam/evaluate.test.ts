import { describe, expect, it } from 'vitest';
import { allow, CLUSTER_ARN, policy } from './__fixtures__/configs';
import { subject, type Slot } from './arn';
import { evaluatePair } from './evaluate';

const BUCKET = 'arn:aws:s3:::feast-bucket';
const OBJECT = 'arn:aws:s3:::feast-bucket/redshift/unload/x/0000_part_00.parquet';
const run: Slot = { name: 'uuid', kind: 'generated', shape: 'uuid' };
const unloadKey = subject('arn:aws:s3:::feast-bucket/redshift/unload/', run, '/0000_part_00.parquet');
const workgroupId: Slot = { name: 'workgroup_id', kind: 'unknown', shape: 'uuid' };
const workgroup = subject('arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/', workgroupId);

const decide = (p: ReturnType<typeof allow>, action: string, resource: string | ReturnType<typeof subject>) =>
  evaluatePair([p], action, typeof resource === 'string' ? subject(resource) : resource);

describe('evaluatePair', () => {
  it('denies by default', () => {
    const result = decide(
      allow({ Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET }),
      'redshift-data:ExecuteStatement',
      CLUSTER_ARN,
    );
    expect(result).toMatchObject({
      decision: 'implicit_deny',
      reason: `No statement allows redshift-data:ExecuteStatement on ${CLUSTER_ARN}`,
    });
    expect(result.decidedBy).toBeUndefined();
  });

  it('allows through a matching statement and names it', () => {
    const p = allow(
      { Sid: 'Bucket', Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET },
      { Sid: 'DataApi', Effect: 'Allow', Action: 'redshift-data:*', Resource: CLUSTER_ARN },
    );
    const result = decide(p, 'redshift-data:ExecuteStatement', CLUSTER_ARN);
    expect(result.decision).toBe('allowed');
    expect(result.decidedBy?.ref).toMatchObject({
      index: 1,
      sid: 'DataApi',
      path: '$.Statement[1]',
      line: 10,
    });
    expect(result.decidedBy?.action).toEqual({
      element: 'Action',
      patterns: ['redshift-data:*'],
      path: '$.Statement[1].Action',
    });
    expect(result.decidedBy?.resource).toEqual({
      element: 'Resource',
      patterns: [CLUSTER_ARN],
      path: '$.Statement[1].Resource',
    });
    expect(result.reason).toBe(
      `Allowed by statement 1 "DataApi": Action redshift-data:* matches redshift-data:ExecuteStatement; Resource ${CLUSTER_ARN}`,
    );
  });

  it('lets an explicit Deny win over any Allow, wherever it is written', () => {
    for (const order of ['deny-first', 'deny-last']) {
      const statements = [
        { Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' },
        { Sid: 'NoDelete', Effect: 'Deny', Action: 's3:DeleteObject', Resource: `${BUCKET}/*` },
      ];
      const p = allow(...(order === 'deny-first' ? [...statements].reverse() : statements));
      const result = decide(p, 's3:DeleteObject', OBJECT);
      expect(result.decision).toBe('explicit_deny');
      expect(result.decidedBy?.ref.sid).toBe('NoDelete');
      expect(result.notes[0]).toContain('"All" allows it, but an explicit Deny always wins');
      expect(decide(p, 's3:GetObject', OBJECT).decision).toBe('allowed');
    }
  });

  it('reads NotAction in an Allow as "everything except"', () => {
    const p = allow({ Effect: 'Allow', NotAction: ['iam:*', 'sts:*'], Resource: '*' });
    const result = decide(p, 's3:GetObject', OBJECT);
    expect(result.decision).toBe('allowed');
    expect(result.decidedBy?.action).toMatchObject({ element: 'NotAction', patterns: ['iam:*', 'sts:*'] });
    expect(decide(p, 'iam:PassRole', 'arn:aws:iam::123456789012:role/r').decision).toBe('implicit_deny');
  });

  it('reads NotAction in a Deny as "deny everything except"', () => {
    const p = allow(
      { Effect: 'Allow', Action: '*', Resource: '*' },
      { Sid: 'OnlyS3', Effect: 'Deny', NotAction: 's3:*', Resource: '*' },
    );
    expect(decide(p, 'redshift-data:ExecuteStatement', CLUSTER_ARN)).toMatchObject({
      decision: 'explicit_deny',
      reason: expect.stringContaining('NotAction [s3:*] does not list redshift-data:ExecuteStatement'),
    });
    expect(decide(p, 's3:GetObject', OBJECT).decision).toBe('allowed');
  });

  it('NotResource that lists the cluster still denies actions whose resource is "*"', () => {
    const p = allow(
      { Effect: 'Allow', Action: 'redshift-data:*', Resource: '*' },
      { Sid: 'OnlyThisCluster', Effect: 'Deny', Action: 'redshift-data:*', NotResource: CLUSTER_ARN },
    );
    expect(decide(p, 'redshift-data:ExecuteStatement', CLUSTER_ARN).decision).toBe('allowed');
    const result = decide(p, 'redshift-data:DescribeStatement', '*');
    expect(result.decision).toBe('explicit_deny');
    expect(result.reason).toContain(`NotResource [${CLUSTER_ARN}] does not include *`);
    expect(result.decidedBy?.resource).toEqual({
      element: 'NotResource',
      patterns: [CLUSTER_ARN],
      path: '$.Statement[1].NotResource',
    });
  });

  it('an Allow with NotResource grants what it does not list', () => {
    const p = allow({ Effect: 'Allow', Action: 's3:*', NotResource: `${BUCKET}/secret/*` });
    expect(decide(p, 's3:GetObject', OBJECT).decision).toBe('allowed');
    expect(decide(p, 's3:GetObject', `${BUCKET}/secret/x`).reason).toContain(
      'NotResource lists arn:aws:s3:::feast-bucket/secret/*',
    );
  });

  it('compares actions without case and resources with case', () => {
    const p = allow({ Effect: 'Allow', Action: 'REDSHIFT-DATA:executestatement', Resource: CLUSTER_ARN });
    expect(decide(p, 'redshift-data:ExecuteStatement', CLUSTER_ARN).decision).toBe('allowed');
    const caseWrong = allow({
      Sid: 'List',
      Effect: 'Allow',
      Action: 's3:ListBucket',
      Resource: 'arn:aws:s3:::Feast-Bucket',
    });
    const result = decide(caseWrong, 's3:ListBucket', BUCKET);
    expect(result.decision).toBe('implicit_deny');
    expect(result.reason).toBe(
      'No statement allows s3:ListBucket on arn:aws:s3:::feast-bucket; closest: statement 0 "List": Action s3:ListBucket; Resource arn:aws:s3:::Feast-Bucket differs in case from arn:aws:s3:::feast-bucket',
    );
  });

  it('supports ? and * in resources', () => {
    const p = allow({
      Effect: 'Allow',
      Action: 'redshift:GetClusterCredentials',
      Resource: 'arn:aws:redshift:us-west-?:123456789012:dbuser:feast-*/*',
    });
    expect(
      decide(
        p,
        'redshift:GetClusterCredentials',
        'arn:aws:redshift:us-west-2:123456789012:dbuser:feast-cluster/redshift-user',
      ).decision,
    ).toBe('allowed');
    expect(
      decide(
        p,
        'redshift:GetClusterCredentials',
        'arn:aws:redshift:us-west-12:123456789012:dbuser:feast-cluster/u',
      ).decision,
    ).toBe('implicit_deny');
  });

  it('tells bucket ARNs from object ARNs', () => {
    const objectsOnly = allow({
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetObject'],
      Resource: `${BUCKET}/*`,
    });
    expect(decide(objectsOnly, 's3:ListBucket', BUCKET).decision).toBe('implicit_deny');
    expect(decide(objectsOnly, 's3:GetObject', OBJECT).decision).toBe('allowed');
    const bucketOnly = allow({
      Effect: 'Allow',
      Action: ['s3:ListBucket', 's3:GetObject'],
      Resource: BUCKET,
    });
    expect(decide(bucketOnly, 's3:ListBucket', BUCKET).decision).toBe('allowed');
    expect(decide(bucketOnly, 's3:GetObject', OBJECT).decision).toBe('implicit_deny');
  });

  describe('statements that cannot be settled offline', () => {
    const conditionalAllow = {
      Sid: 'OnlyInRegion',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `${BUCKET}/*`,
      Condition: { StringEquals: { 'aws:RequestedRegion': 'us-west-2' } },
    };

    it('a conditional Allow makes the pair conditional', () => {
      const result = decide(allow(conditionalAllow), 's3:GetObject', OBJECT);
      expect(result.decision).toBe('conditional');
      expect(result.decidedBy).toMatchObject({
        unknownCause: 'condition',
        condition: [{ operator: 'StringEquals', key: 'aws:RequestedRegion', values: ['us-west-2'] }],
      });
      expect(result.reason).toContain('only if its Condition holds (StringEquals aws:RequestedRegion)');
    });

    it('a conditional Allow does not matter when an unconditional Allow matches', () => {
      const p = allow(conditionalAllow, {
        Sid: 'Plain',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `${BUCKET}/*`,
      });
      expect(decide(p, 's3:GetObject', OBJECT)).toMatchObject({
        decision: 'allowed',
        decidedBy: { ref: { sid: 'Plain' } },
      });
    });

    it('a conditional Deny makes an otherwise allowed pair conditional, and decides it', () => {
      const p = allow(
        { Sid: 'Plain', Effect: 'Allow', Action: 's3:*', Resource: '*' },
        {
          Sid: 'NeedMfa',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } },
        },
      );
      const result = decide(p, 's3:GetObject', OBJECT);
      expect(result.decision).toBe('conditional');
      expect(result.decidedBy?.ref.sid).toBe('NeedMfa');
      expect(result.reason).toContain(
        'Allowed by statement 0 "Plain", but statement 1 "NeedMfa" may deny it',
      );
    });

    it('a conditional Deny alone leaves an implicit deny', () => {
      const p = allow({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      });
      expect(decide(p, 's3:GetObject', OBJECT).decision).toBe('implicit_deny');
    });

    it('a policy variable that could match is conditional; one that cannot is missing', () => {
      const p = allow({
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: `${BUCKET}/home/\${aws:username}/*`,
      });
      const maybe = decide(p, 's3:GetObject', `${BUCKET}/home/alice/x`);
      expect(maybe).toMatchObject({
        decision: 'conditional',
        decidedBy: { unknownCause: 'policy_variable' },
      });
      expect(maybe.reason).toContain('uses ${aws:username}, which cannot be resolved offline');
      expect(decide(p, 's3:GetObject', OBJECT).decision).toBe('implicit_deny');
    });

    it('without Version 2012-10-17 a variable is literal text', () => {
      const p = policy({
        Statement: [
          { Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/home/\${aws:username}/*` },
        ],
      });
      expect(decide(p, 's3:GetObject', `${BUCKET}/home/alice/x`).decision).toBe('implicit_deny');
      expect(decide(p, 's3:GetObject', `${BUCKET}/home/\${aws:username}/x`).decision).toBe('allowed');
    });

    it('an ARN AWS would reject (wildcard in the service) is conditional, not a guess', () => {
      const p = allow({
        Effect: 'Allow',
        Action: 'redshift-data:ExecuteStatement',
        Resource: 'arn:aws:redshift*:us-west-2:*:*',
      });
      expect(decide(p, 'redshift-data:ExecuteStatement', CLUSTER_ARN)).toMatchObject({
        decision: 'conditional',
        decidedBy: { unknownCause: 'malformed_arn' },
      });
    });
  });

  describe('keys Feast generates per run', () => {
    it('an Allow must cover every generated key', () => {
      expect(
        decide(
          allow({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/redshift/unload/*` }),
          's3:GetObject',
          unloadKey,
        ).decision,
      ).toBe('allowed');
      const some = decide(
        allow({ Effect: 'Allow', Action: 's3:GetObject', Resource: `${BUCKET}/redshift/unload/0*` }),
        's3:GetObject',
        unloadKey,
      );
      expect(some.decision).toBe('implicit_deny');
      expect(some.reason).toContain('covers only some of the keys Feast generates per run');
    });

    it('a Deny that hits some generated keys denies', () => {
      const p = allow(
        { Effect: 'Allow', Action: 's3:*', Resource: `${BUCKET}/*` },
        { Sid: 'NoZero', Effect: 'Deny', Action: 's3:GetObject', Resource: `${BUCKET}/redshift/unload/0*` },
      );
      const result = decide(p, 's3:GetObject', unloadKey);
      expect(result.decision).toBe('explicit_deny');
      expect(result.reason).toContain('denies some of the keys Feast generates per run');
    });
  });

  describe('an unknown workgroup ID', () => {
    const grant = (resource: string) =>
      allow({ Effect: 'Allow', Action: 'redshift-serverless:GetCredentials', Resource: resource });
    const prefix = 'arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/';

    it('a pattern matching every ID decides', () => {
      expect(decide(grant(`${prefix}*`), 'redshift-serverless:GetCredentials', workgroup).decision).toBe(
        'allowed',
      );
      expect(decide(grant('*'), 'redshift-serverless:GetCredentials', workgroup).decision).toBe('allowed');
    });

    it('a pattern naming one ID makes it conditional', () => {
      const result = decide(
        grant(`${prefix}7f3c2a10-1b2c-4d5e-8f90-0123456789ab`),
        'redshift-serverless:GetCredentials',
        workgroup,
      );
      expect(result).toMatchObject({ decision: 'conditional', decidedBy: { unknownCause: 'unknown_value' } });
      expect(result.reason).toContain('only for some values of {workgroup_id}');
    });

    it('a pattern that cannot match a UUID leaves it missing', () => {
      expect(
        decide(grant(`${prefix}feast-workgroup`), 'redshift-serverless:GetCredentials', workgroup).decision,
      ).toBe('implicit_deny');
    });

    it('a Deny on every ID denies', () => {
      const p = allow(
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'redshift-serverless:*', Resource: `${prefix}*` },
      );
      expect(decide(p, 'redshift-serverless:GetCredentials', workgroup).decision).toBe('explicit_deny');
    });
  });

  it('names the policy document when several are given', () => {
    const a = policy(
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
      'identity',
      'a.json',
    );
    const b = policy(
      {
        Version: '2012-10-17',
        Statement: [{ Sid: 'B', Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }],
      },
      'identity',
      'b.json',
    );
    const result = evaluatePair([a, b], 's3:DeleteObject', subject(OBJECT));
    expect(result.decidedBy?.ref).toMatchObject({ policy: 'b.json', sid: 'B' });
    expect(result.reason).toContain('statement 0 "B" of b.json');
  });
});

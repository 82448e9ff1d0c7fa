import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { DOCUMENTED_INLINE_POLICY, policy } from './__fixtures__/configs';
import { assertPolicyValid, parsePolicy, type ParsedPolicy } from './policy';

const codes = (p: ParsedPolicy) => p.findings.map((f) => `${f.severity}:${f.code}`);
const finding = (p: ParsedPolicy, code: string) => p.findings.find((f) => f.code === code);

function invalid(p: ParsedPolicy): { line?: number; column?: number; reason: string } {
  try {
    assertPolicyValid(p);
  } catch (error) {
    if (error instanceof WorkbenchError && error.detail.kind === 'InputInvalid') return error.detail;
    throw error;
  }
  throw new Error('expected InputInvalid');
}

describe('parsePolicy', () => {
  it('reads the documented inline policy cleanly, with Version written last', () => {
    const p = policy(DOCUMENTED_INLINE_POLICY);
    expect(p.findings).toEqual([]);
    expect(p.version).toBe('2012-10-17');
    expect(p.variablesEnabled).toBe(true);
    expect(p.statements.map((s) => s.ref.path)).toEqual([
      '$.Statement[0]',
      '$.Statement[1]',
      '$.Statement[2]',
    ]);
    expect(p.statements[2]?.ref).toMatchObject({ index: 2, line: 29, column: 9 });
    expect(p.statements[0]?.action?.map((a) => a.text)).toEqual([
      's3:ListBucket',
      's3:PutObject',
      's3:GetObject',
      's3:DeleteObject',
    ]);
  });

  it('accepts Statement as one object and Action/Resource as strings', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: { Sid: 'One', Effect: 'Deny', Action: 's3:*', Resource: '*' },
    });
    expect(p.findings).toEqual([]);
    expect(p.statements).toHaveLength(1);
    expect(p.statements[0]).toMatchObject({
      effect: 'Deny',
      ref: { index: 0, sid: 'One', path: '$.Statement' },
    });
    expect(p.statements[0]?.action).toEqual([{ text: 's3:*', path: '$.Statement.Action' }]);
  });

  it('enables policy variables only under Version 2012-10-17', () => {
    const old = policy({
      Version: '2008-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*' }],
    });
    expect(old.variablesEnabled).toBe(false);
    expect(old.statements[0]?.resource?.[0]?.pattern.variables).toEqual([]);
    expect(finding(old, 'MISSING_VERSION')?.message).toContain('literal text');
    const none = policy({
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/${aws:username}/*' }],
    });
    expect(none.variablesEnabled).toBe(false);
    expect(finding(none, 'MISSING_VERSION')?.path).toBe('$');
  });

  it('warns about unknown actions with a hint, unknown prefixes and malformed action names', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: [
            's3:GetObjects',
            'redshfit:GetClusterCredentials',
            'ExecuteStatement',
            's3:Get*',
            'dynamodb:PutItem',
            'redshift-data:Nope*',
          ],
          Resource: '*',
        },
      ],
    });
    expect(codes(p)).toEqual([
      'warning:UNKNOWN_ACTION',
      'warning:UNKNOWN_PREFIX',
      'warning:MALFORMED_ACTION',
      'warning:UNKNOWN_ACTION',
    ]);
    expect(p.findings[0]).toMatchObject({ path: '$.Statement[0].Action[0]', line: 7, column: 9 });
    expect(p.findings[0]?.message).toBe('s3:GetObjects matches no s3 action (did you mean s3:GetObject?)');
    expect(p.findings[1]?.message).toContain('did you mean redshift?');
    expect(p.statements).toHaveLength(1); // warnings do not drop the statement
  });

  it('warns about a wildcard in the service prefix of an action', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['redshift*:*', 'nope*:*'], Resource: '*' }],
    });
    expect(codes(p)).toEqual(['warning:MALFORMED_ACTION', 'warning:UNKNOWN_PREFIX']);
    expect(p.findings[0]?.message).toContain('wildcard in the service prefix');
  });

  it('never throws for any JSON document, only reports findings', () => {
    const statementish = fc.dictionary(
      fc.constantFrom(
        'Sid',
        'Effect',
        'Action',
        'NotAction',
        'Resource',
        'NotResource',
        'Principal',
        'Condition',
        'Other',
      ),
      fc.oneof(
        fc.jsonValue({ maxDepth: 3 }),
        fc.constantFrom('Allow', 'Deny', 's3:*', '*', 'arn:aws:s3:::b/*', '${aws:username}'),
      ),
    );
    const doc = fc.record({
      Version: fc.constantFrom('2012-10-17', '2008-10-17', 7, undefined),
      Statement: fc.oneof(statementish, fc.array(statementish), fc.jsonValue({ maxDepth: 2 })),
    });
    fc.assert(
      fc.property(
        doc,
        fc.constantFrom('identity', 'trust') as fc.Arbitrary<'identity' | 'trust'>,
        (value, kind) => {
          const parsed = parsePolicy(JSON.stringify(value), { file: 'p.json', kind });
          for (const f of parsed.findings) expect(f.path.startsWith('$')).toBe(true);
          if (parsed.findings.some((f) => f.severity === 'error'))
            expect(() => assertPolicyValid(parsed)).toThrow(WorkbenchError);
          else expect(() => assertPolicyValid(parsed)).not.toThrow();
        },
      ),
    );
  });

  it('warns about malformed ARNs with their JSON path', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'redshift-data:ExecuteStatement',
          Resource: [
            'arn:aws:redshift:us-west-2:123456789012',
            'arn:amazon:redshift:us-west-2:123456789012:cluster:c',
            'arn:aws:redshift:us-west-2:12345:cluster:c',
          ],
        },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:us-west-2::feast-bucket' },
      ],
    });
    const malformed = p.findings.filter((f) => f.code === 'MALFORMED_ARN');
    expect(malformed.map((f) => f.path)).toEqual([
      '$.Statement[0].Resource[0]',
      '$.Statement[0].Resource[1]',
      '$.Statement[0].Resource[2]',
      '$.Statement[1].Resource',
    ]);
    expect(malformed[0]?.message).toContain('has 5 colon-separated parts');
    expect(malformed[1]?.message).toContain('"amazon" is not an AWS partition');
    expect(malformed[2]?.message).toContain('not a 12-digit AWS account ID');
    expect(malformed[3]?.message).toContain('empty region and account');
  });

  it('warns when an action is granted only on resources AWS never checks it against', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:GetObject'],
          Resource: 'arn:aws:s3:::feast-bucket/*',
        },
        {
          Effect: 'Allow',
          Action: 'redshift-data:GetStatementResult',
          Resource: 'arn:aws:redshift:us-west-2:123456789012:cluster:c',
        },
        {
          Effect: 'Allow',
          Action: 'redshift:GetClusterCredentials',
          Resource: 'arn:aws:redshift:us-west-2:123456789012:cluster:c',
        },
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::feast-bucket' },
        {
          Effect: 'Allow',
          Action: ['s3:ListBucket', 's3:GetObject'],
          Resource: ['arn:aws:s3:::feast-bucket', 'arn:aws:s3:::feast-bucket/*'],
        },
      ],
    });
    const mismatches = p.findings.filter((f) => f.code === 'RESOURCE_MISMATCH');
    expect(mismatches.map((f) => f.path)).toEqual([
      '$.Statement[0].Resource',
      '$.Statement[1].Resource',
      '$.Statement[2].Resource',
      '$.Statement[3].Resource',
    ]);
    expect(mismatches[0]?.message).toContain('s3:ListBucket is authorized against the bucket ARN');
    expect(mismatches[1]?.message).toContain('"*" (the action has no resource type)');
  });

  it('warns about a workgroup name where the ID belongs', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'redshift-serverless:GetCredentials',
          Resource: [
            'arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/feast-workgroup',
            'arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/7f3c2a10-1b2c-4d5e-8f90-0123456789ab',
          ],
        },
      ],
    });
    const found = p.findings.filter((f) => f.code === 'WORKGROUP_NAME_IN_ARN');
    expect(found.map((f) => f.path)).toEqual(['$.Statement[0].Resource[0]']);
  });

  it('warns about duplicate Sids and duplicate keys', () => {
    const p = parsePolicy(
      '{"Version": "2012-10-17", "Statement": [\n{"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},\n{"Sid": "A", "Effect": "Allow", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}]}',
      { file: 'p.json', kind: 'identity' },
    );
    expect(codes(p)).toEqual(['warning:DUPLICATE_KEY', 'warning:DUPLICATE_SID']);
    expect(p.findings[0]).toMatchObject({ path: '$.Statement[1].Effect', line: 3, column: 33 });
    expect(p.statements[1]?.effect).toBe('Deny');
  });

  it.each([
    [{ Statement: [] }, 'MISSING_STATEMENT'],
    [[1], 'NOT_A_POLICY'],
    [{ Version: '2012-10-17', Statement: [{ Action: 's3:GetObject', Resource: '*' }] }, 'MISSING_EFFECT'],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'allow', Action: 's3:GetObject', Resource: '*' }] },
      'INVALID_EFFECT',
    ],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] }, 'MISSING_ACTION'],
    [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', NotAction: 'iam:*', Resource: '*' }],
      },
      'BOTH_ACTION_AND_NOTACTION',
    ],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*' }] }, 'MISSING_RESOURCE'],
    [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', NotResource: 'x' }],
      },
      'BOTH_RESOURCE_AND_NOTRESOURCE',
    ],
    [{ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [], Resource: '*' }] }, 'EMPTY_LIST'],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: [3], Resource: '*' }] },
      'INVALID_VALUE_TYPE',
    ],
    [
      { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resources: '*' }] },
      'UNKNOWN_ELEMENT',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'redshift.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Resource: '*',
          },
        ],
      },
      'PRINCIPAL_IN_IDENTITY_POLICY',
    ],
    [
      { Version: '2012-10-18', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
      'INVALID_VERSION',
    ],
    [
      {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: 'x' }],
      },
      'INVALID_CONDITION',
    ],
  ])('refuses %j as %s, with its position', (doc, code) => {
    const p = policy(doc);
    expect(p.findings.some((f) => f.severity === 'error' && f.code === code)).toBe(true);
    const error = invalid(p);
    expect(error.reason).toContain(`[${code}]`);
    expect(error.line).toBeGreaterThanOrEqual(1);
  });

  it('counts the further errors in the InputInvalid message', () => {
    const error = invalid(policy({ Statement: [{ Action: 's3:*' }] }));
    expect(error.reason).toMatch(/and 1 more problem\)$/);
  });

  it('reads trust policies: Principal.Service as string or list, Resource only warned', () => {
    const p = policy(
      {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: ['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com'] },
            Action: 'sts:AssumeRole',
          },
          { Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' },
        ],
      },
      'trust',
    );
    expect(codes(p)).toEqual(['warning:RESOURCE_IN_TRUST_POLICY']);
    expect(p.statements[0]?.principal?.services).toEqual([
      'redshift.amazonaws.com',
      'redshift-serverless.amazonaws.com',
    ]);
    expect(p.statements[1]?.principal?.any).toBe(true);
    expect(
      codes(
        policy(
          { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
          'trust',
        ),
      ),
    ).toEqual(['error:MISSING_PRINCIPAL']);
  });

  it('keeps conditions as operator, key and values', () => {
    const p = policy({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:*',
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:RequestedRegion': ['us-west-2', 'us-east-1'] },
            Bool: { 'aws:SecureTransport': true },
          },
        },
      ],
    });
    expect(p.statements[0]?.condition).toEqual([
      { operator: 'StringEquals', key: 'aws:RequestedRegion', values: ['us-west-2', 'us-east-1'] },
      { operator: 'Bool', key: 'aws:SecureTransport', values: ['true'] },
    ]);
  });

  it('reports invalid JSON as InputInvalid with line and column', () => {
    expect(() =>
      parsePolicy('{\n  "Statement": [\n    {"Effect": "Allow" "Action": "s3:*"}\n  ]\n}', {
        file: 'bad.json',
        kind: 'identity',
      }),
    ).toThrow(
      expect.objectContaining({
        detail: expect.objectContaining({ kind: 'InputInvalid', file: 'bad.json', line: 3, column: 24 }),
      }),
    );
  });
});

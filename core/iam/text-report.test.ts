import { describe, expect, it } from 'vitest';
import { allow, clusterConfig, DOCUMENTED_INLINE_POLICY, policy } from './__fixtures__/configs';
import { checkPermissions } from './check';
import { formatCheckText } from './text-report';

describe('formatCheckText', () => {
  const config = clusterConfig();

  it('lists each pair, explains what is not allowed, and sums up', () => {
    const p = allow(
      {
        Sid: 'Creds',
        Effect: 'Allow',
        Action: 'redshift:GetClusterCredentials',
        Resource: 'arn:aws:redshift:us-west-2:123456789012:dbuser:feast-cluster/*',
      },
      {
        Sid: 'Region',
        Effect: 'Allow',
        Action: 'redshift-data:DescribeTable',
        Resource: '*',
        Condition: { StringEquals: { 'aws:RequestedRegion': 'us-west-2' } },
      },
      { Sid: 'NoResults', Effect: 'Deny', Action: 'redshift-data:GetStatementResult', Resource: '*' },
      { Effect: 'Allow', Action: 'redshift-data:ExecuteStatment', Resource: '*' },
    );
    const text = formatCheckText(checkPermissions(config, [p], { commands: ['apply'] }));
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'apply (enforced mode): NOT ALLOWED - 6 pairs, 4 missing (1 by an explicit Deny), 1 conditional',
    );
    expect(lines[1]).toBe(
      '  CONDITIONAL redshift-data:DescribeTable       arn:aws:redshift:us-west-2:123456789012:cluster:feast-cluster',
    );
    expect(lines[2]).toContain('Only statement 1 "Region" may allow it');
    expect(text).toContain(
      '  ok          redshift:GetClusterCredentials    arn:aws:redshift:us-west-2:123456789012:dbuser:feast-cluster/redshift-user  <- statement 0 "Creds" ($.Statement[0] line 4)',
    );
    expect(text).toContain(
      '  DENIED      redshift-data:GetStatementResult  *\n              Denied by statement 2 "NoResults"',
    );
    expect(text).toContain(
      'policy.json:29:17 UNKNOWN_ACTION: redshift-data:ExecuteStatment matches no redshift-data action (did you mean redshift-data:ExecuteStatement?)',
    );
    expect(text).toContain('Summary:\n  apply                    NOT allowed (4 missing, 1 conditional)');
  });

  it('shows the role checks and notes', () => {
    const trust = policy(
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'redshift.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      'trust',
    );
    const role = policy({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::feast-bucket/*' }],
    });
    const results = checkPermissions(
      clusterConfig({ iamRole: 'role-name' }),
      [policy(DOCUMENTED_INLINE_POLICY)],
      {
        commands: ['materialize'],
        account: '123456789012',
        roleTrust: trust,
        rolePolicy: role,
      },
    );
    const text = formatCheckText(results);
    expect(text).toContain('  iam_role permissions for COPY/UNLOAD: ok');
    expect(text).toContain('UNLOAD s3:ListBucket (advised)');
    expect(text).toContain(
      'iam_role trust policy: ok\n  ok          redshift.amazonaws.com: statement 0 names redshift.amazonaws.com for sts:AssumeRole',
    );
    expect(text).toContain('  materialize              allowed; iam_role ok');
    expect(text).not.toContain('role trust policy: not supplied');
  });

  it('sums up the commands beyond the documented table in one line', () => {
    const text = formatCheckText(
      checkPermissions(config, [policy(DOCUMENTED_INLINE_POLICY)], { commands: ['write_batch'] }),
    );
    expect(text).toContain('  Not in the documented table: every pair above goes beyond the Feast docs.');
    expect(text).not.toContain('+ added');
  });
});

import { describe, expect, it } from 'vitest';
import type { RepoConfig } from '../config/model';
import { clusterConfig, policy, serverlessConfig, WORKGROUP_ID } from './__fixtures__/configs';
import { checkPermissions } from './check';
import {
  minimalPolicy,
  minimalRolePolicy,
  minimalTrustPolicy,
  type PolicyDocumentJson,
} from './minimal-policy';
import { ALL_COMMANDS, DOCUMENTED_COMMANDS, type CheckMode, type FeastCommand } from './requirements';

const passes = (
  config: RepoConfig,
  doc: unknown,
  mode: CheckMode,
  commands?: readonly FeastCommand[],
  workgroupId?: string,
) =>
  checkPermissions(config, [policy(doc)], {
    mode,
    ...(commands ? { commands } : {}),
    ...(workgroupId ? { workgroupId } : {}),
  }).every((r) => r.allowed);

const asList = (value: string | string[]) => (Array.isArray(value) ? value : [value]);

/** Every variant of the policy with one action or one resource taken out. */
function withOneGrantRemoved(doc: PolicyDocumentJson): PolicyDocumentJson[] {
  const variants: PolicyDocumentJson[] = [];
  doc.Statement.forEach((statement, i) => {
    for (const key of ['Action', 'Resource'] as const) {
      const list = asList(statement[key]);
      list.forEach((_, j) => {
        const rest = list.filter((__, k) => k !== j);
        const statements = doc.Statement.map((s, k) => (k === i ? { ...s, [key]: rest } : s)).filter(
          (s) => asList(s[key]).length > 0,
        );
        variants.push({ ...doc, Statement: statements });
      });
    }
  });
  return variants;
}

describe('minimalPolicy', () => {
  const cluster = clusterConfig();

  it('matches the shape of a least-privilege policy for a provisioned cluster', () => {
    const { policy: doc, notes } = minimalPolicy(cluster);
    expect(doc).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DataApiOnCluster',
          Effect: 'Allow',
          Action: ['redshift-data:DescribeTable', 'redshift-data:ExecuteStatement'],
          Resource: 'arn:aws:redshift:us-west-2:123456789012:cluster:feast-cluster',
        },
        {
          Sid: 'DataApiStatements',
          Effect: 'Allow',
          Action: ['redshift-data:DescribeStatement', 'redshift-data:GetStatementResult'],
          Resource: '*',
        },
        {
          Sid: 'TempDbCredentials',
          Effect: 'Allow',
          Action: 'redshift:GetClusterCredentials',
          Resource: [
            'arn:aws:redshift:us-west-2:123456789012:dbuser:feast-cluster/redshift-user',
            'arn:aws:redshift:us-west-2:123456789012:dbname:feast-cluster/feast-database',
          ],
        },
        {
          Sid: 'StagingList',
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: 'arn:aws:s3:::feast-bucket',
        },
        {
          Sid: 'StagingObjects',
          Effect: 'Allow',
          Action: ['s3:DeleteObject', 's3:GetObject', 's3:PutObject'],
          Resource: 'arn:aws:s3:::feast-bucket/redshift/*',
        },
      ],
    });
    expect(notes).toEqual([
      expect.stringContaining('object actions are scoped to arn:aws:s3:::feast-bucket/redshift/*'),
    ]);
  });

  it.each(['enforced', 'documented'] as const)(
    'passes the checker in %s mode, for every command and for all of them',
    (mode) => {
      const commands = mode === 'enforced' ? ALL_COMMANDS : DOCUMENTED_COMMANDS;
      expect(passes(cluster, minimalPolicy(cluster, { mode }).policy, mode)).toBe(true);
      for (const command of commands) {
        const doc = minimalPolicy(cluster, { mode, commands: [command] }).policy;
        expect(passes(cluster, doc, mode, [command]), `${mode} ${command}`).toBe(true);
        expect(policy(doc).findings).toEqual([]);
      }
    },
  );

  it.each(['enforced', 'documented'] as const)(
    'in %s mode, every action and resource it grants is needed',
    (mode) => {
      for (const command of mode === 'enforced' ? ALL_COMMANDS : DOCUMENTED_COMMANDS) {
        const doc = minimalPolicy(cluster, { mode, commands: [command] }).policy;
        for (const variant of withOneGrantRemoved(doc)) {
          expect(
            passes(cluster, variant, mode, [command]),
            `${mode} ${command} ${JSON.stringify(variant)}`,
          ).toBe(false);
        }
      }
    },
  );

  it('the documented-mode policy is the documentation table; the enforced one differs from it', () => {
    const documented = minimalPolicy(cluster, { mode: 'documented' });
    expect(documented.policy.Statement.map((s) => s.Sid)).toEqual([
      'RedshiftCluster',
      'DataApiStatements',
      'StagingBucket',
    ]);
    expect(passes(cluster, documented.policy, 'enforced', ['get_historical_features'])).toBe(false); // no GetStatementResult
    expect(passes(cluster, minimalPolicy(cluster).policy, 'documented', ['apply'])).toBe(false); // no GetClusterCredentials on the cluster ARN
  });

  it('grants only Allow statements, without conditions, with unique alphanumeric Sids', () => {
    for (const config of [cluster, serverlessConfig()]) {
      const { Statement } = minimalPolicy(config).policy;
      expect(Statement.every((s) => s.Effect === 'Allow' && !('Condition' in s))).toBe(true);
      const sids = Statement.map((s) => s.Sid);
      expect(new Set(sids).size).toBe(sids.length);
      expect(sids.every((sid) => /^[A-Za-z0-9]+$/.test(sid))).toBe(true);
    }
  });

  it('Serverless with the workgroup ID: one workgroup statement, passes both modes', () => {
    const serverless = serverlessConfig();
    const { policy: doc, notes } = minimalPolicy(serverless, { workgroupId: WORKGROUP_ID });
    expect(doc.Statement[0]).toEqual({
      Sid: 'ServerlessWorkgroup',
      Effect: 'Allow',
      Action: [
        'redshift-data:DescribeTable',
        'redshift-data:ExecuteStatement',
        'redshift-serverless:GetCredentials',
      ],
      Resource: `arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/${WORKGROUP_ID}`,
    });
    expect(notes).toHaveLength(1);
    expect(passes(serverless, doc, 'enforced', undefined, WORKGROUP_ID)).toBe(true);
    const documented = minimalPolicy(serverless, { mode: 'documented', workgroupId: WORKGROUP_ID }).policy;
    expect(passes(serverless, documented, 'documented', undefined, WORKGROUP_ID)).toBe(true);
  });

  it('Serverless without the ID: a marked placeholder that cannot pass by accident, and a note', () => {
    const serverless = serverlessConfig();
    const { policy: doc, notes } = minimalPolicy(serverless);
    expect(doc.Statement[0]?.Resource).toBe(
      'arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/<workgroup-id>',
    );
    expect(notes[0]).toContain('Replace <workgroup-id>');
    const [result] = checkPermissions(serverless, [policy(doc)], { commands: ['apply'] });
    expect(result?.missing.map((m) => m.action)).toEqual([
      'redshift-data:DescribeTable',
      'redshift-serverless:GetCredentials',
      'redshift-data:ExecuteStatement',
    ]);
  });
});

describe('minimalRolePolicy and minimalTrustPolicy', () => {
  it('the role policy passes the COPY/UNLOAD check for every command', () => {
    const cluster = clusterConfig();
    const role = minimalRolePolicy(cluster);
    expect(role.policy.Statement).toEqual([
      { Sid: 'StagingList', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::feast-bucket' },
      {
        Sid: 'StagingObjects',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: 'arn:aws:s3:::feast-bucket/redshift/*',
      },
    ]);
    const caller = policy(minimalPolicy(cluster).policy);
    const results = checkPermissions(cluster, [caller], {
      rolePolicy: policy(role.policy),
      roleTrust: policy(minimalTrustPolicy(cluster).policy, 'trust'),
    });
    expect(
      results.every((r) => r.role?.ok && r.role.permissions?.pairs.every((p) => p.decision === 'allowed')),
    ).toBe(true);
  });

  it('the trust policy names both principals for Serverless', () => {
    expect(minimalTrustPolicy(clusterConfig()).policy.Statement[0]?.Principal).toEqual({
      Service: 'redshift.amazonaws.com',
    });
    const serverless = serverlessConfig();
    const trust = minimalTrustPolicy(serverless).policy;
    expect(trust.Statement[0]?.Principal).toEqual({
      Service: ['redshift.amazonaws.com', 'redshift-serverless.amazonaws.com'],
    });
    const [r] = checkPermissions(serverless, [policy(minimalPolicy(serverless).policy)], {
      commands: ['apply'],
      roleTrust: policy(trust, 'trust'),
    });
    expect(r?.role?.trust?.ok).toBe(true);
  });
});

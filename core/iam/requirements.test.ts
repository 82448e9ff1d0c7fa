import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import {
  CLUSTER_ARN,
  clusterConfig,
  DBNAME_ARN,
  DBUSER_ARN,
  serverlessConfig,
  WORKGROUP_ID,
} from './__fixtures__/configs';
import { offlineStoreFacts, requirementsFor, roleRequirementsFor, type FeastCommand } from './requirements';

const facts = offlineStoreFacts(clusterConfig());
const pairs = (command: FeastCommand, mode: 'documented' | 'enforced', f = facts) =>
  requirementsFor(command, mode, f).pairs.map((p) => `${p.action} ${p.resource.text}`);

const WORKGROUP_TOKEN = 'arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/{workgroup_id}';

describe('offlineStoreFacts', () => {
  it('fills the placeholders from feature_store.yaml and the account from iam_role', () => {
    expect(facts).toMatchObject({
      partition: 'aws',
      region: 'us-west-2',
      account: '123456789012',
      accountSource: 'iam_role',
      database: 'feast-database',
      bucket: 'feast-bucket',
      prefix: 'redshift',
      target: { kind: 'cluster', clusterId: 'feast-cluster', user: 'redshift-user' },
    });
  });

  it('prefers --account and says when it differs from the role', () => {
    const f = offlineStoreFacts(clusterConfig(), { account: '210987654321' });
    expect(f).toMatchObject({ account: '210987654321', accountSource: 'option' });
    expect(f.notes[0]).toContain('differs from the account of iam_role (123456789012)');
    expect(pairs('materialize', 'documented', f)[0]).toBe(
      'redshift-data:ExecuteStatement arn:aws:redshift:us-west-2:210987654321:cluster:feast-cluster',
    );
  });

  it('keeps the account as {account_id} when nothing gives it', () => {
    const f = offlineStoreFacts(clusterConfig({ iamRole: 'redshift_s3_access_role' }));
    expect(f.accountSource).toBe('unknown');
    expect(pairs('materialize', 'documented', f)[0]).toBe(
      'redshift-data:ExecuteStatement arn:aws:redshift:us-west-2:{account_id}:cluster:feast-cluster',
    );
  });

  it('takes the partition from the role or the region', () => {
    const china = offlineStoreFacts(
      clusterConfig({ region: 'cn-north-1', iamRole: 'arn:aws-cn:iam::123456789012:role/r' }),
    );
    expect(china.partition).toBe('aws-cn');
    expect(pairs('materialize', 'documented', china)[2]).toBe('s3:ListBucket arn:aws-cn:s3:::feast-bucket');
  });

  it('handles a staging location without a prefix', () => {
    const f = offlineStoreFacts(clusterConfig({ s3StagingLocation: 's3://feast-bucket' }));
    expect(f.prefix).toBe('');
    expect(pairs('materialize', 'enforced', f)).toContain(
      's3:GetObject arn:aws:s3:::feast-bucket/unload/{uuid}/0000_part_00.parquet',
    );
  });

  it.each([
    [{ account: '1234' }, '--account', 'not a 12-digit AWS account ID'],
    [{ workgroupId: WORKGROUP_ID }, '--workgroup-id', 'provisioned cluster "feast-cluster"'],
  ])('refuses %j', (options, file, reason) => {
    expect(() => offlineStoreFacts(clusterConfig(), options)).toThrow(WorkbenchError);
    try {
      offlineStoreFacts(clusterConfig(), options);
    } catch (error) {
      expect((error as WorkbenchError).detail).toMatchObject({
        kind: 'InputInvalid',
        file,
        reason: expect.stringContaining(reason),
      });
    }
  });

  it('accepts the workgroup ID or its ARN, and notes a name given instead', () => {
    expect(offlineStoreFacts(serverlessConfig(), { workgroupId: WORKGROUP_ID }).target).toMatchObject({
      workgroupId: WORKGROUP_ID,
    });
    const fromArn = offlineStoreFacts(serverlessConfig(), {
      workgroupId: `arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/${WORKGROUP_ID}`,
    });
    expect(fromArn.target).toMatchObject({ workgroupId: WORKGROUP_ID });
    expect(fromArn.notes).toEqual([]);
    expect(offlineStoreFacts(serverlessConfig(), { workgroupId: 'feast-workgroup' }).notes[0]).toContain(
      'does not look like a workgroup ID',
    );
    expect(offlineStoreFacts(serverlessConfig()).notes[0]).toContain(
      '--workgroup-name feast-workgroup --query workgroup.workgroupId',
    );
  });
});

describe('documented mode', () => {
  it('is the cross product of each row of the table, resources as written', () => {
    expect(pairs('apply', 'documented')).toEqual([
      `redshift-data:DescribeTable ${DBUSER_ARN}`,
      `redshift-data:DescribeTable ${DBNAME_ARN}`,
      `redshift-data:DescribeTable ${CLUSTER_ARN}`,
      `redshift:GetClusterCredentials ${DBUSER_ARN}`,
      `redshift:GetClusterCredentials ${DBNAME_ARN}`,
      `redshift:GetClusterCredentials ${CLUSTER_ARN}`,
    ]);
    expect(pairs('materialize', 'documented')).toEqual([
      `redshift-data:ExecuteStatement ${CLUSTER_ARN}`,
      'redshift-data:DescribeStatement *',
      's3:ListBucket arn:aws:s3:::feast-bucket',
      's3:ListBucket arn:aws:s3:::feast-bucket/*',
      's3:GetObject arn:aws:s3:::feast-bucket',
      's3:GetObject arn:aws:s3:::feast-bucket/*',
      's3:DeleteObject arn:aws:s3:::feast-bucket',
      's3:DeleteObject arn:aws:s3:::feast-bucket/*',
    ]);
    expect(pairs('get_historical_features', 'documented')).toHaveLength(15);
    expect(requirementsFor('apply', 'documented', facts).differences).toEqual([]);
  });

  it('Serverless swaps GetClusterCredentials for GetCredentials and the three ARNs for the workgroup', () => {
    const f = offlineStoreFacts(serverlessConfig());
    expect(pairs('apply', 'documented', f)).toEqual([
      `redshift-data:DescribeTable ${WORKGROUP_TOKEN}`,
      `redshift-serverless:GetCredentials ${WORKGROUP_TOKEN}`,
    ]);
    expect(pairs('get_historical_features', 'documented', f).slice(0, 3)).toEqual([
      `redshift-data:ExecuteStatement ${WORKGROUP_TOKEN}`,
      `redshift-serverless:GetCredentials ${WORKGROUP_TOKEN}`,
      'redshift-data:DescribeStatement *',
    ]);
    const withId = offlineStoreFacts(serverlessConfig(), { workgroupId: WORKGROUP_ID });
    expect(pairs('apply', 'documented', withId)[0]).toBe(
      `redshift-data:DescribeTable arn:aws:redshift-serverless:us-west-2:123456789012:workgroup/${WORKGROUP_ID}`,
    );
  });

  it('knows only the three documented commands', () => {
    expect(() => requirementsFor('write_batch', 'documented', facts)).toThrow(
      /not in the documented permissions table/,
    );
  });
});

describe('enforced mode', () => {
  it('apply: only the pairs AWS authorizes, plus the query-source probe', () => {
    expect(pairs('apply', 'enforced')).toEqual([
      `redshift-data:DescribeTable ${CLUSTER_ARN}`,
      `redshift:GetClusterCredentials ${DBUSER_ARN}`,
      `redshift:GetClusterCredentials ${DBNAME_ARN}`,
      `redshift-data:ExecuteStatement ${CLUSTER_ARN}`,
      'redshift-data:DescribeStatement *',
      'redshift-data:GetStatementResult *',
    ]);
    const differences = requirementsFor('apply', 'enforced', facts).differences;
    expect(
      differences.filter((d) => d.change === 'not_enforced').map((d) => `${d.action} ${d.resource}`),
    ).toEqual([
      `redshift-data:DescribeTable ${DBUSER_ARN}`,
      `redshift-data:DescribeTable ${DBNAME_ARN}`,
      `redshift:GetClusterCredentials ${CLUSTER_ARN}`,
    ]);
    expect(differences.find((d) => d.action === 'redshift:GetClusterCredentials')?.reason).toContain(
      'never the cluster ARN',
    );
    expect(differences.filter((d) => d.change === 'added').map((d) => d.action)).toEqual([
      'redshift-data:ExecuteStatement',
      'redshift-data:DescribeStatement',
      'redshift-data:GetStatementResult',
    ]);
  });

  it('materialize adds GetClusterCredentials and checks the real UNLOAD keys', () => {
    const req = requirementsFor('materialize', 'enforced', facts);
    expect(req.pairs.map((p) => `${p.action} ${p.resource.text}`)).toEqual([
      `redshift-data:ExecuteStatement ${CLUSTER_ARN}`,
      'redshift-data:DescribeStatement *',
      `redshift:GetClusterCredentials ${DBUSER_ARN}`,
      `redshift:GetClusterCredentials ${DBNAME_ARN}`,
      's3:ListBucket arn:aws:s3:::feast-bucket',
      's3:GetObject arn:aws:s3:::feast-bucket/redshift/unload/{uuid}/0000_part_00.parquet',
      's3:DeleteObject arn:aws:s3:::feast-bucket/redshift/unload/{uuid}/0000_part_00.parquet',
    ]);
    const added = req.differences.filter((d) => d.change === 'added');
    expect(added.map((d) => d.resource)).toEqual([DBUSER_ARN, DBNAME_ARN]);
    expect(added[0]?.reason).toContain('not in the documented Materialize row');
    expect(req.differences.filter((d) => d.change === 'rescoped').map((d) => d.documented_resource)).toEqual([
      'arn:aws:s3:::feast-bucket/*',
      'arn:aws:s3:::feast-bucket/*',
    ]);
    expect(
      req.differences.filter((d) => d.change === 'not_enforced').map((d) => `${d.action} ${d.resource}`),
    ).toEqual([
      's3:ListBucket arn:aws:s3:::feast-bucket/*',
      's3:GetObject arn:aws:s3:::feast-bucket',
      's3:DeleteObject arn:aws:s3:::feast-bucket',
    ]);
  });

  it('get_historical_features adds GetStatementResult and the entity_df upload', () => {
    const list = pairs('get_historical_features', 'enforced');
    expect(list).toContain('redshift-data:GetStatementResult *');
    expect(list).toContain(
      's3:PutObject arn:aws:s3:::feast-bucket/redshift/entity_df/feast_entity_df_{hex}.parquet',
    );
    expect(list).not.toContain(`redshift:GetClusterCredentials ${CLUSTER_ARN}`);
  });

  it('covers the write-batch, logging and saved-dataset paths', () => {
    expect(pairs('write_batch', 'enforced')).toContain(
      's3:PutObject arn:aws:s3:::feast-bucket/redshift/push/{uuid}.parquet',
    );
    expect(pairs('write_logged_features', 'enforced')).toContain(
      's3:DeleteObject arn:aws:s3:::feast-bucket/redshift/logged_features/{uuid}.parquet',
    );
    expect(pairs('saved_dataset', 'enforced')).toContain(
      's3:PutObject arn:aws:s3:::feast-bucket/redshift/features_df/{table_name}.parquet',
    );
    const diff = requirementsFor('write_batch', 'enforced', facts).differences;
    expect(
      diff.every((d) => d.change === 'added' && d.reason.startsWith('not in the documented table')),
    ).toBe(true);
  });

  it('Serverless: GetCredentials and the Data API on the workgroup', () => {
    const f = offlineStoreFacts(serverlessConfig());
    expect(pairs('materialize', 'enforced', f).slice(0, 3)).toEqual([
      `redshift-data:ExecuteStatement ${WORKGROUP_TOKEN}`,
      'redshift-data:DescribeStatement *',
      `redshift-serverless:GetCredentials ${WORKGROUP_TOKEN}`,
    ]);
    expect(
      requirementsFor('apply', 'enforced', f).differences.filter((d) => d.change === 'not_enforced'),
    ).toEqual([]);
  });
});

describe('roleRequirementsFor', () => {
  it('COPY needs GetObject on the uploads and ListBucket; UNLOAD needs PutObject', () => {
    const ghf = roleRequirementsFor('get_historical_features', facts).map(
      (r) => `${r.use} ${r.action} ${r.resource.text} ${r.required}`,
    );
    expect(ghf).toEqual([
      'COPY s3:ListBucket arn:aws:s3:::feast-bucket true',
      'COPY s3:GetObject arn:aws:s3:::feast-bucket/redshift/entity_df/feast_entity_df_{hex}.parquet true',
      'UNLOAD s3:PutObject arn:aws:s3:::feast-bucket/redshift/unload/{uuid}/0000_part_00.parquet true',
    ]);
    expect(roleRequirementsFor('materialize', facts).map((r) => `${r.action} ${r.required}`)).toEqual([
      's3:PutObject true',
      's3:ListBucket false',
    ]);
    expect(roleRequirementsFor('apply', facts)).toEqual([]);
  });
});

import type { RepoConfig } from '../../config/model';
import { parsePolicy, type ParsedPolicy } from '../policy';

/** The documentation's example feature_store.yaml (provisioned cluster), as a RepoConfig. */
export function clusterConfig(overrides: Partial<RepoConfig['offlineStore']> = {}): RepoConfig {
  return {
    repoDir: '/repo',
    project: 'my_feature_repo',
    provider: 'aws',
    registry: {
      path: 'data/registry.db',
      location: { kind: 'file', path: '/repo/data/registry.db' },
      format: 'protobuf',
    },
    offlineStore: {
      type: 'redshift',
      region: 'us-west-2',
      database: 'feast-database',
      s3StagingLocation: 's3://feast-bucket/redshift',
      iamRole: 'arn:aws:iam::123456789012:role/redshift_s3_access_role',
      target: { kind: 'cluster', clusterId: 'feast-cluster', user: 'redshift-user' },
      ...overrides,
    },
    extra: {},
  };
}

/** The documentation's Serverless example. */
export function serverlessConfig(): RepoConfig {
  return clusterConfig({ target: { kind: 'serverless', workgroup: 'feast-workgroup' } });
}

export const WORKGROUP_ID = '7f3c2a10-1b2c-4d5e-8f90-0123456789ab';
export const CLUSTER_ARN = 'arn:aws:redshift:us-west-2:123456789012:cluster:feast-cluster';
export const DBUSER_ARN = 'arn:aws:redshift:us-west-2:123456789012:dbuser:feast-cluster/redshift-user';
export const DBNAME_ARN = 'arn:aws:redshift:us-west-2:123456789012:dbname:feast-cluster/feast-database';

/** The inline policy from the Feast documentation, placeholders filled for the example config. */
export const DOCUMENTED_INLINE_POLICY = `{
    "Statement": [
        {
            "Action": [
                "s3:ListBucket",
                "s3:PutObject",
                "s3:GetObject",
                "s3:DeleteObject"
            ],
            "Effect": "Allow",
            "Resource": [
                "arn:aws:s3:::feast-bucket/*",
                "arn:aws:s3:::feast-bucket"
            ]
        },
        {
            "Action": [
                "redshift-data:DescribeTable",
                "redshift:GetClusterCredentials",
                "redshift-data:ExecuteStatement"
            ],
            "Effect": "Allow",
            "Resource": [
                "${DBUSER_ARN}",
                "${DBNAME_ARN}",
                "${CLUSTER_ARN}"
            ]
        },
        {
            "Action": [
                "redshift-data:DescribeStatement"
            ],
            "Effect": "Allow",
            "Resource": "*"
        }
    ],
    "Version": "2012-10-17"
}`;

/** Parses a policy given as an object or as text (identity policy unless told). */
export function policy(
  doc: unknown,
  kind: 'identity' | 'trust' = 'identity',
  file = 'policy.json',
): ParsedPolicy {
  return parsePolicy(typeof doc === 'string' ? doc : JSON.stringify(doc, null, 2), { file, kind });
}

/** A Version 2012-10-17 policy of the given statements. */
export function allow(...statements: Record<string, unknown>[]): ParsedPolicy {
  return policy({ Version: '2012-10-17', Statement: statements });
}

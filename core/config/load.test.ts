import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { loadRepoConfig, parseRepoConfig, type ParseRepoConfigOptions } from './load';
import { PROVISIONED_YAML, SERVERLESS_YAML, variant } from './test-fixtures';

const OPTIONS: ParseRepoConfigOptions = { file: 'feature_store.yaml', repoDir: '/repos/driver' };

function parse(text: string, options: Partial<ParseRepoConfigOptions> = {}) {
  return parseRepoConfig(text, { ...OPTIONS, ...options });
}

/** Problems as `line:column message`, for exact comparisons. */
function problems(text: string, options: Partial<ParseRepoConfigOptions> = {}): string[] {
  const result = parse(text, options);
  if (result.problems.length > 0) expect(result.config).toBeUndefined();
  return result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

/** Asserts exactly these problems, each at its position and with a message containing the given words. */
function expectProblems(text: string, expected: [line: number, column: number, contains: string][]): void {
  const result = parse(text);
  expect(result.config).toBeUndefined();
  expect(result.problems.map((p) => [p.line, p.column])).toEqual(expected.map(([l, c]) => [l, c]));
  result.problems.forEach((problem, i) => {
    expect(problem.file).toBe('feature_store.yaml');
    expect(problem.message).toContain(expected[i]?.[2]);
  });
}

function validConfig(text: string) {
  const result = parse(text);
  expect(result.problems).toEqual([]);
  if (!result.config) throw new Error('expected a config');
  return result.config;
}

describe('valid configurations', () => {
  it('reads the provisioned-cluster example', () => {
    expect(validConfig(PROVISIONED_YAML)).toEqual({
      repoDir: '/repos/driver',
      project: 'my_feature_repo',
      provider: 'aws',
      registry: {
        path: 'data/registry.db',
        location: { kind: 'file', path: '/repos/driver/data/registry.db' },
        format: 'protobuf',
      },
      offlineStore: {
        type: 'redshift',
        region: 'us-west-2',
        database: 'feast-database',
        s3StagingLocation: 's3://feast-bucket/redshift',
        iamRole: 'arn:aws:iam::123456789012:role/redshift_s3_access_role',
        target: { kind: 'cluster', clusterId: 'feast-cluster', user: 'redshift-user' },
      },
      extra: {},
    });
  });

  it('reads the Serverless example', () => {
    const config = validConfig(SERVERLESS_YAML);
    expect(config.offlineStore.target).toEqual({ kind: 'serverless', workgroup: 'feast-workgroup' });
    expect(config.offlineStore.database).toBe('feast-database');
  });

  it('defaults provider to local, as Feast does', () => {
    expect(validConfig(variant(PROVISIONED_YAML, 'provider: aws\n', '')).provider).toBe('local');
  });

  it('accepts a provider class path', () => {
    const text = variant(PROVISIONED_YAML, 'provider: aws', 'provider: my_company.feast.MyProvider');
    expect(validConfig(text).provider).toBe('my_company.feast.MyProvider');
  });

  it('normalises a trailing slash away from s3_staging_location', () => {
    const text = variant(PROVISIONED_YAML, 's3://feast-bucket/redshift', 's3://feast-bucket/redshift/');
    expect(validConfig(text).offlineStore.s3StagingLocation).toBe('s3://feast-bucket/redshift');
    const bucketOnly = variant(PROVISIONED_YAML, 's3://feast-bucket/redshift', 's3://feast-bucket/');
    expect(validConfig(bucketOnly).offlineStore.s3StagingLocation).toBe('s3://feast-bucket');
  });

  it('keeps other top-level Feast keys in extra', () => {
    const text =
      PROVISIONED_YAML +
      `online_store:
  type: dynamodb
  region: us-west-2
entity_key_serialization_version: 3
batch_engine: local
feature_server:
  enabled: true
flags:
  alpha_features: true
auth:
  type: no_auth
coerce_tz_aware: false
project_description: Driver ranking features
`;
    expect(validConfig(text).extra).toEqual({
      online_store: { type: 'dynamodb', region: 'us-west-2' },
      entity_key_serialization_version: 3,
      batch_engine: 'local',
      feature_server: { enabled: true },
      flags: { alpha_features: true },
      auth: { type: 'no_auth' },
      coerce_tz_aware: false,
      project_description: 'Driver ranking features',
    });
  });

  it('accepts workgroup with a user and no cluster_id, ignoring the user (Feast accepts it)', () => {
    const text = variant(
      SERVERLESS_YAML,
      '  workgroup: feast-workgroup\n',
      '  workgroup: feast-workgroup\n  user: admin\n',
    );
    expect(validConfig(text).offlineStore.target).toEqual({
      kind: 'serverless',
      workgroup: 'feast-workgroup',
    });
  });

  it('treats an empty workgroup next to cluster_id and user as absent (Python truthiness)', () => {
    const text = variant(
      PROVISIONED_YAML,
      '  user: redshift-user\n',
      '  user: redshift-user\n  workgroup: ""\n',
    );
    expect(validConfig(text).offlineStore.target).toEqual({
      kind: 'cluster',
      clusterId: 'feast-cluster',
      user: 'redshift-user',
    });
  });

  it('treats an empty cluster_id next to a workgroup as absent', () => {
    const text = variant(
      SERVERLESS_YAML,
      '  workgroup: feast-workgroup\n',
      "  workgroup: feast-workgroup\n  cluster_id: ''\n",
    );
    expect(validConfig(text).offlineStore.target.kind).toBe('serverless');
  });

  it('accepts role paths, other partitions and chained roles', () => {
    for (const role of [
      'arn:aws:iam::123456789012:role/service-role/redshift_s3_access_role',
      'arn:aws-cn:iam::123456789012:role/r',
      'arn:aws-us-gov:iam::123456789012:role/r',
      'arn:aws:iam::123456789012:role/a,arn:aws:iam::210987654321:role/b',
    ]) {
      const text = variant(PROVISIONED_YAML, 'arn:aws:iam::123456789012:role/redshift_s3_access_role', role);
      expect(validConfig(text).offlineStore.iamRole).toBe(role);
    }
  });

  it('accepts the regions of every AWS partition', () => {
    for (const region of [
      'us-west-2',
      'eu-central-1',
      'us-gov-west-1',
      'cn-north-1',
      'ap-southeast-3',
      'il-central-1',
    ]) {
      expect(validConfig(variant(PROVISIONED_YAML, 'us-west-2', region)).offlineStore.region).toBe(region);
    }
  });

  it('accepts a project name with Unicode letters and digits', () => {
    expect(validConfig(variant(PROVISIONED_YAML, 'my_feature_repo', 'données_2024')).project).toBe(
      'données_2024',
    );
  });

  it('reads values through anchors, aliases and << merges', () => {
    const text = `common: &common
  type: redshift
  region: eu-central-1
  database: dev
  s3_staging_location: s3://feast-bucket/staging
  iam_role: arn:aws:iam::123456789012:role/r
project: p
registry: data/registry.db
offline_store:
  <<: *common
  region: eu-west-1
  workgroup: wg
`;
    const config = validConfig(text);
    expect(config.offlineStore.region).toBe('eu-west-1');
    expect(config.offlineStore.database).toBe('dev');
    expect(config.offlineStore.target).toEqual({ kind: 'serverless', workgroup: 'wg' });
  });
});

describe('registry', () => {
  const withRegistry = (registry: string) =>
    variant(PROVISIONED_YAML, 'registry: data/registry.db', registry);

  it('resolves a relative path against the repo folder', () => {
    expect(validConfig(withRegistry('registry: ../shared/registry.db')).registry.location).toEqual({
      kind: 'file',
      path: '/repos/shared/registry.db',
    });
  });

  it('keeps an absolute path', () => {
    expect(validConfig(withRegistry('registry: /var/feast/registry.db')).registry.location).toEqual({
      kind: 'file',
      path: '/var/feast/registry.db',
    });
  });

  it('reads an s3:// registry', () => {
    expect(
      validConfig(withRegistry('registry: s3://feast-bucket/registries/prod/registry.db')).registry,
    ).toEqual({
      path: 's3://feast-bucket/registries/prod/registry.db',
      location: {
        kind: 's3',
        bucket: 'feast-bucket',
        key: 'registries/prod/registry.db',
        uri: 's3://feast-bucket/registries/prod/registry.db',
      },
      format: 'protobuf',
    });
  });

  it('marks a .json registry as a registry-dump file', () => {
    expect(validConfig(withRegistry('registry: data/registry.json')).registry.format).toBe('json');
    expect(validConfig(withRegistry('registry: s3://feast-bucket/dump.JSON')).registry.format).toBe('json');
  });

  it('reads the mapping form with Feast registry keys', () => {
    const registry = validConfig(
      withRegistry(`registry:
  registry_type: file
  path: data/registry.db
  cache_ttl_seconds: 60
  cache_mode: thread
  s3_additional_kwargs:
    ServerSideEncryption: AES256
  purge_feast_metadata: false`),
    ).registry;
    expect(registry).toEqual({
      path: 'data/registry.db',
      location: { kind: 'file', path: '/repos/driver/data/registry.db' },
      cacheTtlSeconds: 60,
      format: 'protobuf',
    });
  });

  it('accepts a registry store type that matches the path', () => {
    const registry = validConfig(
      withRegistry(`registry:
  registry_store_type: S3RegistryStore
  path: s3://feast-bucket/registry.db`),
    ).registry;
    expect(registry.location.kind).toBe('s3');
  });

  it('reports a registry type other than file', () => {
    expectProblems(withRegistry('registry:\n  registry_type: sql\n  path: postgresql://db/feast'), [
      [3, 18, 'registry.registry_type is "sql", but the workbench reads file registries only'],
    ]);
    expectProblems(withRegistry('registry:\n  registry_type: mongo\n  path: x'), [
      [3, 18, 'registry.registry_type must be one of file, sql, snowflake.registry, remote, got "mongo"'],
    ]);
  });

  it('requires path in the mapping form, at the mapping', () => {
    expectProblems(withRegistry('registry:\n  cache_ttl_seconds: 60'), [[3, 3, 'registry.path is required']]);
  });

  it('requires cache_ttl_seconds to be an integer', () => {
    expectProblems(withRegistry('registry:\n  path: data/registry.db\n  cache_ttl_seconds: "60"'), [
      [4, 22, 'registry.cache_ttl_seconds must be a whole number of seconds such as 600, got "60"'],
    ]);
    expectProblems(withRegistry('registry:\n  path: data/registry.db\n  cache_ttl_seconds: 1.5'), [
      [4, 22, 'got the number 1.5'],
    ]);
  });

  it('reports an unknown cache_mode and non-boolean flags', () => {
    expectProblems(
      withRegistry('registry:\n  path: data/registry.db\n  cache_mode: async\n  purge_feast_metadata: "no"'),
      [
        [4, 15, 'registry.cache_mode must be sync or thread, got "async"'],
        [5, 25, 'registry.purge_feast_metadata must be true or false, got "no"'],
      ],
    );
  });

  it('reports registry locations the workbench cannot read', () => {
    expectProblems(withRegistry('registry: gs://feast-bucket/registry.db'), [
      [
        2,
        11,
        'registry is a gs:// location, but the workbench reads registries from local files or s3:// only',
      ],
    ]);
    expectProblems(withRegistry('registry: file:///var/feast/registry.db'), [
      [2, 11, "Feast's file registry does not understand file:// URLs; write /var/feast/registry.db"],
    ]);
    expectProblems(withRegistry('registry: ftp://host/registry.db'), [[2, 11, 'unsupported scheme ftp:']]);
    expectProblems(withRegistry('registry: s3://feast-bucket'), [[2, 11, 'registry must name an object']]);
    expectProblems(withRegistry('registry: s3://Feast_Bucket/registry.db'), [
      [2, 11, 'bucket "Feast_Bucket": bucket names use only lowercase letters, digits, dots and hyphens'],
    ]);
    expectProblems(
      withRegistry('registry:\n  registry_store_type: S3RegistryStore\n  path: data/registry.db'),
      [[4, 9, 'registry.path must be an s3:// URI because registry_store_type is S3RegistryStore']],
    );
    expectProblems(withRegistry('registry:\n  registry_store_type: GCSRegistryStore\n  path: gs://b/r.db'), [
      [3, 24, 'the workbench reads registries from local files or S3 only'],
    ]);
  });

  it('requires registry, as Feast does', () => {
    expectProblems(variant(PROVISIONED_YAML, 'registry: data/registry.db\n', ''), [
      [1, 1, 'registry is required'],
    ]);
  });

  it('rejects a registry that is neither a path nor a mapping', () => {
    expectProblems(withRegistry('registry: 42'), [
      [2, 11, 'registry must be a registry path such as data/registry.db'],
    ]);
    expectProblems(withRegistry('registry: ""'), [[2, 11, 'registry is empty']]);
  });
});

describe('project and provider', () => {
  const withProject = (project: string) => variant(PROVISIONED_YAML, 'project: my_feature_repo', project);

  it('applies Feast’s project name rule', () => {
    expectProblems(withProject('project: _private'), [
      [1, 10, 'not start with an underscore, got "_private"'],
    ]);
    expectProblems(withProject('project: my repo'), [[1, 10, 'only letters, digits and underscores']]);
    expectProblems(withProject('project: "repo@prod"'), [[1, 10, 'got "repo@prod"']]);
  });

  it('rejects hyphens, which Feast refuses for every project', () => {
    expect(problems(withProject('project: driver-ranking'))).toEqual([
      '1:10 project must not contain hyphens, got "driver-ranking": Feast rejects them because it uses the ' +
        'project name in SQLite table names; use driver_ranking',
    ]);
  });

  it('requires project as a non-empty string', () => {
    expectProblems(withProject('project: 2024'), [
      [1, 10, 'project must be a project name such as driver_ranking, got the number 2024'],
    ]);
    expectProblems(withProject('project: ""'), [[1, 10, 'project is empty']]);
    expectProblems(withProject('project:'), [[1, 1, 'project has no value']]);
  });

  it('reports a missing project at the top mapping, which starts after leading comments', () => {
    expectProblems(`# driver features\n${variant(PROVISIONED_YAML, 'project: my_feature_repo\n', '')}`, [
      [2, 1, 'project is required'],
    ]);
  });

  it('points out a misspelt top-level key when the real one is missing', () => {
    expectProblems(variant(PROVISIONED_YAML, 'project:', 'projet:'), [
      [
        1,
        1,
        'project is required: the Feast project name, e.g. project: driver_ranking (line 1 has "projet": did you mean project?)',
      ],
    ]);
  });

  it('does not take another Feast key for a misspelling', () => {
    expect(problems('project: p\nregistry: r.db\nonline_store:\n  type: sqlite\n')).toEqual([
      '1:1 offline_store is required: a mapping with type: redshift, region, database, s3_staging_location, ' +
        'iam_role and either cluster_id and user or workgroup (without it Feast uses the dask offline store)',
    ]);
    expect(problems('project: p\nregistry: r.db\noffline-store:\n  type: redshift\n')[0]).toContain(
      '(line 3 has "offline-store": did you mean offline_store?)',
    );
  });

  it('rejects an unknown provider', () => {
    expectProblems(variant(PROVISIONED_YAML, 'provider: aws', 'provider: amazon'), [
      [
        3,
        11,
        'provider must be one of aws, local, gcp, azure, unity_catalog (or a provider class path), got "amazon"',
      ],
    ]);
  });
});

describe('offline_store', () => {
  it('is required', () => {
    const text = 'project: p\nregistry: data/registry.db\nprovider: aws\n';
    expectProblems(text, [[1, 1, 'offline_store is required: a mapping with type: redshift']]);
  });

  it('must be a mapping', () => {
    expectProblems('project: p\nregistry: r.db\noffline_store: redshift\n', [
      [
        3,
        16,
        'offline_store must be a mapping with type: redshift, region, database, s3_staging_location, iam_role and either cluster_id and user or workgroup, got "redshift"',
      ],
    ]);
    expectProblems('project: p\nregistry: r.db\noffline_store:\n', [[3, 1, 'offline_store has no value']]);
  });

  it('needs type: redshift', () => {
    expectProblems(variant(PROVISIONED_YAML, '  type: redshift\n', ''), [
      [5, 3, 'offline_store.type is required: type: redshift'],
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'type: redshift', 'type: snowflake.offline'), [
      [
        5,
        9,
        'offline_store.type is "snowflake.offline", but the workbench works with the Redshift offline store only',
      ],
    ]);
    expectProblems(
      variant(
        PROVISIONED_YAML,
        'type: redshift',
        'type: feast.infra.offline_stores.redshift.RedshiftOfflineStore',
      ),
      [[5, 9, 'offline_store.type must be written redshift']],
    );
  });

  it('rejects unknown keys at the key, suggesting the intended one', () => {
    expectProblems(
      variant(
        PROVISIONED_YAML,
        '  user: redshift-user\n',
        '  user: redshift-user\n  db_user: admin\n  schema: public\n',
      ),
      [
        [10, 3, 'offline_store.db_user is not a Redshift offline store setting (did you mean user?)'],
        [
          11,
          3,
          'offline_store.schema is not a Redshift offline store setting; Feast accepts only type, region',
        ],
      ],
    );
  });

  it('reports each missing required setting at the offline_store mapping', () => {
    const text = 'project: p\nregistry: r.db\noffline_store:\n  type: redshift\n  workgroup: wg\n';
    expect(problems(text)).toEqual([
      '4:3 offline_store.region is required: the AWS region of the Redshift cluster or workgroup, e.g. region: us-west-2',
      '4:3 offline_store.database is required: the Redshift database to query, e.g. database: dev',
      '4:3 offline_store.s3_staging_location is required: the S3 prefix Redshift unloads to and copies from, e.g. s3_staging_location: s3://my-bucket/feast-staging',
      '4:3 offline_store.iam_role is required: the IAM role Redshift assumes to read and write the staging location, e.g. iam_role: arn:aws:iam::123456789012:role/redshift_s3_access_role',
    ]);
  });

  it('checks region', () => {
    expectProblems(variant(PROVISIONED_YAML, 'region: us-west-2', 'region: us-west-2a'), [
      [
        6,
        11,
        'offline_store.region must be an AWS region such as us-west-2, got "us-west-2a" (that is an availability zone; its region is us-west-2)',
      ],
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'region: us-west-2', 'region: US-WEST-2'), [
      [6, 11, 'region names are lowercase: us-west-2'],
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'region: us-west-2', 'region: oregon'), [
      [6, 11, 'got "oregon"'],
    ]);
  });

  it('checks s3_staging_location', () => {
    const withStaging = (value: string) => variant(PROVISIONED_YAML, 's3://feast-bucket/redshift', value);
    expectProblems(withStaging('feast-bucket/redshift'), [
      [
        10,
        24,
        'offline_store.s3_staging_location must be an S3 URI such as s3://my-bucket/feast-staging, got "feast-bucket/redshift" (write it as s3://feast-bucket/redshift)',
      ],
    ]);
    expectProblems(withStaging('https://feast-bucket.s3.amazonaws.com/redshift'), [
      [10, 24, 'not an HTTP URL'],
    ]);
    expectProblems(withStaging('S3://feast-bucket/redshift'), [[10, 24, 'write the scheme in lowercase']]);
    expectProblems(withStaging('s3://Feast-Bucket/redshift'), [
      [10, 24, 'bucket "Feast-Bucket": bucket names are lowercase'],
    ]);
    expectProblems(withStaging('s3://fb/redshift'), [[10, 24, 'bucket names are 3 to 63 characters long']]);
    expectProblems(withStaging('s3:///redshift'), [[10, 24, 'the bucket name is missing']]);
  });

  it('checks iam_role', () => {
    const withRole = (value: string) =>
      variant(PROVISIONED_YAML, 'arn:aws:iam::123456789012:role/redshift_s3_access_role', value);
    expect(problems(withRole('redshift_s3_access_role'))).toEqual([
      '11:13 offline_store.iam_role must be an IAM role ARN such as arn:aws:iam::123456789012:role/redshift_s3_access_role, got "redshift_s3_access_role"',
    ]);
    expectProblems(withRole('arn:aws:iam::123456789012:user/feast'), [
      [11, 13, 'that is an IAM user; Redshift needs a role'],
    ]);
    expectProblems(withRole('arn:aws:iam::12345678901:role/r'), [
      [11, 13, 'the account ID must be 12 digits'],
    ]);
    expectProblems(withRole('arn:aws:iam:us-west-2:123456789012:role/r'), [
      [11, 13, 'IAM ARNs have no region'],
    ]);
    expectProblems(withRole('arn:aws:s3:::feast-bucket'), [[11, 13, 'that is a s3 ARN, not an IAM one']]);
    expectProblems(withRole('arn:aws:iam::123456789012:role/a, arn:aws:iam::123456789012:role/b'), [
      [11, 13, 'remove the spaces around it'],
    ]);
  });

  it('requires database to be non-empty', () => {
    expectProblems(variant(PROVISIONED_YAML, 'database: feast-database', 'database: ""'), [
      [8, 13, 'offline_store.database is empty'],
    ]);
  });
});

describe('cluster or workgroup (Feast’s rule with Python truthiness)', () => {
  it('rejects both cluster_id and workgroup, at the later key', () => {
    const text = variant(
      PROVISIONED_YAML,
      '  user: redshift-user\n',
      '  user: redshift-user\n  workgroup: feast-workgroup\n',
    );
    expect(problems(text)).toEqual([
      '10:3 offline_store sets both cluster_id and workgroup; keep cluster_id and user for a provisioned cluster, or workgroup for Redshift Serverless, not both',
    ]);
  });

  it('rejects neither, at the mapping', () => {
    const text = variant(
      variant(PROVISIONED_YAML, '  cluster_id: feast-cluster\n', ''),
      '  user: redshift-user\n',
      '',
    );
    expect(problems(text)).toEqual([
      '5:3 offline_store needs cluster_id and user (a provisioned cluster) or workgroup (Redshift Serverless)',
    ]);
  });

  it('counts empty and null values as not set', () => {
    const text = variant(SERVERLESS_YAML, 'workgroup: feast-workgroup', 'workgroup: ""');
    expectProblems(text, [
      [
        5,
        3,
        'offline_store needs cluster_id and user (a provisioned cluster) or workgroup (Redshift Serverless); an empty value counts as not set',
      ],
    ]);
    expectProblems(variant(SERVERLESS_YAML, 'workgroup: feast-workgroup', 'workgroup:'), [
      [5, 3, 'an empty value counts as not set'],
    ]);
  });

  it('requires user with cluster_id', () => {
    expectProblems(variant(PROVISIONED_YAML, '  user: redshift-user\n', ''), [
      [5, 3, 'offline_store.user is required with cluster_id'],
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'user: redshift-user', "user: ''"), [
      [9, 9, 'offline_store.user is empty with cluster_id'],
    ]);
  });

  it('requires cluster_id with user when there is no workgroup', () => {
    expectProblems(variant(PROVISIONED_YAML, '  cluster_id: feast-cluster\n', ''), [
      [5, 3, 'offline_store.cluster_id is required with user'],
    ]);
  });
});

describe('strict strings (no coercion, as pydantic StrictStr)', () => {
  it('rejects numbers, at the value', () => {
    expect(problems(variant(PROVISIONED_YAML, 'cluster_id: feast-cluster', 'cluster_id: 1234'))).toEqual([
      '7:15 offline_store.cluster_id must be a string, got the number 1234; Feast does not convert it, so write it in quotes ("1234") to keep it as text',
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'database: feast-database', 'database: 0777'), [
      [8, 13, 'got the number 0777'],
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'region: us-west-2', 'region: 2'), [
      [6, 11, 'offline_store.region must be an AWS region such as us-west-2, got the number 2'],
    ]);
  });

  it('rejects YAML 1.1 booleans, explaining them', () => {
    expect(problems(variant(PROVISIONED_YAML, 'user: redshift-user', 'user: yes'))).toEqual([
      '9:9 offline_store.user must be a string, got the boolean yes; Feast reads YAML 1.1, where yes means true, so write it in quotes ("yes") to keep it as text',
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'database: feast-database', 'database: off'), [
      [8, 13, 'where off means false'],
    ]);
  });

  it('rejects dates', () => {
    expectProblems(variant(PROVISIONED_YAML, 'database: feast-database', 'database: 2024-01-31'), [
      [8, 13, 'got the date 2024-01-31'],
    ]);
  });

  it('reads values PyYAML keeps as strings as strings', () => {
    // PyYAML has no y/n booleans and no floats without a dot; the yaml package's YAML 1.1 schema has both.
    expect(
      validConfig(variant(PROVISIONED_YAML, 'user: redshift-user', 'user: y')).offlineStore.target,
    ).toEqual({
      kind: 'cluster',
      clusterId: 'feast-cluster',
      user: 'y',
    });
    expect(
      validConfig(variant(PROVISIONED_YAML, 'database: feast-database', 'database: 1e3')).offlineStore
        .database,
    ).toBe('1e3');
    expect(
      validConfig(variant(PROVISIONED_YAML, 'database: feast-database', 'database: "0777"')).offlineStore
        .database,
    ).toBe('0777');
  });

  it('rejects mappings and lists where a string is needed', () => {
    expectProblems(variant(PROVISIONED_YAML, 'database: feast-database', 'database: [dev]'), [
      [8, 13, 'got a list'],
    ]);
  });
});

describe('YAML problems', () => {
  it('reports syntax errors with positions and stops there', () => {
    expect(problems('project: p\nregistry: "data/registry.db\n')).toEqual([
      '2:11 YAML syntax error: the value quoted here with " has no closing "',
    ]);
    expectProblems('project: p\n  registry: x\n', [
      [1, 10, 'YAML syntax error: a "key: value" follows a value here'],
    ]);
    expectProblems('project: [p\nregistry: x\n', [
      [2, 1, 'YAML syntax error: flow sequence in block collection must be sufficiently indented'],
    ]);
  });

  it('explains tab indentation', () => {
    expectProblems('offline_store:\n\ttype: redshift\n', [[2, 1, 'tabs cannot indent YAML; use spaces']]);
  });

  it('reports a second document', () => {
    expectProblems(`${PROVISIONED_YAML}---\nproject: other\n`, [
      [12, 1, 'the file must hold a single YAML document'],
    ]);
  });

  it('reports an unknown tag and an alias without anchor', () => {
    expectProblems(variant(PROVISIONED_YAML, 'database: feast-database', 'database: !secret db'), [
      [8, 13, "unknown YAML tag (!secret); Feast's YAML loader rejects it"],
    ]);
    expectProblems(variant(PROVISIONED_YAML, 'database: feast-database', 'database: *db'), [
      [8, 13, 'the alias *db has no anchor &db defined before it'],
    ]);
  });

  it('reports duplicate keys at the repeated key, naming the first line', () => {
    const text =
      variant(PROVISIONED_YAML, '  user: redshift-user\n', '  user: redshift-user\n  region: eu-west-1\n') +
      'project: again\n';
    expect(problems(text)).toEqual([
      '10:3 offline_store.region is set twice (first on line 6); Feast keeps only the last value, so remove one of them',
      '13:1 project is set twice (first on line 1); Feast keeps only the last value, so remove one of them',
    ]);
  });

  it('reports an empty file and a file that is not a mapping', () => {
    expectProblems('', [[1, 1, 'the file holds no settings']]);
    expectProblems('# only a comment\n', [[1, 1, 'the file holds no settings']]);
    expectProblems('- project: p\n', [
      [1, 1, 'the file must be a mapping of settings (key: value lines), got a list'],
    ]);
  });

  it('reports a non-string top-level key', () => {
    expectProblems(`${PROVISIONED_YAML}2024: x\n`, [[12, 1, 'top-level keys must be names, got "2024"']]);
  });
});

describe('collecting problems', () => {
  it('reports every problem, in file order', () => {
    const text = `project: -bad
registry:
  path: data/registry.db
  cache_ttl_seconds: soon
offline_store:
  type: redshift
  region: mars-1
  cluster_id: feast-cluster
  user: 42
  database: dev
  s3_staging_location: feast-bucket
  iam_role: role
  extra_key: 1
`;
    expect(parse(text).problems.map((p) => `${p.line}:${p.column}`)).toEqual([
      '1:10',
      '4:22',
      '7:11',
      '9:9',
      '11:24',
      '12:13',
      '13:3',
    ]);
  });
});

describe('environment variables (Feast expands them before parsing)', () => {
  const text = variant(
    PROVISIONED_YAML,
    'iam_role: arn:aws:iam::123456789012:role/redshift_s3_access_role',
    'iam_role: ${REDSHIFT_ROLE}',
  );

  it('expands them when an environment is given', () => {
    const env = { REDSHIFT_ROLE: 'arn:aws:iam::123456789012:role/from_env' };
    expect(parse(text, { env }).config?.offlineStore.iamRole).toBe('arn:aws:iam::123456789012:role/from_env');
  });

  it('names an unset variable', () => {
    expect(problems(text, { env: {} })).toEqual([
      '11:13 offline_store.iam_role must be an IAM role ARN such as arn:aws:iam::123456789012:role/redshift_s3_access_role, got "${REDSHIFT_ROLE}" (environment variable REDSHIFT_ROLE not set)',
    ]);
  });

  it('types an expanded plain value as PyYAML would', () => {
    const ttl = variant(
      PROVISIONED_YAML,
      'registry: data/registry.db',
      'registry:\n  path: data/registry.db\n  cache_ttl_seconds: $TTL',
    );
    expect(parse(ttl, { env: { TTL: '30' } }).config?.registry.cacheTtlSeconds).toBe(30);
  });

  it('reads values as written without an environment', () => {
    expect(problems(text)[0]).toContain('got "${REDSHIFT_ROLE}"');
  });
});

describe('loadRepoConfig', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'fwb-config-'));
    await mkdir(path.join(root, 'valid'));
    await writeFile(path.join(root, 'valid', 'feature_store.yaml'), PROVISIONED_YAML);
    await mkdir(path.join(root, 'invalid'));
    await writeFile(
      path.join(root, 'invalid', 'feature_store.yaml'),
      variant(PROVISIONED_YAML, 'region: us-west-2', 'region: 7'),
    );
    await mkdir(path.join(root, 'empty'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads a valid file and resolves the registry against its folder', async () => {
    const config = await loadRepoConfig(path.join(root, 'valid'));
    expect(config.repoDir).toBe(path.join(root, 'valid'));
    expect(config.registry.location).toEqual({
      kind: 'file',
      path: path.join(root, 'valid', 'data', 'registry.db'),
    });
  });

  it('throws ConfigInvalid with positions', async () => {
    const error = await loadRepoConfig(path.join(root, 'invalid')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkbenchError);
    expect((error as WorkbenchError).detail).toEqual({
      kind: 'ConfigInvalid',
      problems: [
        {
          file: 'feature_store.yaml',
          line: 6,
          column: 11,
          message: 'offline_store.region must be an AWS region such as us-west-2, got the number 7',
        },
      ],
    });
  });

  it('throws NotFound when the folder has no feature_store.yaml', async () => {
    const error = await loadRepoConfig(path.join(root, 'empty')).catch((e: unknown) => e);
    expect((error as WorkbenchError).detail).toMatchObject({
      kind: 'NotFound',
      what: 'feature_store.yaml',
      name: path.join(root, 'empty', 'feature_store.yaml'),
    });
    expect((error as WorkbenchError).detail).toHaveProperty(
      'hint',
      expect.stringContaining('not a Feast repository'),
    );
  });
});

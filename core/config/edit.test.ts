import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { setConfigField, switchRedshiftTarget } from './edit';
import { parseRepoConfig } from './load';
import { PROVISIONED_YAML, SERVERLESS_YAML } from './test-fixtures';
import { parseYaml } from './yaml-document';

const COMMENTED = `# Feature repo for driver ranking
# (owned by the ranking team)
project: driver_ranking  # short name
registry: data/registry.db # local file

provider: aws
offline_store:
    type: redshift
    region: us-west-2   # Oregon
    # the provisioned cluster
    cluster_id: feast-cluster
    database: dev
    # database user
    user: awsuser  # read-only
    s3_staging_location: s3://feast-bucket/staging
    iam_role: "arn:aws:iam::123456789012:role/redshift_s3_access_role"
online_store:
    type: dynamodb  # keep
`;

function config(text: string) {
  const result = parseRepoConfig(text, { file: 'feature_store.yaml', repoDir: '/repo' });
  expect(result.problems).toEqual([]);
  return result.config;
}

function thrown(action: () => unknown): WorkbenchError {
  try {
    action();
  } catch (error) {
    if (error instanceof WorkbenchError) return error;
    throw error;
  }
  throw new Error('expected a WorkbenchError');
}

describe('setConfigField', () => {
  it('replaces a value and changes nothing else', () => {
    expect(setConfigField(COMMENTED, ['offline_store', 'region'], 'eu-central-1')).toBe(
      COMMENTED.replace('region: us-west-2   # Oregon', 'region: eu-central-1   # Oregon'),
    );
  });

  it('keeps double quotes on a quoted value', () => {
    const role = 'arn:aws:iam::123456789012:role/other_role';
    expect(setConfigField(COMMENTED, ['offline_store', 'iam_role'], role)).toBe(
      COMMENTED.replace('role/redshift_s3_access_role"', 'role/other_role"'),
    );
  });

  it('quotes strings that YAML 1.1 would read as something else', () => {
    for (const value of ['on', 'no', '0777', '12:30', '2024-01-31', '1.5', '~', 'null']) {
      const text = setConfigField(COMMENTED, ['offline_store', 'user'], value);
      expect(text).toContain(`user: "${value}"  # read-only`);
      expect(parseYaml(text).doc.getIn(['offline_store', 'user'])).toBe(value);
    }
  });

  it('leaves strings that PyYAML reads as strings unquoted', () => {
    expect(setConfigField(COMMENTED, ['offline_store', 'user'], 'y')).toContain('user: y  # read-only');
  });

  it('writes numbers and booleans as YAML values', () => {
    const text = setConfigField(COMMENTED, ['entity_key_serialization_version'], 3);
    expect(text).toBe(`${COMMENTED}entity_key_serialization_version: 3\n`);
    expect(setConfigField(COMMENTED, ['coerce_tz_aware'], false)).toBe(
      `${COMMENTED}coerce_tz_aware: false\n`,
    );
  });

  it('adds a key at the end of its mapping with the file’s indentation', () => {
    expect(setConfigField(COMMENTED, ['online_store', 'region'], 'us-west-2')).toBe(
      COMMENTED.replace('type: dynamodb  # keep\n', 'type: dynamodb  # keep\n    region: us-west-2\n'),
    );
  });

  it('creates missing mappings', () => {
    expect(setConfigField(COMMENTED, ['batch_engine', 'type'], 'local')).toBe(
      `${COMMENTED}batch_engine:\n    type: local\n`,
    );
    expect(setConfigField('# empty for now\n', ['offline_store', 'type'], 'redshift')).toBe(
      '# empty for now\noffline_store:\n  type: redshift\n',
    );
    expect(setConfigField('project: p', ['provider'], 'aws')).toBe('project: p\nprovider: aws\n');
  });

  it('fills a key written without a value', () => {
    expect(
      setConfigField(
        'project: p\noffline_store:  # to do\nprovider: aws\n',
        ['offline_store', 'type'],
        'redshift',
      ),
    ).toBe('project: p\noffline_store:  # to do\n  type: redshift\nprovider: aws\n');
    expect(setConfigField('project:\nprovider: aws\n', ['project'], 'p')).toBe('project: p\nprovider: aws\n');
  });

  it('removes a key with null, keeping the comments around it', () => {
    expect(setConfigField(COMMENTED, ['offline_store', 'user'], null)).toBe(
      COMMENTED.replace('    user: awsuser  # read-only\n', ''),
    );
  });

  it('leaves the text alone when removing a key that is not there', () => {
    expect(setConfigField(COMMENTED, ['offline_store', 'workgroup'], null)).toBe(COMMENTED);
    expect(setConfigField(COMMENTED, ['batch_engine', 'type'], null)).toBe(COMMENTED);
  });

  it('keeps an emptied mapping a mapping', () => {
    expect(setConfigField('project: p\nregistry:\n  path: r.db\n', ['registry', 'path'], null)).toBe(
      'project: p\nregistry: {}\n',
    );
  });

  it('turns `registry: <path>` into the mapping form to set a registry option', () => {
    const text = setConfigField(COMMENTED, ['registry', 'cache_ttl_seconds'], 60);
    expect(text).toBe(
      COMMENTED.replace(
        'registry: data/registry.db # local file\n',
        'registry: # local file\n    path: data/registry.db\n    cache_ttl_seconds: 60\n',
      ),
    );
    expect(config(text)?.registry).toMatchObject({ path: 'data/registry.db', cacheTtlSeconds: 60 });
  });

  it('edits flow mappings correctly, keeping the comment', () => {
    const text = setConfigField(
      'project: p\noffline_store: {type: redshift, region: us-west-2} # inline\n',
      ['offline_store', 'database'],
      'dev',
    );
    expect(parseYaml(text).doc.toJS()).toEqual({
      project: 'p',
      offline_store: { type: 'redshift', region: 'us-west-2', database: 'dev' },
    });
    expect(text).toContain('# inline');
  });

  it('refuses a file with a syntax error, naming the position', () => {
    const error = thrown(() => setConfigField('project: p\nregistry: [data\n', ['provider'], 'aws'));
    expect(error.detail).toEqual({
      kind: 'ConfigInvalid',
      problems: [
        {
          file: 'feature_store.yaml',
          line: 3,
          column: 1,
          message: expect.stringContaining('cannot edit the file while it has a YAML error here'),
        },
      ],
    });
  });

  it('refuses a file with a duplicated key', () => {
    const error = thrown(() => setConfigField('project: p\nproject: q\n', ['provider'], 'aws'));
    expect(error.detail).toMatchObject({
      kind: 'ConfigInvalid',
      problems: [{ line: 2, column: 1, message: expect.stringContaining('this key is written twice') }],
    });
  });

  it('refuses to set a key under a value that is not a mapping', () => {
    const error = thrown(() => setConfigField(COMMENTED, ['provider', 'name'], 'aws'));
    expect(error.detail).toMatchObject({
      kind: 'ConfigInvalid',
      problems: [
        {
          line: 6,
          column: 11,
          message: 'cannot set provider.name: provider is a single value, not a mapping of settings',
        },
      ],
    });
  });

  it('writes new lines with the file’s CRLF line endings', () => {
    const crlf = PROVISIONED_YAML.replace(/\n/g, '\r\n');
    expect(setConfigField(crlf, ['batch_engine', 'type'], 'local')).toBe(
      `${crlf}batch_engine:\r\n  type: local\r\n`,
    );
    const flow = 'project: p\r\noffline_store: {type: redshift}\r\n';
    expect(setConfigField(flow, ['offline_store', 'region'], 'us-west-2')).not.toMatch(/[^\r]\n/);
  });

  it('refuses an empty path', () => {
    expect(thrown(() => setConfigField(COMMENTED, [], 'x')).detail.kind).toBe('Internal');
  });

  it('keeps every comment line for any string value (property)', () => {
    const comments = COMMENTED.split('\n').filter((line) => line.trimStart().startsWith('#'));
    fc.assert(
      fc.property(fc.string(), fc.constantFrom('region', 'database', 'user', 'cluster_id'), (value, key) => {
        const text = setConfigField(COMMENTED, ['offline_store', key], value);
        expect(parseYaml(text).doc.getIn(['offline_store', key])).toBe(value);
        for (const comment of comments) expect(text).toContain(comment);
        expect(text).toContain('# short name');
      }),
      { numRuns: 300 },
    );
  });
});

describe('switchRedshiftTarget', () => {
  it('switches a cluster to Serverless in place, keeping comments', () => {
    const text = switchRedshiftTarget(COMMENTED, { kind: 'serverless', workgroup: 'feast-wg' });
    expect(text).toBe(
      COMMENTED.replace('    cluster_id: feast-cluster\n', '    workgroup: feast-wg\n').replace(
        '    user: awsuser  # read-only\n',
        '',
      ),
    );
    expect(config(text)?.offlineStore.target).toEqual({ kind: 'serverless', workgroup: 'feast-wg' });
  });

  it('switches Serverless to a cluster, putting user right after cluster_id', () => {
    const text = switchRedshiftTarget(SERVERLESS_YAML, {
      kind: 'cluster',
      clusterId: 'feast-cluster',
      user: 'awsuser',
    });
    expect(text).toBe(
      SERVERLESS_YAML.replace(
        '  workgroup: feast-workgroup\n',
        '  cluster_id: feast-cluster\n  user: awsuser\n',
      ),
    );
    expect(config(text)?.offlineStore.target).toEqual({
      kind: 'cluster',
      clusterId: 'feast-cluster',
      user: 'awsuser',
    });
  });

  it('round-trips cluster -> Serverless -> cluster to a valid config', () => {
    const serverless = switchRedshiftTarget(PROVISIONED_YAML, { kind: 'serverless', workgroup: 'wg' });
    const back = switchRedshiftTarget(serverless, { kind: 'cluster', clusterId: 'c2', user: 'u2' });
    expect(config(back)?.offlineStore.target).toEqual({ kind: 'cluster', clusterId: 'c2', user: 'u2' });
    expect(back).toContain('  cluster_id: c2\n  user: u2\n');
  });

  it('updates the values when the kind does not change', () => {
    const text = switchRedshiftTarget(COMMENTED, { kind: 'cluster', clusterId: 'other', user: 'admin' });
    expect(text).toBe(
      COMMENTED.replace('cluster_id: feast-cluster', 'cluster_id: other').replace(
        'user: awsuser',
        'user: admin',
      ),
    );
  });

  it('adds the target after region when neither kind is set', () => {
    const text =
      'project: p\nregistry: r.db\noffline_store:\n  type: redshift\n  region: us-west-2\n  database: dev\n';
    expect(switchRedshiftTarget(text, { kind: 'serverless', workgroup: 'wg' })).toBe(
      'project: p\nregistry: r.db\noffline_store:\n  type: redshift\n  region: us-west-2\n  workgroup: wg\n  database: dev\n',
    );
  });

  it('resolves a file that has both kinds', () => {
    const both = PROVISIONED_YAML.replace(
      '  user: redshift-user\n',
      '  user: redshift-user\n  workgroup: wg\n',
    );
    const text = switchRedshiftTarget(both, { kind: 'serverless', workgroup: 'wg2' });
    expect(config(text)?.offlineStore.target).toEqual({ kind: 'serverless', workgroup: 'wg2' });
    expect(text).not.toMatch(/cluster_id|user:/);
  });

  it('creates offline_store when it is missing', () => {
    expect(switchRedshiftTarget('project: p\n', { kind: 'cluster', clusterId: 'c', user: 'u' })).toBe(
      'project: p\noffline_store:\n  cluster_id: c\n  user: u\n',
    );
  });

  it('refuses an offline_store that is not a mapping', () => {
    const error = thrown(() =>
      switchRedshiftTarget('project: p\noffline_store: redshift\n', { kind: 'serverless', workgroup: 'wg' }),
    );
    expect(error.detail).toMatchObject({ kind: 'ConfigInvalid', problems: [{ line: 2, column: 16 }] });
  });

  it('refuses a file with a syntax error', () => {
    const error = thrown(() =>
      switchRedshiftTarget(`${SERVERLESS_YAML}  bad: [\n`, { kind: 'serverless', workgroup: 'x' }),
    );
    expect(error.detail.kind).toBe('ConfigInvalid');
  });
});

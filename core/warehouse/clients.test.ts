/**
 * Where the clients get their credentials, region and endpoints: the default AWS chain, a named profile, or the
 * sandbox's dummy keys. Credential files are written to a temporary folder and pointed at through the SDK's own
 * environment variables, so nothing on the machine is read.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RepoConfig } from '../config/model';
import { createAwsClients, sandboxConnection } from './clients';

const config = {
  repoDir: '/nowhere',
  project: 'p',
  provider: 'aws',
  registry: {
    path: 'registry.db',
    location: { kind: 'file', path: '/nowhere/registry.db' },
    format: 'protobuf',
  },
  offlineStore: {
    type: 'redshift',
    region: 'eu-central-1',
    database: 'dev',
    s3StagingLocation: 's3://bucket/staging',
    iamRole: 'arn:aws:iam::123456789012:role/r',
    target: { kind: 'serverless', workgroup: 'wg' },
  },
  extra: {},
} satisfies RepoConfig;

const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_CONFIG_FILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_REDSHIFT_DATA',
  'AWS_EC2_METADATA_DISABLED',
];
const saved = new Map(ENV_KEYS.map((key) => [key, process.env[key]]));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-credentials-'));
  await writeFile(
    path.join(dir, 'credentials'),
    [
      '[default]',
      'aws_access_key_id = AKIADEFAULTPROFILE',
      'aws_secret_access_key = default-secret',
      '[feature-eng]',
      'aws_access_key_id = AKIANAMEDPROFILE',
      'aws_secret_access_key = named-secret',
      '',
    ].join('\n'),
  );
  await writeFile(path.join(dir, 'config'), '[profile feature-eng]\nregion = ap-south-1\n');
});

function isolateEnvironment(): void {
  for (const key of ENV_KEYS) delete process.env[key];
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
  // No instance metadata lookups if the chain ever gets that far.
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
}

afterEach(() => {
  for (const [key, value] of saved) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keysOf(options: Parameters<typeof createAwsClients>[1]): Promise<string[]> {
  const clients = createAwsClients(config, options);
  try {
    const data = await clients.redshiftData.config.credentials();
    const s3 = await clients.s3.config.credentials();
    return [data.accessKeyId, s3.accessKeyId];
  } finally {
    clients.destroy();
  }
}

describe('credentials', () => {
  it('come from the default chain: environment variables first', async () => {
    isolateEnvironment();
    process.env.AWS_ACCESS_KEY_ID = 'AKIAFROMENVIRONMENT';
    process.env.AWS_SECRET_ACCESS_KEY = 'env-secret';
    expect(await keysOf({})).toEqual(['AKIAFROMENVIRONMENT', 'AKIAFROMENVIRONMENT']);
  });

  it('come from the default chain: the shared credentials file, default profile or AWS_PROFILE', async () => {
    isolateEnvironment();
    expect(await keysOf({})).toEqual(['AKIADEFAULTPROFILE', 'AKIADEFAULTPROFILE']);
    process.env.AWS_PROFILE = 'feature-eng';
    expect(await keysOf({})).toEqual(['AKIANAMEDPROFILE', 'AKIANAMEDPROFILE']);
  });

  it('come from a named profile given as an option, for both clients', async () => {
    isolateEnvironment();
    expect(await keysOf({ profile: 'feature-eng' })).toEqual(['AKIANAMEDPROFILE', 'AKIANAMEDPROFILE']);
  });

  it('are the dummy keys for the sandbox', async () => {
    isolateEnvironment();
    const connection = sandboxConnection({
      dataApiEndpoint: 'http://127.0.0.1:1',
      s3Endpoint: 'http://127.0.0.1:1',
    });
    expect(await keysOf(connection)).toEqual(['sandbox', 'sandbox']);
  });
});

describe('client settings', () => {
  it("use feature_store.yaml's region, one attempt per call (retries are the workbench's), and endpoints", async () => {
    isolateEnvironment();
    const clients = createAwsClients(
      config,
      sandboxConnection({ dataApiEndpoint: 'http://127.0.0.1:4566', s3Endpoint: 'http://127.0.0.1:4567' }),
    );
    try {
      expect(await clients.redshiftData.config.region()).toBe('eu-central-1');
      expect(await clients.s3.config.region()).toBe('eu-central-1');
      expect(await clients.redshiftData.config.maxAttempts()).toBe(1);
      expect(await clients.s3.config.maxAttempts()).toBe(1);
      const endpoint = await clients.s3.config.endpoint!();
      expect(`${endpoint.hostname}:${endpoint.port}`).toBe('127.0.0.1:4567');
      expect(clients.s3.config.forcePathStyle).toBe(true);
      expect(clients.description).toBe('endpoint http://127.0.0.1:4566');
    } finally {
      clients.destroy();
    }
    const other = createAwsClients(config, { region: 'us-east-2' });
    try {
      expect(await other.redshiftData.config.region()).toBe('us-east-2');
      expect(other.description).toBe('aws us-east-2');
    } finally {
      other.destroy();
    }
  });
});

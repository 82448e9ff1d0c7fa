import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRepoConfig } from '../config/load';
import type { RepoConfig, RegistryLocation } from '../config/model';
import { isWorkbenchError, type EngineError } from '../contract/errors';
import { loadRegistry, loadRegistryDocument } from './load';

const DEMO_DIR = fileURLToPath(new URL('../../assets/demo', import.meta.url));
const DEMO_DB = path.join(DEMO_DIR, 'data', 'registry.db');
const FIXTURE_JSON = fileURLToPath(new URL('./fixtures/registry-dump.json', import.meta.url));

function config(
  location: RegistryLocation,
  format: 'protobuf' | 'json',
  project = 'driver_ranking',
): RepoConfig {
  return {
    repoDir: '/repo',
    project,
    provider: 'aws',
    registry: { path: location.kind === 'file' ? location.path : location.uri, location, format },
    offlineStore: {
      type: 'redshift',
      region: 'us-west-2',
      database: 'dev',
      s3StagingLocation: 's3://bucket/staging',
      iamRole: 'arn:aws:iam::123456789012:role/r',
      target: { kind: 'cluster', clusterId: 'c', user: 'u' },
    },
    extra: {},
  };
}

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (isWorkbenchError(error)) return error.detail;
    throw error;
  }
  throw new Error('expected a WorkbenchError');
}

describe('loadRegistry from local files', () => {
  it('loads the demo repo through its feature_store.yaml', async () => {
    const model = await loadRegistry(await loadRepoConfig(DEMO_DIR, { env: {} }));
    expect(model.project).toBe('driver_ranking');
    expect(model.projects).toEqual(['driver_ranking']);
    expect(model.entities.map((e) => `${e.name}:${e.joinKey}:${e.valueType}`)).toEqual([
      'driver:driver_id:INT64',
      'customer:customer_id:INT64',
    ]);
    expect(model.dataSources.map((s) => `${s.name}:${s.kind}`)).toEqual([
      'driver_hourly_stats_source:BATCH_REDSHIFT',
      'customer_profile_source:BATCH_REDSHIFT',
      'global_daily_stats_source:BATCH_REDSHIFT',
      'orders_source:BATCH_REDSHIFT',
      'driver_trips_source:BATCH_REDSHIFT',
      'vals_to_add:REQUEST_SOURCE',
      'driver_stats_push_source:PUSH_SOURCE',
    ]);
    expect(model.featureViews.map((v) => [v.name, v.entities.join('+'), v.ttlSeconds])).toEqual([
      ['driver_hourly_stats', 'driver', 7200],
      ['customer_profile', 'customer', 172_800],
      ['global_stats', '', 172_800],
      ['order_outcomes', 'driver+customer', 172_800],
      ['driver_trips', 'driver', 86_400],
    ]);
    const trips = model.featureViews[4];
    expect(trips?.batchSource.fieldMapping).toEqual({ id: 'driver_id', column_name: 'trips_today' });
    expect(trips?.batchSource.redshift).toEqual({
      table: 'driver_trips',
      schema: 'public',
      database: '',
      query: '',
    });
    expect(model.featureViews[2]?.entityColumns).toEqual([]);

    const odfv = model.onDemandFeatureViews[0];
    expect(odfv?.sources.map((s) => s.name)).toEqual(['driver_hourly_stats', 'vals_to_add']);
    expect(odfv?.features.map((f) => `${f.name}:${f.valueType}`)).toEqual([
      'conv_rate_plus_100:DOUBLE',
      'conv_rate_plus_val_to_add:DOUBLE',
      'conv_rate_plus_100_rounded:INT32',
    ]);
    expect(odfv?.transformation.functionName).toBe('transformed_conv_rate');

    const activity = model.featureServices.find((s) => s.name === 'driver_activity');
    expect(activity?.projections.find((p) => p.alias)).toMatchObject({
      featureViewName: 'driver_trips',
      alias: 'previous_driver_trips',
      joinKeyMap: { driver_id: 'previous_driver_id' },
    });
    expect(model.featureServices.find((s) => s.name === 'driver_ranking_logged')?.loggingTable).toBe(
      'driver_ranking_feature_log',
    );
    expect(model.savedDatasets[0]).toMatchObject({
      name: 'driver_training_2026_01',
      storage: { table: 'driver_training_2026_01' },
      minEventTimestamp: '2026-01-06T21:00:00Z',
      maxEventTimestamp: '2026-01-10T06:00:00Z',
    });
  });

  it('reads registry-dump JSON when the format is json', async () => {
    const model = await loadRegistry(
      config({ kind: 'file', path: FIXTURE_JSON }, 'json', 'credit_scoring_aws'),
    );
    expect(model.featureViews.map((v) => v.name)).toEqual([
      'credit_history',
      'market_daily_stats',
      'zipcode_features',
    ]);
  });

  it('reports a missing file, a folder, a wrong format and a cancelled read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'fwb-registry-'));
    try {
      const missing = path.join(dir, 'nope.db');
      expect(
        await engineError(loadRegistry(config({ kind: 'file', path: missing }, 'protobuf'))),
      ).toMatchObject({
        kind: 'NotFound',
        what: 'registry file',
        name: missing,
      });
      expect(await engineError(loadRegistry(config({ kind: 'file', path: dir }, 'protobuf')))).toMatchObject({
        kind: 'RegistryInvalid',
        source: dir,
        reason: expect.stringMatching(/is a directory/),
      });
      const asJson = path.join(dir, 'registry.json');
      await writeFile(asJson, await readFile(DEMO_DB));
      expect(await engineError(loadRegistry(config({ kind: 'file', path: asJson }, 'json')))).toMatchObject({
        kind: 'RegistryInvalid',
        source: asJson,
      });
      const aborted = AbortSignal.abort();
      expect(
        await engineError(
          loadRegistry(config({ kind: 'file', path: DEMO_DB }, 'protobuf'), { signal: aborted }),
        ),
      ).toEqual({ kind: 'Cancelled', phase: 'reading the registry' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadRegistry from s3:// through an S3Client', () => {
  let server: Server;
  let client: S3Client;
  const held: ServerResponse[] = [];
  let onHeld: (() => void) | undefined;
  const requests: string[] = [];

  function s3Error(res: ServerResponse, status: number, code: string, message: string): void {
    res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': `req-${code}` });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
        `<RequestId>req-${code}</RequestId></Error>`,
    );
  }

  beforeAll(async () => {
    const demo = await readFile(DEMO_DB);
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push(`${req.method} ${req.url}`);
      const url = new URL(req.url ?? '/', 'http://localhost');
      const [, bucket, ...keyParts] = url.pathname.split('/');
      const key = decodeURIComponent(keyParts.join('/'));
      if (bucket === 'hang') {
        held.push(res);
        onHeld?.();
        return;
      }
      if (bucket !== 'feast-registry')
        return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (key === 'secret/registry.db') return s3Error(res, 403, 'AccessDenied', 'Access Denied');
      if (key !== 'prod/registry.db')
        return s3Error(res, 404, 'NoSuchKey', 'The specified key does not exist.');
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': String(demo.length),
      });
      res.end(demo);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    client = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-west-2',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    for (const res of held) res.destroy();
    client.destroy();
    server.closeAllConnections();
    server.close();
  });

  const s3 = (bucket: string, key: string): RegistryLocation => ({
    kind: 's3',
    bucket,
    key,
    uri: `s3://${bucket}/${key}`,
  });

  it('reads the object with GetObject', async () => {
    const model = await loadRegistry(config(s3('feast-registry', 'prod/registry.db'), 'protobuf'), {
      s3: client,
    });
    expect(model.featureViews).toHaveLength(5);
    expect(requests).toContain('GET /feast-registry/prod/registry.db?x-id=GetObject');
  });

  it('maps NoSuchKey, NoSuchBucket and AccessDenied to clear errors', async () => {
    expect(
      await engineError(
        loadRegistry(config(s3('feast-registry', 'prod/missing.db'), 'protobuf'), { s3: client }),
      ),
    ).toMatchObject({
      kind: 'NotFound',
      what: 'registry object',
      name: 's3://feast-registry/prod/missing.db',
    });
    expect(
      await engineError(loadRegistry(config(s3('no-bucket', 'registry.db'), 'protobuf'), { s3: client })),
    ).toMatchObject({
      kind: 'NotFound',
      what: 'S3 bucket',
      name: 'no-bucket',
    });
    const denied = await engineError(
      loadRegistry(config(s3('feast-registry', 'secret/registry.db'), 'protobuf'), { s3: client }),
    );
    expect(denied).toMatchObject({
      kind: 'AccessDenied',
      action: 's3:GetObject',
      resource: 'arn:aws:s3:::feast-registry/secret/registry.db',
    });
    expect(denied.kind === 'AccessDenied' && denied.message).toMatch(/s3:ListBucket/);
  });

  it('stops waiting when cancelled', async () => {
    const controller = new AbortController();
    const arrived = new Promise<void>((resolve) => {
      onHeld = resolve;
    });
    const loading = loadRegistryDocument(config(s3('hang', 'registry.db'), 'protobuf'), {
      s3: client,
      signal: controller.signal,
    });
    await arrived;
    controller.abort();
    expect(await engineError(loading)).toEqual({ kind: 'Cancelled', phase: 'reading the registry' });
  });
});

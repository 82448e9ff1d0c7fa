/**
 * Saved datasets through the real SDK against the sandbox, with a cluster config and a workgroup config: a
 * retrieval written to a table and recorded in the registry (local registry.db, JSON, s3://), read back equal to
 * what the retrieval returns, allow_overwrite honoured, and every refusal.
 */

import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RepoConfig } from '../config/model';
import type { WorkbenchError } from '../contract/errors';
import { readCsvEntityFrame } from '../frames/csv';
import type { EntityFrame } from '../frames/types';
import { encodeRegistry } from '../registry/codec';
import { registryToJson } from '../registry/json';
import { loadRegistry } from '../registry/load';
import type { RegistryModel } from '../registry/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { DEMO_PROJECT, demoRegistryDocument } from '../testing/demo-repo';
import type { Warehouse } from '../warehouse/warehouse';
import type { EntitySource } from './entities';
import { RetrievalJob, type RetrievalSpec } from './retrieval';
import { saveDataset, SavedDatasetJob, type SaveDatasetOptions } from './saved-dataset';
import {
  EXPECTED_TARGET,
  openTestWarehouse,
  plainRows,
  sortedRows,
  TARGETS,
  TEST_BUCKET,
  testConfig,
  targetsUsed,
  type TargetKind,
  type TargetRecord,
} from './test-fixtures';

const DEMO = path.resolve(import.meta.dirname, '../../assets/demo');

const SPEC: RetrievalSpec = {
  features: [
    'driver_hourly_stats:conv_rate',
    'driver_hourly_stats:avg_daily_trips',
    'customer_profile:current_balance',
    'driver_trips:trips_today',
  ],
};

let sandbox: Sandbox;
let dir: string;
let frame: EntityFrame;

beforeAll(async () => {
  sandbox = await startSandbox({
    dataDir: path.join(DEMO, 'data'),
    buckets: [TEST_BUCKET],
    unloadRowsPerFile: 7,
  });
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-saved-dataset-'));
  frame = readCsvEntityFrame(await readFile(path.join(DEMO, 'entities.csv')), { file: 'entities.csv' });
});

afterAll(async () => {
  await sandbox?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each(TARGETS)('saved datasets with a %s config', (target: TargetKind) => {
  let config: RepoConfig;
  let registryFile: string;
  let warehouse: Warehouse;
  let calls: TargetRecord[];

  beforeAll(async () => {
    registryFile = path.join(dir, `${target}-registry.db`);
    await copyFile(path.join(DEMO, 'data', 'registry.db'), registryFile);
    config = testConfig(target, { path: registryFile }, DEMO_PROJECT);
    ({ warehouse, calls } = openTestWarehouse(sandbox, config));
  });

  afterAll(() => {
    expect(targetsUsed(calls)).toEqual([EXPECTED_TARGET[target]]);
    warehouse.close();
  });

  const registry = () => loadRegistry(config);
  const frameSource = (): EntitySource => ({ kind: 'frame', frame, name: 'entities.csv' });
  const save = async (
    name: string,
    table: string,
    options: Partial<SaveDatasetOptions> = {},
    spec: RetrievalSpec = SPEC,
    entities: EntitySource = frameSource(),
  ) => {
    const model = await registry();
    const job = new RetrievalJob(warehouse, model, entities, spec);
    return saveDataset(warehouse, config, model, job, { name, table: { name: table }, ...options });
  };
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (error: WorkbenchError) => error.detail,
    );

  it('writes the result to a table, records it, and reads back exactly what the retrieval returns', async () => {
    const saved = await save(`training_${target}`, `training_${target}`, {
      now: new Date(Date.UTC(2026, 1, 1)),
      tags: { owner: 'tests' },
    });
    expect(saved.write).toMatchObject({ table: `"public"."training_${target}"`, rows: 31 });

    const model = await registry();
    const recorded = model.savedDatasets.find((dataset) => dataset.name === `training_${target}`);
    expect(recorded).toEqual({
      name: `training_${target}`,
      project: DEMO_PROJECT,
      features: SPEC.features,
      // Only the columns the views joined on; val_to_add rides along in the table but is no key.
      joinKeys: ['driver_id', 'customer_id'],
      fullFeatureNames: false,
      storage: { table: `training_${target}`, schema: 'public', database: '', query: '' },
      featureServiceName: '',
      tags: { owner: 'tests' },
      // The entity frame's earliest and latest event times.
      minEventTimestamp: '2026-01-06T21:00:00Z',
      maxEventTimestamp: '2026-01-10T06:00:00Z',
    });
    expect(recorded).toEqual(saved.dataset);
    // The demo's own saved dataset is still there.
    expect(model.savedDatasets.map((dataset) => dataset.name)).toContain('driver_training_2026_01');

    const retrieved = await new RetrievalJob(warehouse, model, frameSource(), SPEC).toArrow();
    const readBack = await new SavedDatasetJob(warehouse, model, `training_${target}`).toArrow();
    expect(readBack.schema.names).toEqual(retrieved.schema.names);
    expect(readBack.schema.fields.map((f) => String(f.type))).toEqual(
      retrieved.schema.fields.map((f) => String(f.type)),
    );
    expect(sortedRows(plainRows(readBack))).toEqual(sortedRows(plainRows(retrieved)));
    expect(readBack.numRows).toBe(31);
  });

  it('streams a saved dataset back too, and shows its SQL without running it', async () => {
    const model = await registry();
    const job = new SavedDatasetJob(warehouse, model, `training_${target}`);
    const streamed = [];
    for await (const batch of job.toArrowBatches()) streamed.push(batch.numRows);
    expect(streamed.length).toBeGreaterThan(1);
    expect(streamed.reduce((a, b) => a + b, 0)).toBe(31);
    sandbox.faults.resetCounts();
    expect(await job.toSql()).toBe(
      'SELECT\n  "driver_id",\n  "customer_id",\n  "event_timestamp",\n  "val_to_add",\n  "previous_driver_id",\n' +
        '  "conv_rate",\n  "avg_daily_trips",\n  "current_balance",\n  "trips_today"\n' +
        `FROM "public"."training_${target}"`,
    );
    expect(Object.keys(sandbox.faults.counts())).toEqual(['DescribeTable']);
  });

  it('refuses an existing table without allow-overwrite, changing nothing', async () => {
    const before = await readFile(registryFile);
    await sandbox.query(`CREATE TABLE public.taken_${target} AS SELECT 1 AS x`);
    const detail = await failure(save(`new_name_${target}`, `taken_${target}`));
    expect(detail).toEqual({
      kind: 'PlanInvalid',
      reason: `table "public"."taken_${target}" already exists; pass --allow-overwrite to replace it`,
    });
    expect((await sandbox.query(`SELECT x FROM public.taken_${target}`)).rows).toEqual([['1']]);
    expect(await readFile(registryFile)).toEqual(before);
  });

  it('refuses an existing saved dataset name without allow-overwrite, before anything runs', async () => {
    sandbox.faults.resetCounts();
    const before = await readFile(registryFile);
    const detail = await failure(save(`training_${target}`, `elsewhere_${target}`));
    expect(detail).toEqual({
      kind: 'PlanInvalid',
      reason: `the saved dataset training_${target} already exists in project driver_ranking; pass --allow-overwrite to replace it`,
    });
    expect(sandbox.faults.counts()).toEqual({});
    expect(await readFile(registryFile)).toEqual(before);
  });

  it('replaces the table and the record with allow-overwrite (Feast ignores allow_overwrite)', async () => {
    const entities: EntitySource = {
      kind: 'sql',
      sql: 'SELECT driver_id, customer_id, event_timestamp, driver_id AS previous_driver_id, 1::BIGINT AS val_to_add FROM public.orders',
    };
    const redshiftOnly: RetrievalSpec = {
      features: ['driver_hourly_stats:conv_rate'],
      fullFeatureNames: true,
    };
    await save(`training_${target}`, `training_${target}`, { allowOverwrite: true }, redshiftOnly, entities);
    const model = await registry();
    const matching = model.savedDatasets.filter((dataset) => dataset.name === `training_${target}`);
    expect(matching).toHaveLength(1);
    expect(matching[0]).toMatchObject({
      features: ['driver_hourly_stats:conv_rate'],
      fullFeatureNames: true,
    });
    const readBack = await new SavedDatasetJob(warehouse, model, `training_${target}`).toArrow();
    expect(readBack.schema.names).toEqual([
      'driver_id',
      'customer_id',
      'event_timestamp',
      'previous_driver_id',
      'val_to_add',
      'driver_hourly_stats__conv_rate',
    ]);
    expect(readBack.numRows).toBe(20);
  });

  it('records the entity rows of a date-range retrieval, and a zero-row result keeps its columns', async () => {
    const range: EntitySource = { kind: 'range', start: '2026-01-09T10:00:00Z', end: '2026-01-09T11:00:00Z' };
    const saved = await save(
      `range_${target}`,
      `range_${target}`,
      {},
      { features: ['driver_hourly_stats:conv_rate'] },
      range,
    );
    expect(saved.dataset).toMatchObject({
      joinKeys: ['driver_id'],
      minEventTimestamp: '2026-01-09T10:00:00Z',
      maxEventTimestamp: '2026-01-09T11:00:00Z',
    });
    expect(saved.write.rows).toBe(19 * 2);

    const empty: EntitySource = { kind: 'range', start: '2031-01-01', end: '2031-01-02' };
    const none = await save(
      `empty_${target}`,
      `empty_${target}`,
      {},
      { features: ['driver_hourly_stats:conv_rate'] },
      empty,
    );
    expect(none.dataset.minEventTimestamp).toBeUndefined();
    const readBack = await new SavedDatasetJob(warehouse, await registry(), `empty_${target}`).toArrow();
    expect(readBack.numRows).toBe(0);
    expect(readBack.schema.names).toEqual(['driver_id', 'event_timestamp', 'conv_rate']);
  });

  it('reports an unknown saved dataset with what exists', async () => {
    const model = await registry();
    expect(() => new SavedDatasetJob(warehouse, model, `training_${target}x`)).toThrow(
      expect.objectContaining({
        detail: {
          kind: 'NotFound',
          what: 'saved dataset',
          name: `training_${target}x`,
          hint: `did you mean training_${target}?`,
        },
      }),
    );
  });

  it('reports a saved dataset whose table was dropped or changed', async () => {
    const model = await registry();
    // The demo records a table the sandbox never had.
    expect(
      await failure(new SavedDatasetJob(warehouse, model, 'driver_training_2026_01').toArrow()),
    ).toMatchObject({
      kind: 'NotFound',
      what: 'table',
      name: 'public.driver_training_2026_01',
      hint: expect.stringContaining('no longer exists (dropped?)'),
    });
    await save(`dropped_${target}`, `dropped_${target}`);
    await sandbox.query(`DROP TABLE public.dropped_${target}`);
    expect(
      await failure(new SavedDatasetJob(warehouse, await registry(), `dropped_${target}`).toArrow()),
    ).toMatchObject({ kind: 'NotFound', what: 'table', name: `public.dropped_${target}` });

    await save(`changed_${target}`, `changed_${target}`);
    await sandbox.query(`ALTER TABLE public.changed_${target} DROP COLUMN trips_today`);
    expect(
      await failure(new SavedDatasetJob(warehouse, await registry(), `changed_${target}`).toArrow()),
    ).toEqual({
      kind: 'PlanInvalid',
      reason:
        `the table public.changed_${target} has no column trips_today, which the saved dataset changed_${target} ` +
        'records; the table was changed after it was saved',
    });
  });
});

describe('saved datasets in other registry forms', () => {
  let warehouse: Warehouse;

  afterAll(() => warehouse?.close());

  it('records into a registry-dump JSON registry', async () => {
    const file = path.join(dir, 'registry.json');
    await writeFile(file, registryToJson(demoRegistryDocument()));
    const config = testConfig('serverless', { path: file, format: 'json' }, DEMO_PROJECT);
    ({ warehouse } = openTestWarehouse(sandbox, config));
    const model: RegistryModel = await loadRegistry(config);
    const job = new RetrievalJob(warehouse, model, { kind: 'frame', frame, name: 'entities.csv' }, SPEC);
    await saveDataset(warehouse, config, model, job, { name: 'json_saved', table: { name: 'json_saved' } });
    const reloaded = await loadRegistry(config);
    expect(reloaded.savedDatasets.map((dataset) => dataset.name)).toEqual([
      'driver_training_2026_01',
      'json_saved',
    ]);
    const readBack = await new SavedDatasetJob(warehouse, reloaded, 'json_saved').toArrow();
    expect(readBack.numRows).toBe(31);
  });

  it('records into an s3:// registry through the warehouse S3 client', async () => {
    sandbox.store.putObject(TEST_BUCKET, 'registry/registry.db', encodeRegistry(demoRegistryDocument()));
    const config = testConfig('cluster', { s3: `s3://${TEST_BUCKET}/registry/registry.db` }, DEMO_PROJECT);
    const { warehouse: s3Warehouse } = openTestWarehouse(sandbox, config);
    try {
      const model = await loadRegistry(config, { s3: s3Warehouse.clients.s3 });
      const job = new RetrievalJob(s3Warehouse, model, { kind: 'frame', frame, name: 'entities.csv' }, SPEC);
      await saveDataset(s3Warehouse, config, model, job, { name: 's3_saved', table: { name: 's3_saved' } });
      const reloaded = await loadRegistry(config, { s3: s3Warehouse.clients.s3 });
      expect(reloaded.savedDatasets.map((dataset) => dataset.name)).toEqual([
        'driver_training_2026_01',
        's3_saved',
      ]);
      // The registry object is the only thing the run left in the bucket.
      expect(sandbox.store.listKeys(TEST_BUCKET)).toEqual(['registry/registry.db']);
    } finally {
      s3Warehouse.close();
    }
  });
});

/**
 * The retrieval job's outputs (Feast's to_sql, to_arrow, to_arrow_batches) through the real SDK against the
 * sandbox, with a cluster config and a workgroup config: to_sql has no side effects, to_arrow is the whole result
 * (checked against the reference implementation), to_arrow_batches streams UNLOAD parts one at a time, and zero
 * rows keep the schema.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvEntityFrame } from '../frames/csv';
import type { EntityFrame } from '../frames/types';
import { toRegistryModel } from '../registry/convert';
import type { RegistryModel } from '../registry/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { demoEntityFrame } from '../testing/datasets';
import { DEMO_PROJECT, demoRegistryDocument } from '../testing/demo-repo';
import { referencePointInTime } from '../testing/reference-pit';
import type { Warehouse } from '../warehouse/warehouse';
import type { EntitySource } from './entities';
import { RetrievalJob, type RetrievalSpec } from './retrieval';
import {
  demoReferenceViews,
  EXPECTED_TARGET,
  openTestWarehouse,
  plainRows,
  plainValue,
  referenceRowsOf,
  sortedRows,
  TARGETS,
  TEST_BUCKET,
  testConfig,
  targetsUsed,
  type TargetRecord,
} from './test-fixtures';

const DEMO_DATA = path.resolve(import.meta.dirname, '../../assets/demo/data');
const ENTITIES_CSV = path.resolve(import.meta.dirname, '../../assets/demo/entities.csv');
const ROWS_PER_PART = 4;

/** Everything of driver_activity that Redshift computes (the on-demand view is computed elsewhere). */
const SPEC: RetrievalSpec = {
  features: [
    'driver_hourly_stats:conv_rate',
    'driver_hourly_stats:avg_daily_trips',
    'customer_profile:current_balance',
    'global_stats:num_rides',
    'driver_trips:trips_today',
  ],
};

let sandbox: Sandbox;
let registry: RegistryModel;
let frame: EntityFrame;

beforeAll(async () => {
  sandbox = await startSandbox({
    dataDir: DEMO_DATA,
    buckets: [TEST_BUCKET],
    unloadRowsPerFile: ROWS_PER_PART,
  });
  registry = toRegistryModel(demoRegistryDocument(), DEMO_PROJECT);
  frame = readCsvEntityFrame(await readFile(ENTITIES_CSV), { file: 'entities.csv' });
});

afterAll(async () => {
  await sandbox?.stop();
});

async function stagingLeftovers(): Promise<{ keys: string[]; tables: unknown[] }> {
  const tables = await sandbox.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'fwb_%'");
  return { keys: sandbox.store.listKeys(TEST_BUCKET), tables: tables.rows };
}

describe.each(TARGETS)('retrieval job outputs with a %s config', (target) => {
  let warehouse: Warehouse;
  let calls: TargetRecord[];

  beforeAll(() => {
    ({ warehouse, calls } = openTestWarehouse(sandbox, testConfig(target)));
  });

  afterAll(() => {
    expect(targetsUsed(calls)).toEqual([EXPECTED_TARGET[target]]);
    warehouse.close();
  });

  const job = (entities: EntitySource, spec: RetrievalSpec = SPEC) =>
    new RetrievalJob(warehouse, registry, entities, spec);
  const frameSource = (): EntitySource => ({ kind: 'frame', frame, name: 'entities.csv' });

  it('toSql of an entity frame sends nothing to Redshift or S3', async () => {
    sandbox.faults.resetCounts();
    const before = await stagingLeftovers();
    const sql = await job(frameSource()).toSql();
    expect(sql).toMatch(/^WITH "driver_hourly_stats__keys" AS \(/);
    expect(sql).toContain('"driver_trips"');
    expect(sandbox.faults.counts()).toEqual({});
    expect(await stagingLeftovers()).toEqual(before);
  });

  it('toSql of an SQL entity frame runs one read-only LIMIT 0 probe and writes nothing', async () => {
    sandbox.faults.resetCounts();
    const first = calls.length;
    const before = await stagingLeftovers();
    const entitySql =
      'SELECT driver_id, event_timestamp FROM public.driver_hourly_stats WHERE driver_id = 5001;';
    const sql = await job(
      { kind: 'sql', sql: entitySql },
      { features: ['driver_hourly_stats:conv_rate', 'driver_trips:trips_today'] },
    ).toSql();
    expect(sql).toContain('"driver_hourly_stats__keys"');
    const counts = sandbox.faults.counts();
    expect(counts.ExecuteStatement).toBe(1);
    expect(Object.keys(counts).sort()).toEqual([
      'DescribeStatement',
      'ExecuteStatement',
      'GetStatementResult',
    ]);
    const submitted = calls.slice(first).flatMap((call) => call.sql ?? []);
    expect(submitted).toEqual([
      'SELECT * FROM (\nSELECT driver_id, event_timestamp FROM public.driver_hourly_stats WHERE driver_id = 5001\n) AS "q" LIMIT 0',
    ]);
    expect(await stagingLeftovers()).toEqual(before);
  });

  it('toSql of a date-range retrieval sends nothing and shows how the entity rows are built', async () => {
    sandbox.faults.resetCounts();
    const sql = await job({ kind: 'range', start: '2026-01-09', end: '2026-01-09T06:00:00Z' }).toSql();
    expect(sandbox.faults.counts()).toEqual({});
    expect(sql).toMatch(/^CREATE TABLE "public"\."fwb_\d{8}t\d{6}_[0-9a-f]{8}_entities" AS\n/);
    expect(sql).toContain(`WHERE "s"."event_timestamp" >= '2026-01-09 00:00:00'`);
    expect(sql).toContain(';\n\nWITH "driver_hourly_stats__keys" AS (');
  });

  it('toArrow returns the whole result in entity order, as the reference computes it', async () => {
    const entityJob = job(frameSource());
    const result = await entityJob.toArrow();
    const plan = await entityJob.plan();
    const entityRows = referenceRowsOf(demoEntityFrame());
    const expected = referencePointInTime({
      entityRows,
      entityColumns: frame.columns.map((column) => column.name),
      entityTimestampColumn: 'event_timestamp',
      views: demoReferenceViews(plan),
      filterByCreatedTimestamp: false,
    }).map((row) => Object.fromEntries(Object.entries(row).map(([key, value]) => [key, plainValue(value)])));
    expect(result.schema.names).toEqual(plan.outputColumns.map((column) => column.name));
    expect(plainRows(result)).toEqual(expected);
    expect(result.numRows).toBe(frame.rowCount);
    expect(await stagingLeftovers()).toEqual({ keys: [], tables: [] });
  });

  it('toArrowBatches downloads one UNLOAD part at a time, as the consumer asks for more', async () => {
    const whole = plainRows(await job(frameSource()).toArrow());
    sandbox.faults.resetCounts();
    const rows = [];
    const downloadedAtBatch: number[] = [];
    for await (const batch of job(frameSource()).toArrowBatches()) {
      downloadedAtBatch.push(sandbox.faults.calls('GetObject'));
      rows.push(...plainRows(new arrow.Table([batch])));
    }
    const parts = sandbox.faults.calls('GetObject');
    expect(parts).toBeGreaterThanOrEqual(Math.ceil(frame.rowCount / ROWS_PER_PART));
    // The first batch arrives after one download, long before the last part is fetched...
    expect(downloadedAtBatch[0]).toBe(1);
    // ...and the k-th batch never waits for more than k parts: nothing is read ahead.
    downloadedAtBatch.forEach((downloaded, k) => expect(downloaded).toBeLessThanOrEqual(k + 1));
    expect(downloadedAtBatch.at(-1)).toBe(parts);
    expect(sortedRows(rows)).toEqual(sortedRows(whole));
    expect(await stagingLeftovers()).toEqual({ keys: [], tables: [] });
  });

  it('cleans up when the consumer of toArrowBatches stops early', async () => {
    for await (const batch of job(frameSource()).toArrowBatches()) {
      expect(batch.numRows).toBeGreaterThan(0);
      break;
    }
    expect(await stagingLeftovers()).toEqual({ keys: [], tables: [] });
  });

  it('keeps the schema of a zero-row result, whole and streamed', async () => {
    const empty: EntitySource = {
      kind: 'sql',
      sql: "SELECT 1::BIGINT AS driver_id, TIMESTAMPTZ '2026-01-09 00:00:00+00' AS event_timestamp WHERE 1 = 0",
    };
    const spec: RetrievalSpec = { features: ['driver_hourly_stats:conv_rate', 'driver_trips:trips_today'] };
    const whole = await job(empty, spec).toArrow();
    expect(whole.numRows).toBe(0);
    expect(whole.schema.names).toEqual(['driver_id', 'event_timestamp', 'conv_rate', 'trips_today']);
    const batches = [];
    for await (const batch of job(empty, spec).toArrowBatches()) batches.push(batch);
    expect(batches.map((batch) => batch.numRows)).toEqual([0]);
    expect(batches[0]!.schema.names).toEqual(whole.schema.names);
  });
});

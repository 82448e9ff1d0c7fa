/**
 * Historical retrieval end to end: RetrievalJob -> real AWS SDK clients -> HTTP -> the sandbox, on generated
 * datasets modelled on Feast's test generators. Every result is compared row by row with the reference
 * implementation (core/testing/reference-pit.ts): exact values, one row per entity row, entity row order.
 * After every test, nothing may be left behind: no staging table and no S3 object of any run.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as arrow from 'apache-arrow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadRepoConfig, parseRepoConfig } from '../config/load';
import type { RepoConfig } from '../config/model';
import { WorkbenchError, type EngineError } from '../contract/errors';
import { readCsvEntityFrame } from '../frames/csv';
import type { EntityColumnType, EntityFrame } from '../frames/types';
import { loadRegistry } from '../registry/load';
import type { RegistryModel } from '../registry/model';
import { startSandbox, type Sandbox } from '../sandbox/index';
import {
  DATASET_END_MS,
  DATASET_START_MS,
  demoEntityFrame,
  driverHourlyStats,
  HOUR_MS,
  MIXED_NOTATIONS,
  orders,
} from '../testing/datasets';
import { datasetToCsv } from '../testing/csv';
import type { ReferenceRow } from '../testing/reference-pit';
import {
  BIG_KEYS,
  codePairs,
  comparable,
  datasetRows,
  DEMO_SERVICE_WITHOUT_ODFV,
  EDGE_TIME_MS,
  entityCsv,
  expectMatchesReference,
  longMerchantId,
  micros,
  referenceRows,
  resultRows,
  retrievalTables,
  rowsByTable,
  timestampText,
  typeNames,
  withEdgeViews,
  writeDataFolder,
} from '../testing/retrieval-fixtures';
import { sandboxConnection } from '../warehouse/clients';
import type { PollPolicy } from '../warehouse/executor';
import type { RetryPolicy } from '../warehouse/retry';
import { resultPagesToArrow } from '../warehouse/result-arrow';
import { openWarehouse, type Warehouse } from '../warehouse/warehouse';
import type { ProgressEvent } from './progress';
import { RetrievalJob, type JobOptions, type RetrievalSpec } from './retrieval';

const DEMO_DIR = fileURLToPath(new URL('../../assets/demo', import.meta.url));
const BUCKET = 'feast-demo-bucket';
const STAGING_PREFIX = 'staging/fwb/';
/** Small, so every result of more than a few rows arrives in several UNLOAD parts. */
const UNLOAD_ROWS_PER_FILE = 8;
/** Fast retries: the throttling tests wait for real. */
const TEST_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 };
/** Quick polling keeps the suite fast; the default policy is tested in executor.integration.test.ts. */
const TEST_POLL: PollPolicy = { firstMs: 10, factor: 1.5, maxMs: 100 };

const tables = retrievalTables();
const rowsOf = rowsByTable(tables);

let data: Awaited<ReturnType<typeof writeDataFolder>>;
let sandbox: Sandbox;
let config: RepoConfig;
let registry: RegistryModel;
let warehouse: Warehouse;

beforeAll(async () => {
  data = await writeDataFolder(tables);
  sandbox = await startSandbox({
    dataDir: data.dir,
    buckets: [BUCKET],
    unloadRowsPerFile: UNLOAD_ROWS_PER_FILE,
  });
  config = await loadRepoConfig(DEMO_DIR);
  registry = withEdgeViews(await loadRegistry(config));
  warehouse = openWarehouse(config, {
    connection: sandboxConnection(sandbox),
    retry: TEST_RETRY,
    poll: TEST_POLL,
  });
});

afterEach(async () => {
  sandbox.faults.reset();
  sandbox.faults.resetCounts();
  await expectNothingLeft();
});

afterAll(async () => {
  warehouse?.close();
  await sandbox?.stop();
  await data?.remove();
});

/** No staging table of any run in any schema, and no S3 object under the staging folder. */
async function expectNothingLeft(): Promise<void> {
  const left = await sandbox.query(
    `SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE 'fwb%'`,
  );
  expect(left.rows).toEqual([]);
  expect(sandbox.store.listKeys(BUCKET, STAGING_PREFIX)).toEqual([]);
}

function frameOf(csv: string, columnTypes?: Record<string, EntityColumnType>): EntityFrame {
  return readCsvEntityFrame(Buffer.from(csv), {
    file: 'entities.csv',
    ...(columnTypes ? { columnTypes } : {}),
  });
}

function jobFor(frame: EntityFrame, spec: RetrievalSpec, on: Warehouse = warehouse): RetrievalJob {
  return new RetrievalJob(on, registry, { kind: 'frame', frame, name: 'entities.csv' }, spec);
}

/** Runs the job with toArrow and checks the result against the reference; returns both, as comparable rows. */
async function retrieveAndCompare(
  frame: EntityFrame,
  entityRows: readonly ReferenceRow[],
  spec: RetrievalSpec,
  on: Warehouse = warehouse,
): Promise<{ result: arrow.Table; rows: Record<string, unknown>[] }> {
  const job = jobFor(frame, spec, on);
  const plan = await job.plan();
  const result = await job.toArrow();
  expectMatchesReference(result, plan, entityRows, rowsOf);
  return { result, rows: resultRows(result) };
}

async function engineError(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkbenchError) return error.detail;
    throw error;
  }
  throw new Error('expected the operation to fail');
}

// ---------------------------------------------------------------------------------------------------------
// The edge-case entity frame: one row per situation, labelled in its "Case" column (a reserved word with an
// upper-case letter, so quoting and Redshift's case folding are exercised on every run). Timestamps cycle
// through the four notations (naive, Z, +01:00, -08:00); the reference gets the instants from here, not from
// the CSV reader.

const END = DATASET_END_MS;
const driverNotes = driverHourlyStats().notes;
const ordersData = orders();
const orderDrivers = ordersData.columns.find((c) => c.name === 'driver_id')!.values as number[];
const orderCustomers = ordersData.columns.find((c) => c.name === 'customer_id')!.values as number[];
const orderTimes = ordersData.columns.find((c) => c.name === 'event_timestamp')!.values as number[];

interface EdgeRow {
  label: string;
  driver: number | null;
  customer: number;
  ms: number;
  extraMicros?: number;
}

const EDGE_ROWS: EdgeRow[] = [
  // driver_hourly_stats' last row is at END - 1 h and its TTL is 2 h: END + 1 h is exactly on the bound.
  { label: 'ttl bound', driver: 5010, customer: 1010, ms: END + HOUR_MS },
  { label: 'ttl bound + 1us', driver: 5010, customer: 1010, ms: END + HOUR_MS, extraMicros: 1 },
  { label: 'at an event time', driver: 5012, customer: 1012, ms: END - 5 * HOUR_MS },
  {
    label: '1us before an event time',
    driver: 5012,
    customer: 1012,
    ms: END - 5 * HOUR_MS - 1000,
    extraMicros: 999_999,
  },
  {
    label: 'backfilled (later created)',
    driver: driverNotes.backfills[0]!.driverId,
    customer: 1008,
    ms: driverNotes.backfills[0]!.eventTimestampMs + 30 * 60_000,
  },
  {
    label: 'backfilled, at its event time',
    driver: driverNotes.backfills[1]!.driverId,
    customer: 1008,
    ms: driverNotes.backfills[1]!.eventTimestampMs,
  },
  {
    label: 'created-time tie',
    driver: driverNotes.createdTies[0]!.driverId,
    customer: 1009,
    ms: driverNotes.createdTies[0]!.eventTimestampMs,
  },
  {
    label: 'triplicated source row',
    driver: driverNotes.duplicatedRow.driverId,
    customer: 1012,
    ms: driverNotes.duplicatedRow.eventTimestampMs,
  },
  { label: 'after every row', driver: 5005, customer: 1005, ms: END + 6 * HOUR_MS },
  { label: 'before the window', driver: 5006, customer: 1006, ms: DATASET_START_MS - 3 * HOUR_MS },
  { label: 'near the 2021 row', driver: 5007, customer: 1007, ms: Date.UTC(2021, 3, 12, 8) },
  {
    label: '2021 row + ttl + 1us',
    driver: 5007,
    customer: 1007,
    ms: Date.UTC(2021, 3, 12, 9),
    extraMicros: 1,
  },
  { label: 'unknown driver', driver: 9001, customer: 1007, ms: END - 5 * HOUR_MS },
  { label: 'unknown customer', driver: 5007, customer: 4242, ms: END - 5 * HOUR_MS },
  { label: 'null driver', driver: null, customer: 1003, ms: END - 5 * HOUR_MS },
  { label: 'duplicate entity row', driver: 5011, customer: 1011, ms: END - 2 * HOUR_MS },
  { label: 'duplicate entity row', driver: 5011, customer: 1011, ms: END - 2 * HOUR_MS },
  ...[0, 1, 2, 3, 19].map((i) => ({
    label: `order ${i}`,
    driver: orderDrivers[i]!,
    customer: orderCustomers[i]!,
    ms: orderTimes[i]!,
  })),
];

const EDGE_COLUMNS = ['driver_id', 'customer_id', 'event_timestamp', 'Case'];

function edgeCsv(rows: readonly EdgeRow[] = EDGE_ROWS): string {
  return entityCsv(
    EDGE_COLUMNS,
    rows.map((row, i) => [
      row.driver,
      row.customer,
      timestampText(row.ms, MIXED_NOTATIONS[i % MIXED_NOTATIONS.length], row.extraMicros ?? 0),
      row.label,
    ]),
  );
}

function edgeEntityRows(rows: readonly EdgeRow[] = EDGE_ROWS): ReferenceRow[] {
  return rows.map((row) => ({
    driver_id: row.driver,
    customer_id: row.customer,
    event_timestamp: micros(row.ms, row.extraMicros ?? 0),
    Case: row.label,
  }));
}

const SHORT_FEATURES = [
  'driver_hourly_stats:conv_rate',
  'driver_hourly_stats:acc_rate',
  'driver_hourly_stats:avg_daily_trips',
  'customer_profile:current_balance',
  'customer_profile:lifetime_trip_count',
  'global_stats:num_rides',
  'global_stats:avg_ride_length',
  'order_outcomes:order_is_success',
  'driver_trips:trips_today',
];

function byLabel(rows: Record<string, unknown>[], label: string): Record<string, unknown> {
  const found = rows.filter((row) => row.Case === label);
  expect(found.length).toBeGreaterThan(0);
  return found[0]!;
}

describe('point-in-time semantics against the reference', () => {
  it('gets every edge right with short feature names: TTL bounds, backfills, ties, unknown keys, duplicates', async () => {
    const { result, rows } = await retrieveAndCompare(frameOf(edgeCsv()), edgeEntityRows(), {
      features: SHORT_FEATURES,
    });
    // The reference agrees; these spell out what it says for the cases that matter most.
    const hourly = (label: string) => byLabel(rows, label).avg_daily_trips;
    expect(hourly('ttl bound')).not.toBeNull();
    expect(hourly('ttl bound + 1us')).toBeNull();
    expect(byLabel(rows, 'ttl bound + 1us').current_balance).not.toBeNull();
    expect(hourly('at an event time')).not.toBe(hourly('1us before an event time'));
    expect(hourly('backfilled (later created)')).toBe('1001');
    expect(hourly('backfilled, at its event time')).toBe('1002');
    expect(hourly('near the 2021 row')).not.toBeNull();
    expect(hourly('2021 row + ttl + 1us')).toBeNull();
    for (const label of ['after every row', 'before the window', 'unknown driver', 'null driver']) {
      expect(hourly(label)).toBeNull();
    }
    expect(byLabel(rows, 'unknown customer').current_balance).toBeNull();
    const duplicates = rows.filter((row) => row.Case === 'duplicate entity row');
    expect(duplicates).toHaveLength(2);
    expect(duplicates[0]).toEqual(duplicates[1]);
    expect(byLabel(rows, 'order 0').order_is_success).not.toBeNull();
    // Types as staged and unloaded: exact int64, timestamps in UTC microseconds, doubles.
    expect(typeNames(result)).toMatchObject({
      driver_id: 'Int64',
      event_timestamp: 'Timestamp<MICROSECOND, UTC>',
      Case: 'Utf8',
      conv_rate: 'Float64',
      avg_daily_trips: 'Int64',
    });
  });

  it('breaks a created-time tie by the smallest feature values (one row where Feast gives two)', async () => {
    const { rows } = await retrieveAndCompare(
      frameOf(edgeCsv(EDGE_ROWS.filter((r) => r.label === 'created-time tie'))),
      edgeEntityRows(EDGE_ROWS.filter((r) => r.label === 'created-time tie')),
      { features: ['driver_hourly_stats:conv_rate', 'driver_hourly_stats:avg_daily_trips'] },
    );
    const tied = tables
      .find((t) => t.name === 'driver_hourly_stats')!
      .rows.filter(
        (r) =>
          r.driver_id === driverNotes.createdTies[0]!.driverId &&
          r.event_timestamp === micros(driverNotes.createdTies[0]!.eventTimestampMs),
      );
    expect(tied).toHaveLength(2);
    const smallest = Math.min(...tied.map((r) => r.conv_rate as number));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.conv_rate).toBe(comparable(smallest));
  });

  it('uses full feature names, a view without TTL and the created-timestamp filter', async () => {
    const features = [...SHORT_FEATURES, 'driver_all_time:avg_daily_trips'];
    const plain = await retrieveAndCompare(frameOf(edgeCsv()), edgeEntityRows(), {
      features,
      fullFeatureNames: true,
    });
    expect(plain.result.schema.fields.map((f) => f.name).slice(4, 7)).toEqual([
      'driver_hourly_stats__conv_rate',
      'driver_hourly_stats__acc_rate',
      'driver_hourly_stats__avg_daily_trips',
    ]);
    // TTL 0: rows far outside the 2 h window still find the last row before them.
    expect(byLabel(plain.rows, 'after every row').driver_all_time__avg_daily_trips).not.toBeNull();
    expect(byLabel(plain.rows, '2021 row + ttl + 1us').driver_all_time__avg_daily_trips).not.toBeNull();
    expect(byLabel(plain.rows, 'before the window').driver_all_time__avg_daily_trips).not.toBeNull();

    const filtered = await retrieveAndCompare(frameOf(edgeCsv()), edgeEntityRows(), {
      features,
      fullFeatureNames: true,
      filterByCreatedTimestamp: true,
    });
    // The backfill was created a day after its event: with the filter the row known at the time wins.
    const trips = (rows: Record<string, unknown>[]) =>
      byLabel(rows, 'backfilled (later created)').driver_hourly_stats__avg_daily_trips;
    expect(trips(plain.rows)).toBe('1001');
    expect(trips(filtered.rows)).not.toBe('1001');
    expect(trips(filtered.rows)).not.toBeNull();
  });

  it('gives each key-collision pair its own features (Feast concatenates keys without a separator)', async () => {
    const t = EDGE_TIME_MS + HOUR_MS;
    const csv = entityCsv(
      ['k1', 'k2', 'c1', 'c2', 'event_timestamp'],
      [
        [1, 12, 'a', 'bc', timestampText(t)],
        [11, 2, 'ab', 'c', timestampText(t)],
        [1, 12, 'ab', 'c', timestampText(t)],
        [11, 2, 'a', 'bc', timestampText(EDGE_TIME_MS - HOUR_MS)],
      ],
    );
    const entityRows = [
      { k1: 1, k2: 12, c1: 'a', c2: 'bc', event_timestamp: micros(t) },
      { k1: 11, k2: 2, c1: 'ab', c2: 'c', event_timestamp: micros(t) },
      { k1: 1, k2: 12, c1: 'ab', c2: 'c', event_timestamp: micros(t) },
      { k1: 11, k2: 2, c1: 'a', c2: 'bc', event_timestamp: micros(EDGE_TIME_MS - HOUR_MS) },
    ];
    const { rows } = await retrieveAndCompare(frameOf(csv), entityRows, {
      features: ['pair_stats:score', 'code_pairs:label'],
    });
    expect(rows.map((r) => [r.score, r.label])).toEqual([
      ['112', 'a|bc'],
      ['1102', 'ab|c'],
      ['112', 'ab|c'],
      ['1101', null],
    ]);
  });

  it('keeps int8 keys and values above 2^53 exact', async () => {
    const t = timestampText(EDGE_TIME_MS + HOUR_MS);
    const keys = [...BIG_KEYS, 9007199254740995n];
    // The event time column is found as Feast does: no event_timestamp, so the only timestamp column.
    const frame = frameOf(
      entityCsv(
        ['account_id', 'as_of'],
        keys.map((k) => [k, t]),
      ),
    );
    expect(frame.timestampColumn).toBe('as_of');
    const entityRows = keys.map((k) => ({ account_id: k, as_of: micros(EDGE_TIME_MS + HOUR_MS) }));
    const { rows } = await retrieveAndCompare(frame, entityRows, { features: ['account_stats:balance'] });
    expect(rows.map((r) => r.account_id)).toEqual(keys.map(String));
    expect(rows.map((r) => r.balance)).toEqual([
      '-9223372036854775807',
      '-9223372036854775806',
      '-9223372036854775805',
      '-9223372036854775804',
      null,
    ]);
  });

  it('joins on text keys longer than 256 bytes and returns long text features intact', async () => {
    const t = timestampText(EDGE_TIME_MS + HOUR_MS);
    const ids = [longMerchantId(2), longMerchantId(0), `${longMerchantId(1)}x`];
    const frame = frameOf(
      entityCsv(
        ['merchant_id', 'event_timestamp'],
        ids.map((id) => [id, t]),
      ),
    );
    expect(frame.columns[0]).toMatchObject({ type: 'string', maxByteLength: Buffer.byteLength(ids[2]!) });
    const entityRows = ids.map((id) => ({
      merchant_id: id,
      event_timestamp: micros(EDGE_TIME_MS + HOUR_MS),
    }));
    const { rows } = await retrieveAndCompare(frame, entityRows, {
      features: ['merchant_stats:description'],
    });
    expect(rows.map((r) => r.merchant_id)).toEqual(ids);
    expect(rows[2]!.description).toBeNull();
    expect(String(rows[0]!.description)).toMatch(/^shop, "quoted"; .*2$/);
  });

  it('reads a query source whose SQL has a quote, a backslash and a trailing semicolon', async () => {
    const t = timestampText(EDGE_TIME_MS + HOUR_MS);
    const keys = [
      ['a', 'bc'],
      ['ab', 'c'],
      ['x', 'y'],
    ];
    const frame = frameOf(
      entityCsv(
        ['c1', 'c2', 'event_timestamp'],
        keys.map(([c1, c2]) => [c1!, c2!, t]),
      ),
    );
    const entityRows = keys.map(([c1, c2]) => ({
      c1: c1!,
      c2: c2!,
      event_timestamp: micros(EDGE_TIME_MS + HOUR_MS),
    }));
    const job = jobFor(frame, { features: ['code_labels:label'] });
    const plan = await job.plan();
    expect(plan.groups[0]!.source).toMatchObject({ kind: 'query' });
    const result = await job.toArrow();
    expectMatchesReference(result, plan, entityRows, () => codePairs().rows);
    expect(resultRows(result).map((r) => r.label)).toEqual(['a|bc', 'ab|c', null]);
  });

  it('runs retrievals side by side, each in its own run', async () => {
    const demoFrame = demoEntityFrame();
    const [edges, demo] = await Promise.all([
      retrieveAndCompare(frameOf(edgeCsv()), edgeEntityRows(), { features: SHORT_FEATURES }),
      retrieveAndCompare(frameOf(datasetToCsv(demoFrame)), datasetRows(demoFrame), {
        featureService: DEMO_SERVICE_WITHOUT_ODFV,
      }),
    ]);
    expect([edges.rows.length, demo.rows.length]).toEqual([EDGE_ROWS.length, demoFrame.rowCount]);
  });

  // The service's on-demand view needs Python; its SQL part is what is checked here.
  it("runs the demo repo's feature service (join_key_map, alias, field mapping, entityless view)", async () => {
    const demoFrame = demoEntityFrame();
    const frame = frameOf(datasetToCsv(demoFrame));
    const { rows } = await retrieveAndCompare(frame, datasetRows(demoFrame), {
      featureService: DEMO_SERVICE_WITHOUT_ODFV,
    });
    expect(rows).toHaveLength(demoFrame.rowCount);
    // The alias reads driver_trips through previous_driver_id: at least one row differs from driver_id's.
    expect(rows.some((r) => r.trips_today !== null)).toBe(true);
    const full = await retrieveAndCompare(frame, datasetRows(demoFrame), {
      featureService: DEMO_SERVICE_WITHOUT_ODFV,
      fullFeatureNames: true,
    });
    expect(full.result.schema.fields.map((f) => f.name)).toContain('previous_driver_trips__trips_today');
  });
});

describe('entity frames', () => {
  it('keeps the schema of a zero-row frame, through toArrow and toArrowBatches', async () => {
    const frame = frameOf('driver_id,customer_id,event_timestamp\n', {
      driver_id: 'int64',
      customer_id: 'int64',
    });
    const job = jobFor(frame, { features: SHORT_FEATURES.slice(0, 4) });
    const table = await job.toArrow();
    expect(table.numRows).toBe(0);
    expect(typeNames(table)).toEqual({
      driver_id: 'Int64',
      customer_id: 'Int64',
      event_timestamp: 'Timestamp<MICROSECOND, UTC>',
      conv_rate: 'Float64',
      acc_rate: 'Float64',
      avg_daily_trips: 'Int64',
      current_balance: 'Float64',
    });
    const batches: arrow.RecordBatch[] = [];
    for await (const batch of job.toArrowBatches()) batches.push(batch);
    expect(batches.reduce((n, b) => n + b.numRows, 0)).toBe(0);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches[0]!.schema.fields.map((f) => [f.name, String(f.type)])).toEqual(
      table.schema.fields.map((f) => [f.name, String(f.type)]),
    );
  });

  it("keeps the frame's column names, which Redshift folds to lower case, in batches and empty results", async () => {
    const spec: RetrievalSpec = { features: SHORT_FEATURES.slice(0, 2) };
    const names = [...EDGE_COLUMNS, 'conv_rate', 'acc_rate'];
    let rows = 0;
    for await (const batch of jobFor(frameOf(edgeCsv()), spec).toArrowBatches()) {
      expect(batch.schema.fields.map((f) => f.name)).toEqual(names);
      rows += batch.numRows;
    }
    expect(rows).toBe(EDGE_ROWS.length);
    const empty = frameOf(`${EDGE_COLUMNS.join(',')}\n`, { driver_id: 'int64', customer_id: 'int64' });
    const table = await jobFor(empty, spec).toArrow();
    expect(table.schema.fields.map((f) => f.name)).toEqual(names);
    for await (const batch of jobFor(empty, spec).toArrowBatches()) {
      expect(batch.schema.fields.map((f) => f.name)).toEqual(names);
    }
  });

  it('runs an SQL entity frame (column order of the query, rows matched 1:1)', async () => {
    const sql =
      'SELECT order_id, driver_id, customer_id, event_timestamp FROM public.orders WHERE order_id < 112;';
    const job = new RetrievalJob(warehouse, registry, { kind: 'sql', sql }, { features: SHORT_FEATURES });
    const plan = await job.plan();
    const result = await job.toArrow();
    const entityRows = datasetRows(ordersData)
      .filter((r) => (r.order_id as number) < 112)
      .map((r) => ({
        order_id: r.order_id!,
        driver_id: r.driver_id!,
        customer_id: r.customer_id!,
        event_timestamp: r.event_timestamp!,
      }));
    expect(result.schema.fields.map((f) => f.name).slice(0, 4)).toEqual([
      'order_id',
      'driver_id',
      'customer_id',
      'event_timestamp',
    ]);
    // An SQL frame has no row order of its own: compare as a multiset, one result row per entity row.
    const byOrder = (rows: Record<string, unknown>[]) =>
      [...rows].sort((a, b) => Number(a.order_id) - Number(b.order_id));
    expect(byOrder(resultRows(result))).toEqual(byOrder(referenceRows(plan, entityRows, rowsOf)));
    expect(result.numRows).toBe(12);
  });

  it('stages in a schema other than public', async () => {
    await sandbox.query('CREATE SCHEMA IF NOT EXISTS ml_staging');
    const staging = openWarehouse(config, {
      connection: sandboxConnection(sandbox),
      retry: TEST_RETRY,
      poll: TEST_POLL,
      stagingSchema: 'ml_staging',
    });
    try {
      const seen: Promise<{ rows: (string | null)[][] }>[] = [];
      const frame = frameOf(edgeCsv());
      const job = jobFor(frame, { features: SHORT_FEATURES }, staging);
      const result = await job.toArrow({
        onProgress: (event) => {
          if (event.phase === 'unload' && event.state === 'started') {
            seen.push(
              sandbox.query(
                `SELECT table_schema FROM information_schema.tables WHERE table_name LIKE 'fwb%'`,
              ),
            );
          }
        },
      });
      expect(result.numRows).toBe(EDGE_ROWS.length);
      expect(seen).toHaveLength(1);
      expect((await seen[0]!).rows).toEqual([['ml_staging']]);
      expectMatchesReference(result, await job.plan(), edgeEntityRows(), rowsOf);
    } finally {
      staging.close();
    }
  });
});

describe('targets', () => {
  /** Records the connection fields of every Data API request a warehouse sends. */
  function recordRequests(on: Warehouse): Record<string, unknown>[] {
    const seen: Record<string, unknown>[] = [];
    on.clients.redshiftData.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as Record<string, unknown>;
        if (String(context.commandName).match(/^(Batch)?ExecuteStatement|DescribeTable/)) {
          seen.push({
            ClusterIdentifier: input.ClusterIdentifier,
            DbUser: input.DbUser,
            WorkgroupName: input.WorkgroupName,
            Database: input.Database,
          });
        }
        return next(args);
      },
      { step: 'initialize', name: 'recordConnectionFields' },
    );
    return seen;
  }

  it('reaches a cluster with ClusterIdentifier + DbUser and Serverless with WorkgroupName, same result', async () => {
    // The demo's feature_store.yaml with the Serverless form Feast documents: workgroup instead of cluster_id + user.
    const yaml = (await readFile(path.join(DEMO_DIR, 'feature_store.yaml'), 'utf8'))
      .replace('  cluster_id: feast-cluster\n', '  workgroup: feast-workgroup\n')
      .replace('  user: awsuser\n', '');
    const parsed = parseRepoConfig(yaml, { file: 'feature_store.yaml', repoDir: DEMO_DIR });
    expect(parsed.problems).toEqual([]);
    const serverlessConfig = parsed.config!;
    expect(serverlessConfig.offlineStore.target).toEqual({
      kind: 'serverless',
      workgroup: 'feast-workgroup',
    });
    const cluster = openWarehouse(config, {
      connection: sandboxConnection(sandbox),
      retry: TEST_RETRY,
      poll: TEST_POLL,
    });
    const serverless = openWarehouse(serverlessConfig, {
      connection: sandboxConnection(sandbox),
      retry: TEST_RETRY,
      poll: TEST_POLL,
    });
    try {
      const clusterSeen = recordRequests(cluster);
      const serverlessSeen = recordRequests(serverless);
      const frame = frameOf(edgeCsv());
      const a = await retrieveAndCompare(frame, edgeEntityRows(), { features: SHORT_FEATURES }, cluster);
      const b = await retrieveAndCompare(frame, edgeEntityRows(), { features: SHORT_FEATURES }, serverless);
      expect(b.rows).toEqual(a.rows);
      expect(clusterSeen.length).toBeGreaterThan(1);
      for (const fields of clusterSeen) {
        expect(fields).toEqual({
          ClusterIdentifier: 'feast-cluster',
          DbUser: 'awsuser',
          WorkgroupName: undefined,
          Database: 'dev',
        });
      }
      expect(serverlessSeen.length).toBeGreaterThan(1);
      for (const fields of serverlessSeen) {
        expect(fields).toEqual({
          ClusterIdentifier: undefined,
          DbUser: undefined,
          WorkgroupName: 'feast-workgroup',
          Database: 'dev',
        });
      }
    } finally {
      cluster.close();
      serverless.close();
    }
  });
});

describe('results', () => {
  function multiset(rows: Record<string, unknown>[]): string[] {
    return rows.map((row) => JSON.stringify(row)).sort();
  }

  it('streams the same rows with toArrowBatches, one UNLOAD part at a time', async () => {
    const demoFrame = demoEntityFrame();
    const frame = frameOf(datasetToCsv(demoFrame));
    const spec: RetrievalSpec = { featureService: DEMO_SERVICE_WITHOUT_ODFV };
    const whole = await jobFor(frame, spec).toArrow();
    sandbox.faults.resetCounts();
    const batches: arrow.RecordBatch[] = [];
    const downloadsAtFirstBatch: number[] = [];
    const events: ProgressEvent[] = [];
    for await (const batch of jobFor(frame, spec).toArrowBatches({ onProgress: (e) => events.push(e) })) {
      if (batches.length === 0) downloadsAtFirstBatch.push(sandbox.faults.calls('GetObject'));
      batches.push(batch);
    }
    const parts = sandbox.faults.calls('GetObject');
    // The download shows as a phase, part by part, as it does for toArrow.
    const downloads = events.filter((e) => e.phase === 'download');
    expect(downloads.map((e) => e.state)).toEqual(['started', ...Array(parts).fill('running'), 'finished']);
    expect(parts).toBeGreaterThanOrEqual(Math.ceil(demoFrame.rowCount / UNLOAD_ROWS_PER_FILE));
    // The first batch arrived after one download: the parts are not all fetched before anything is yielded.
    expect(downloadsAtFirstBatch).toEqual([1]);
    for (const batch of batches) expect(batch.numRows).toBeLessThanOrEqual(UNLOAD_ROWS_PER_FILE);
    expect(batches[0]!.schema.fields.map((f) => f.name)).toEqual(whole.schema.fields.map((f) => f.name));
    const streamed = batches.flatMap((batch) => resultRows(new arrow.Table([batch])));
    expect(multiset(streamed)).toEqual(multiset(resultRows(whole)));
  });

  it('cleans up when the consumer of toArrowBatches stops early', async () => {
    const frame = frameOf(datasetToCsv(demoEntityFrame()));
    let seen = 0;
    for await (const batch of jobFor(frame, { featureService: DEMO_SERVICE_WITHOUT_ODFV }).toArrowBatches()) {
      seen += batch.numRows;
      break;
    }
    expect(seen).toBeGreaterThan(0);
    // afterEach checks that nothing is left.
  });

  it('writes to a Redshift table, refuses to replace it, and replaces it with allowOverwrite', async () => {
    const destination = { schema: 'public', name: 'training_set_e2e' };
    const frame = frameOf(edgeCsv());
    const spec: RetrievalSpec = { features: SHORT_FEATURES };
    const expected = await jobFor(frame, spec).toArrow();
    const readBack = async () => {
      const statement = await warehouse.executor.execute(`SELECT * FROM "public"."training_set_e2e"`);
      return resultPagesToArrow(warehouse.executor.resultPages(statement.id));
    };
    try {
      const written = await jobFor(frame, spec).toRedshift(destination);
      expect(written).toMatchObject({ table: '"public"."training_set_e2e"', rows: EDGE_ROWS.length });
      const table = await readBack();
      // Redshift folds the quoted "Case" to lower case; the values are what toArrow returns.
      expect(table.schema.fields.map((f) => f.name)).toEqual(
        expected.schema.fields.map((f) => f.name.toLowerCase()),
      );
      const lower = (rows: Record<string, unknown>[]) =>
        rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k.toLowerCase(), v])));
      expect(multiset(lower(resultRows(table)))).toEqual(multiset(lower(resultRows(expected))));

      sandbox.faults.resetCounts();
      const refused = await engineError(jobFor(frame, spec).toRedshift(destination));
      expect(refused).toMatchObject({ kind: 'PlanInvalid' });
      expect(refused.kind === 'PlanInvalid' && refused.reason).toMatch(/already exists/);
      expect(sandbox.faults.calls('PutObject')).toBe(0);

      const fewer = frameOf(edgeCsv(EDGE_ROWS.slice(0, 3)));
      await jobFor(fewer, spec).toRedshift(destination, { allowOverwrite: true });
      expect((await readBack()).numRows).toBe(3);
    } finally {
      await sandbox.query(`DROP TABLE IF EXISTS public.training_set_e2e`);
    }
  });

  it('previews SQL without writing anything', async () => {
    const job = jobFor(frameOf(edgeCsv()), { features: SHORT_FEATURES });
    const sql = await job.toSql();
    expect(sql).toMatch(/"driver_hourly_stats"/);
    expect(sandbox.faults.calls('PutObject')).toBe(0);
    expect(sandbox.faults.calls('ExecuteStatement') + sandbox.faults.calls('BatchExecuteStatement')).toBe(0);
  });
});

describe('failures, cancellation and cleanup', () => {
  const frame = () => frameOf(edgeCsv());
  const spec: RetrievalSpec = { features: SHORT_FEATURES };

  it('refuses a request mistake before anything is uploaded', async () => {
    const error = await engineError(
      jobFor(frame(), { features: ['driver_hourly_stats:no_such_feature'] }).toArrow(),
    );
    expect(['NotFound', 'PlanInvalid']).toContain(error.kind);
    expect(JSON.stringify(error)).toMatch(/no_such_feature/);
    expect(sandbox.faults.calls('PutObject')).toBe(0);
    expect(sandbox.faults.calls('BatchExecuteStatement') + sandbox.faults.calls('ExecuteStatement')).toBe(0);
  });

  it('cleans up after the UNLOAD fails, and says what Redshift said', async () => {
    sandbox.faults.failStatements('ERROR: Specified unload destination on S3 is not empty', {
      match: /^UNLOAD/,
    });
    const error = await engineError(jobFor(frame(), spec).toArrow());
    expect(error).toMatchObject({
      kind: 'StatementFailed',
      message: 'ERROR: Specified unload destination on S3 is not empty',
    });
    expect(error.kind === 'StatementFailed' && error.sqlExcerpt).toMatch(/^UNLOAD/);
    await expectNothingLeft();
  });

  it('cleans up after the COPY fails (the batch rolls back; the Parquet object goes)', async () => {
    sandbox.faults.failStatements("ERROR: Load into table 'x' failed", { match: /^COPY/ });
    const error = await engineError(jobFor(frame(), spec).toArrow());
    expect(error).toMatchObject({ kind: 'StatementFailed', message: "ERROR: Load into table 'x' failed" });
    // (The sandbox's failStatements knob fails a batch at its first statement; executor.integration.test.ts
    // checks that a real failure of a later statement is named by its sub-statement id.)
    expect(error.kind === 'StatementFailed' && error.statementId).toMatch(/^[0-9a-f-]{36}:\d$/);
    await expectNothingLeft();
  });

  it('cancels mid-run: the UNLOAD is cancelled in Redshift and nothing is left', async () => {
    sandbox.faults.delayStatements(30_000, { match: /^UNLOAD/ });
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const options: JobOptions = {
      signal: controller.signal,
      onProgress: (event) => {
        events.push(event);
        if (event.phase === 'unload' && event.status === 'STARTED') controller.abort();
      },
    };
    const error = await engineError(jobFor(frame(), spec).toArrow(options));
    expect(error.kind).toBe('Cancelled');
    expect(sandbox.faults.calls('CancelStatement')).toBeGreaterThan(0);
    expect(events.some((e) => e.phase === 'cleanup' && e.state === 'finished')).toBe(true);
    await expectNothingLeft();
  });

  it('cancels during the COPY: the staging batch is rolled back and the object removed', async () => {
    sandbox.faults.delayStatements(30_000, { match: /^COPY/ });
    const controller = new AbortController();
    const error = await engineError(
      jobFor(frame(), spec).toArrow({
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === 'copy' && event.status === 'STARTED') controller.abort();
        },
      }),
    );
    expect(error.kind).toBe('Cancelled');
    await expectNothingLeft();
  });

  it('reports a cancel before or during the upload as Cancelled, not as an AWS error', async () => {
    const controller = new AbortController();
    controller.abort();
    expect((await engineError(jobFor(frame(), spec).toArrow({ signal: controller.signal }))).kind).toBe(
      'Cancelled',
    );
    const during = new AbortController();
    const error = await engineError(
      jobFor(frame(), spec).toArrow({
        signal: during.signal,
        onProgress: (event) => {
          if (event.phase === 'upload' && event.state === 'started') during.abort();
        },
      }),
    );
    expect(error.kind).toBe('Cancelled');
  });

  it('reports a cancel during the download as Cancelled', async () => {
    const controller = new AbortController();
    const error = await engineError(
      jobFor(frame(), spec).toArrow({
        signal: controller.signal,
        onProgress: (event) => {
          if (event.phase === 'download' && event.state === 'started') controller.abort();
        },
      }),
    );
    expect(error.kind).toBe('Cancelled');
  });

  it('retries throttled calls and dropped downloads, and still returns the exact result', async () => {
    sandbox.faults.throttle('PutObject', 2);
    sandbox.faults.throttle('DescribeStatement', 3);
    sandbox.faults.throttle('BatchExecuteStatement', 1);
    sandbox.faults.dropConnection('GetObject', { times: 1 });
    await retrieveAndCompare(frame(), edgeEntityRows(), spec);
    expect(sandbox.faults.calls('PutObject')).toBe(3);
    expect(sandbox.faults.calls('BatchExecuteStatement')).toBe(2);
  });

  it('gives up on throttling after the retry budget with a Throttled error naming the attempts', async () => {
    sandbox.faults.throttle('PutObject', 100);
    const error = await engineError(jobFor(frame(), spec).toArrow());
    expect(error).toEqual({ kind: 'Throttled', operation: 's3 PutObject', attempts: TEST_RETRY.maxAttempts });
    expect(sandbox.faults.calls('PutObject')).toBe(TEST_RETRY.maxAttempts);
    sandbox.faults.reset();
    await expectNothingLeft();
  });

  it('maps an S3 AccessDenied to the action and object that were refused, without retrying', async () => {
    sandbox.faults.failS3('PutObject', { status: 403, code: 'AccessDenied', message: 'Access Denied' });
    const error = await engineError(jobFor(frame(), spec).toArrow());
    expect(error).toMatchObject({ kind: 'AccessDenied', action: 's3:PutObject' });
    expect(error.kind === 'AccessDenied' && error.resource).toMatch(
      /^arn:aws:s3:::feast-demo-bucket\/staging\/fwb\/fwb_\d{8}t\d{6}_[0-9a-f]{8}\/entities\.parquet$/,
    );
    expect(sandbox.faults.calls('PutObject')).toBe(1);
  });
});

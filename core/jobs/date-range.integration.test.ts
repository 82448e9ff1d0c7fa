/**
 * Date-range retrieval (no entity frame) through the real SDK against the sandbox, with a cluster config and a
 * workgroup config. The entity rows are checked against the rule written out row by row below, the features
 * against the point-in-time reference, and the whole result against a retrieval with those rows as an entity
 * frame.
 */

import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkbenchError } from '../contract/errors';
import { readCsvEntityFrame } from '../frames/csv';
import { toRegistryModel } from '../registry/convert';
import type { RegistryModel } from '../registry/model';
import type { PlanGroup, RetrievalPlan } from '../plan/types';
import { startSandbox, type Sandbox } from '../sandbox/index';
import { DEMO_PROJECT, demoRegistryDocument } from '../testing/demo-repo';
import {
  referencePointInTime,
  referenceViewsFromPlan,
  timestampOf,
  type ReferenceRow,
  type ReferenceValue,
} from '../testing/reference-pit';
import type { Warehouse } from '../warehouse/warehouse';
import { RetrievalJob, type RetrievalSpec } from './retrieval';
import {
  demoSourceRows,
  EXPECTED_TARGET,
  openTestWarehouse,
  plainRows,
  plainValue,
  TARGETS,
  TEST_BUCKET,
  testConfig,
  testRegistry,
  targetsUsed,
  type PlainValue,
  type TargetRecord,
} from './test-fixtures';
import path from 'node:path';

const DEMO_DATA = path.resolve(import.meta.dirname, '../../assets/demo/data');

/**
 * The rule, row by row: every source row of a view with join keys whose event time is in [start, end] and whose
 * join keys are all set gives the tuple (its keys under their entity column names, other keys NULL, its event
 * time); entityless views count only when no view has join keys; distinct tuples, ordered by event time, then keys
 * (NULL last).
 */
function referenceRangeRows(
  plan: RetrievalPlan,
  rowsOf: (group: PlanGroup) => readonly ReferenceRow[],
  start: string,
  end: string,
): ReferenceRow[] {
  const from = timestampOf(start)!;
  const to = timestampOf(end)!;
  const keyColumns = plan.outputColumns
    .filter((column) => column.kind === 'entity' && column.name !== 'event_timestamp')
    .map((column) => column.name);
  const keyed = plan.groups.filter((group) => group.joinKeys.length > 0);
  const tuples = new Map<string, ReferenceRow>();
  for (const group of keyed.length > 0 ? keyed : plan.groups) {
    for (const row of rowsOf(group)) {
      const at = timestampOf(row[group.timestampColumn] ?? null);
      if (at === null || at < from || at > to) continue;
      if (group.joinKeys.some((key) => (row[key.sourceColumn] ?? null) === null)) continue;
      const tuple: Record<string, ReferenceValue> = {};
      for (const column of keyColumns) {
        const key = group.joinKeys.find((candidate) => candidate.entityColumn === column);
        tuple[column] = key ? (row[key.sourceColumn] ?? null) : null;
      }
      tuple.event_timestamp = new Date(Number(at / 1000n));
      tuples.set(JSON.stringify({ ...tuple, event_timestamp: String(at) }), tuple);
    }
  }
  const compare = (a: ReferenceValue, b: ReferenceValue) => {
    if (a === b) return 0;
    if (a === null) return 1;
    if (b === null) return -1;
    return (a as number | string) < (b as number | string) ? -1 : 1;
  };
  return [...tuples.values()].sort((a, b) => {
    const ta = timestampOf(a.event_timestamp!)!;
    const tb = timestampOf(b.event_timestamp!)!;
    if (ta !== tb) return ta < tb ? -1 : 1;
    for (const column of keyColumns) {
      const order = compare(a[column] ?? null, b[column] ?? null);
      if (order !== 0) return order;
    }
    return 0;
  });
}

function plainOf(rows: readonly Record<string, ReferenceValue>[]): Record<string, PlainValue>[] {
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([key, value]) => [key, plainValue(value)])),
  );
}

/** The expected result: the rule's entity rows, then the point-in-time reference over them. */
function expectedResult(
  plan: RetrievalPlan,
  rowsOf: (group: PlanGroup) => readonly ReferenceRow[],
  start: string,
  end: string,
) {
  const entityRows = referenceRangeRows(plan, rowsOf, start, end);
  const features = referencePointInTime({
    entityRows,
    entityColumns: plan.outputColumns.filter((c) => c.kind === 'entity').map((c) => c.name),
    entityTimestampColumn: 'event_timestamp',
    views: referenceViewsFromPlan(plan, rowsOf),
    filterByCreatedTimestamp: false,
  });
  return { entityRows, rows: plainOf(features) };
}

/** Entity rows as CSV text, for the same retrieval with an entity frame. */
function csvOf(rows: Record<string, PlainValue>[], columns: string[]): Uint8Array {
  const lines = [
    columns.join(','),
    ...rows.map((row) => columns.map((c) => (row[c] === null ? '' : String(row[c]))).join(',')),
  ];
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

// Small tables for the rules the demo data does not exercise: naive and zoned event times in one result, NULL
// keys, duplicates, boundaries, an entityless view, field mapping on a key, a join_key_map.
const CUSTOM_ROWS = {
  range_a: [
    { event_timestamp: '2026-02-01 10:00:00', user_id: 1, score: 0.5 },
    { event_timestamp: '2026-02-01 10:00:00', user_id: 1, score: 0.5 }, // duplicate: one entity row
    { event_timestamp: '2026-02-01 11:00:00', user_id: null, score: 0.6 }, // no key: no entity row
    { event_timestamp: '2026-02-01 12:00:00', user_id: 2, score: 0.7 }, // exactly the end: in
    { event_timestamp: '2026-02-01 09:59:59', user_id: 3, score: 0.8 }, // a second before the start: out
  ],
  range_b: [
    { ts: '2026-02-01 10:00:00+00', uid: 1, item: 'x', price: 9.5 },
    { ts: '2026-02-01 12:00:00+01', uid: 4, item: 'y', price: 3.5 }, // 11:00 UTC
    { ts: '2026-02-01 11:00:00+00', uid: 2, item: null, price: 1.5 }, // NULL item: no entity row
  ],
  range_g: [
    { event_timestamp: '2026-02-01 10:30:00+00', total: 100 },
    { event_timestamp: '2026-02-01 11:30:00+00', total: 200 },
    { event_timestamp: '2026-02-02 11:30:00+00', total: 300 }, // after the end
  ],
} as const;

const CUSTOM = testRegistry(
  [
    {
      name: 'a',
      table: 'range_a',
      keys: [['user_id', 'INT64']],
      features: [['score', 'DOUBLE']],
      ttlSeconds: 0,
    },
    {
      name: 'b',
      table: 'range_b',
      timestampField: 'ts',
      keys: [
        ['user_id', 'INT64'],
        ['item', 'STRING'],
      ],
      features: [['price', 'DOUBLE']],
      ttlSeconds: 0,
      fieldMapping: { uid: 'user_id' },
    },
    { name: 'g', table: 'range_g', keys: [], features: [['total', 'INT64']], ttlSeconds: 0 },
  ],
  {
    featureServices: [
      {
        spec: {
          name: 'mapped',
          project: 'jobs_test',
          features: [
            {
              featureViewName: 'a',
              featureViewNameAlias: 'buyer',
              joinKeyMap: { user_id: 'buyer_id' },
              featureColumns: [{ name: 'score', valueType: 5 }],
            },
          ],
        },
      },
    ],
  },
).model;

function customRows(group: PlanGroup): ReferenceRow[] {
  if (group.source.kind !== 'table') throw new Error('table sources only');
  return (
    CUSTOM_ROWS[group.source.table as keyof typeof CUSTOM_ROWS] as readonly Record<string, ReferenceValue>[]
  ).map((row) => ({ ...row }));
}

function sqlLiteral(value: string | number | null): string {
  return value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value}'`;
}

let sandbox: Sandbox;
let demo: RegistryModel;

beforeAll(async () => {
  sandbox = await startSandbox({ dataDir: DEMO_DATA, buckets: [TEST_BUCKET], unloadRowsPerFile: 50 });
  demo = toRegistryModel(demoRegistryDocument(), DEMO_PROJECT);
  await sandbox.query(
    'CREATE TABLE public.range_a (event_timestamp TIMESTAMP, user_id BIGINT, score DOUBLE PRECISION);' +
      'CREATE TABLE public.range_b (ts TIMESTAMPTZ, uid BIGINT, item VARCHAR(5), price DOUBLE PRECISION);' +
      'CREATE TABLE public.range_g (event_timestamp TIMESTAMPTZ, total BIGINT);',
  );
  for (const [table, rows] of Object.entries(CUSTOM_ROWS)) {
    const values = rows.map((row) => `(${Object.values(row).map(sqlLiteral).join(', ')})`);
    await sandbox.query(`INSERT INTO public.${table} VALUES ${values.join(', ')}`);
  }
});

afterAll(async () => {
  await sandbox?.stop();
});

describe.each(TARGETS)('date-range retrieval with a %s config', (target) => {
  let warehouse: Warehouse;
  let calls: TargetRecord[];

  beforeAll(() => {
    ({ warehouse, calls } = openTestWarehouse(sandbox, testConfig(target)));
  });

  afterAll(() => {
    expect(targetsUsed(calls)).toEqual([EXPECTED_TARGET[target]]);
    warehouse.close();
  });

  const demoRows = demoSourceRows();
  const demoRowsOf = (group: PlanGroup) => {
    if (group.source.kind !== 'table') throw new Error('table sources only');
    return demoRows.get(group.source.table)!;
  };

  it('builds one entity row per distinct keys and event time of the demo sources, as the reference does', async () => {
    const start = '2026-01-09T00:00:00Z';
    const end = '2026-01-09T12:00:00Z';
    const spec: RetrievalSpec = {
      features: [
        'driver_hourly_stats:conv_rate',
        'driver_hourly_stats:avg_daily_trips',
        'customer_profile:current_balance',
        'order_outcomes:order_is_success',
        'driver_trips:trips_today',
        'global_stats:num_rides',
      ],
    };
    const job = new RetrievalJob(warehouse, demo, { kind: 'range', start, end }, spec);
    const result = await job.toArrow();
    const plan = await job.plan();
    const expected = expectedResult(plan, demoRowsOf, start, end);
    expect(result.schema.names).toEqual([
      'driver_id',
      'customer_id',
      'event_timestamp',
      'conv_rate',
      'avg_daily_trips',
      'current_balance',
      'order_is_success',
      'trips_today',
      'num_rides',
    ]);
    expect(plainRows(result)).toEqual(expected.rows);
    // The reference's rows, spelled out: the 19 customers' daily rows at midnight, every driver at each of the 13
    // hours (a backfill or a duplicate shares its row), and the orders in the window with both keys.
    const customersOnly = expected.entityRows.filter((row) => row.driver_id === null);
    expect(customersOnly).toHaveLength(19);
    expect(
      customersOnly.every(
        (row) => (row.event_timestamp as Date).toISOString() === '2026-01-09T00:00:00.000Z',
      ),
    ).toBe(true);
    const driverOnly = expected.entityRows.filter((row) => row.customer_id === null);
    expect(new Set(driverOnly.map((row) => row.driver_id)).size).toBe(19);
    expect(driverOnly.length).toBeGreaterThanOrEqual(19 * 13);
    const orderTimes = demoRows
      .get('orders')!
      .map((row) => (row.event_timestamp as Date).getTime())
      .filter((ms) => ms >= Date.parse(start) && ms <= Date.parse(end));
    expect(
      expected.entityRows.filter((row) => row.driver_id !== null && row.customer_id !== null),
    ).toHaveLength(orderTimes.length);
    expect(orderTimes.length).toBeGreaterThan(0);
    expect(result.numRows).toBe(expected.entityRows.length);

    // The same rows as an entity frame give the same result.
    const entityPlain = plainOf(expected.entityRows);
    const frame = readCsvEntityFrame(csvOf(entityPlain, ['driver_id', 'customer_id', 'event_timestamp']), {
      file: 'range.csv',
      columnTypes: { driver_id: 'int64', customer_id: 'int64' },
    });
    const framed = await new RetrievalJob(
      warehouse,
      demo,
      { kind: 'frame', frame, name: 'range.csv' },
      spec,
    ).toArrow();
    expect(plainRows(framed)).toEqual(plainRows(result));
  });

  it('unions naive and zoned event times, skips rows without keys, keeps boundaries and maps keys', async () => {
    const start = '2026-02-01T10:00:00';
    const end = '2026-02-01T12:00:00Z';
    const job = new RetrievalJob(
      warehouse,
      CUSTOM,
      { kind: 'range', start, end },
      {
        features: ['a:score', 'b:price', 'g:total'],
      },
    );
    const result = await job.toArrow();
    const expected = expectedResult(await job.plan(), customRows, start, end);
    expect(plainRows(result)).toEqual(expected.rows);
    expect(plainRows(result)).toEqual([
      { user_id: 1, item: 'x', event_timestamp: '2026-02-01T10:00:00Z', score: 0.5, price: 9.5, total: null },
      {
        user_id: 1,
        item: null,
        event_timestamp: '2026-02-01T10:00:00Z',
        score: 0.5,
        price: null,
        total: null,
      },
      { user_id: 4, item: 'y', event_timestamp: '2026-02-01T11:00:00Z', score: null, price: 3.5, total: 100 },
      {
        user_id: 2,
        item: null,
        event_timestamp: '2026-02-01T12:00:00Z',
        score: 0.7,
        price: null,
        total: 200,
      },
    ]);
  });

  it('takes the event times of entityless views when no view has join keys', async () => {
    const job = new RetrievalJob(
      warehouse,
      CUSTOM,
      { kind: 'range', start: '2026-02-01', end: '2026-02-02' },
      {
        features: ['g:total'],
      },
    );
    expect(plainRows(await job.toArrow())).toEqual([
      { event_timestamp: '2026-02-01T10:30:00Z', total: 100 },
      { event_timestamp: '2026-02-01T11:30:00Z', total: 200 },
    ]);
  });

  it("names a projection's join keys as its join_key_map says", async () => {
    const job = new RetrievalJob(
      warehouse,
      CUSTOM,
      { kind: 'range', start: '2026-02-01', end: '2026-02-02' },
      {
        featureService: 'mapped',
      },
    );
    expect(plainRows(await job.toArrow())).toEqual([
      { buyer_id: 3, event_timestamp: '2026-02-01T09:59:59Z', score: 0.8 },
      { buyer_id: 1, event_timestamp: '2026-02-01T10:00:00Z', score: 0.5 },
      { buyer_id: 2, event_timestamp: '2026-02-01T12:00:00Z', score: 0.7 },
    ]);
  });

  it('streams the same rows, and a window without rows keeps the schema', async () => {
    const range = { kind: 'range', start: '2026-01-09T00:00:00Z', end: '2026-01-09T03:00:00Z' } as const;
    const spec = { features: ['driver_hourly_stats:conv_rate'] };
    const whole = plainRows(await new RetrievalJob(warehouse, demo, range, spec).toArrow());
    const streamed: Record<string, PlainValue>[] = [];
    for await (const batch of new RetrievalJob(warehouse, demo, range, spec).toArrowBatches()) {
      streamed.push(...plainRows(new arrow.Table([batch])));
    }
    const key = (row: Record<string, PlainValue>) => `${row.event_timestamp} ${row.driver_id}`;
    expect(streamed.map(key).sort()).toEqual(whole.map(key).sort());
    expect(whole).toHaveLength(19 * 4);

    const empty = await new RetrievalJob(
      warehouse,
      demo,
      { kind: 'range', start: '2030-01-01', end: '2030-01-02' },
      spec,
    ).toArrow();
    expect(empty.numRows).toBe(0);
    expect(empty.schema.names).toEqual(['driver_id', 'event_timestamp', 'conv_rate']);
    const tables = await sandbox.query("SELECT tablename FROM pg_tables WHERE tablename LIKE 'fwb_%'");
    expect(tables.rows).toEqual([]);
    expect(sandbox.store.listKeys(TEST_BUCKET)).toEqual([]);
  });

  it('refuses bad windows and requests it cannot serve, before anything runs', async () => {
    sandbox.faults.resetCounts();
    const detail = (start: string, end: string, spec: RetrievalSpec, registry = demo) => {
      try {
        return new RetrievalJob(warehouse, registry, { kind: 'range', start, end }, spec);
      } catch (error) {
        return (error as WorkbenchError).detail;
      }
    };
    const conv = { features: ['driver_hourly_stats:conv_rate'] };
    expect(detail('2026-01-09', 'soon', conv)).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining('The end "soon" is not an ISO-8601 date'),
    });
    expect(detail('2026-01-10', '2026-01-09', conv)).toEqual({
      kind: 'PlanInvalid',
      reason: 'The start 2026-01-10T00:00:00Z is after the end 2026-01-09T00:00:00Z.',
    });
    const planFailure = async (spec: RetrievalSpec, registry: RegistryModel = demo) => {
      const job = new RetrievalJob(
        warehouse,
        registry,
        { kind: 'range', start: '2026-01-09', end: '2026-01-10' },
        spec,
      );
      return job.toArrow().then(
        () => undefined,
        (error: WorkbenchError) => error.detail,
      );
    };
    expect(await planFailure({ featureService: 'driver_activity' })).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining(
        'on-demand features need request fields (transformed_conv_rate needs val_to_add)',
      ),
    });
    expect(await planFailure({ features: ['driver_hourly_stat:conv_rate'] })).toMatchObject({
      kind: 'NotFound',
      what: 'feature view',
      name: 'driver_hourly_stat',
    });
    const clashing = testRegistry([
      {
        name: 'p',
        table: 'range_a',
        keys: [['user_id', 'INT64']],
        features: [['score', 'DOUBLE']],
        ttlSeconds: 0,
      },
      {
        name: 'q',
        table: 'range_b',
        keys: [['user_id', 'STRING']],
        features: [['price', 'DOUBLE']],
        ttlSeconds: 0,
      },
    ]).model;
    expect(await planFailure({ features: ['p:score', 'q:price'] }, clashing)).toEqual({
      kind: 'PlanInvalid',
      reason:
        'The join key user_id holds int64 values in p but string values in q; a date-range retrieval cannot put ' +
        'both in one entity column.',
    });
    expect(sandbox.faults.counts()).toEqual({});
  });
});

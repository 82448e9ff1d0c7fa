/**
 * Semantic tests: the generated SQL runs in PGlite against real tables and must agree, row by row, with the
 * reference implementation (core/testing/reference-pit.ts) and with the values worked out by hand below.
 */

import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityColumn } from '../frames/types';
import type { ReferenceRow } from '../testing/reference-pit';
import { timestampOf } from '../testing/reference-pit';
import {
  column,
  createDatabase,
  createTable,
  expectMatchesReference,
  runPlan,
  stageEntities,
  type ColumnSpec,
  type ResultRow,
} from './__fixtures__/pglite';
import { universalRegistry } from './__fixtures__/registry';
import { planRetrieval } from './plan';
import { formatSqlTimestamp } from './time';
import type { PlanGroup, RetrievalPlan, RetrievalRequest } from './types';

const T = '2021-04-12T10:00:00Z';

const NULL_META = null;

function driverRow(
  driverId: number,
  eventTimestamp: string,
  created: string | null,
  convRate: number | null,
  extra: Partial<{ acc: number; trips: number; meta: string | null }> = {},
): ReferenceRow {
  return {
    driver_id: driverId,
    event_timestamp: eventTimestamp,
    created,
    conv_rate: convRate,
    acc_rate: extra.acc ?? 0.5,
    avg_daily_trips: extra.trips ?? driverId,
    driver_metadata: extra.meta === undefined ? `{"driver":${driverId}}` : extra.meta,
  };
}

/** Driver rows; the comment on each driver says what an entity row at T must get. */
const DRIVER_STATS: ReferenceRow[] = [
  driverRow(1, '2021-04-12 08:00:00', '2021-04-12 08:00:00', 0.25), // exactly T - 2 h: included -> 0.25
  driverRow(2, '2021-04-12 07:59:59', '2021-04-12 08:00:00', 0.25), // one second too old -> NULL
  driverRow(3, '2021-04-12 09:00:00', '2021-04-12 09:00:00', 0.25),
  driverRow(3, '2021-04-12 10:00:00', '2021-04-12 10:00:00', 0.5), // exactly T: included -> 0.5
  driverRow(4, '2021-04-12 10:00:01', '2021-04-12 10:00:01', 0.75), // one second after T: excluded
  driverRow(4, '2021-04-12 09:30:00', '2021-04-12 09:30:00', 0.25), // -> 0.25
  driverRow(5, '2021-04-12 09:00:00', '2021-04-12 09:05:00', 0.25),
  driverRow(5, '2021-04-12 09:00:00', '2021-04-12 09:10:00', 0.5), // later created breaks the tie -> 0.5
  driverRow(6, '2021-04-12 09:00:00', '2021-04-12 09:50:00', 0.25),
  driverRow(6, '2021-04-12 09:30:00', '2021-04-12 09:31:00', 0.75), // later event wins despite earlier created
  driverRow(7, '2021-04-12 09:00:00', '2021-04-12 09:05:00', 0.5, { acc: 0.25, trips: 3, meta: '{"a":1}' }),
  driverRow(7, '2021-04-12 09:00:00', '2021-04-12 09:05:00', 0.5, { acc: 0.25, trips: 3, meta: '{"a":1}' }),
  driverRow(7, '2021-04-12 09:00:00', '2021-04-12 09:05:00', 0.5, { acc: 0.25, trips: 3, meta: '{"a":1}' }),
  driverRow(8, '2021-04-12 09:00:00', '2021-04-12 09:05:00', 0.75, { acc: 0.25 }),
  driverRow(8, '2021-04-12 09:00:00', '2021-04-12 09:05:00', 0.25, { acc: 0.75 }), // smallest conv_rate -> 0.25
  driverRow(9, '2021-04-12 09:00:00', null, 0.5), // NULL created is kept (Feast drops it) -> 0.5
  driverRow(10, '2021-04-12 09:30:00', null, 0.75), // latest event, NULL created -> 0.75
  driverRow(10, '2021-04-12 09:00:00', '2021-04-12 09:01:00', 0.25),
  driverRow(11, '2021-04-12 09:00:00', null, 0.25),
  driverRow(11, '2021-04-12 09:00:00', '2021-04-12 09:01:00', 0.5), // NULL created ranks last -> 0.5
  driverRow(12, '2021-04-12 09:00:00', '2021-04-12 09:01:00', 0.25), // the one known at T
  driverRow(12, '2021-04-12 09:30:00', '2021-04-12 11:00:00', 0.75), // backfilled after T -> 0.75 unless filtered
  driverRow(13, '2021-04-12 09:00:00', '2021-04-12 09:01:00', null, { acc: 0.5 }),
  driverRow(13, '2021-04-12 09:00:00', '2021-04-12 09:01:00', 0.25, { acc: 0.25 }), // NULL conv_rate ranks last
  driverRow(14, '2021-04-12 09:00:00', '2021-04-12 09:01:00', 0.5, { meta: NULL_META }),
];

const DRIVER_STATS_COLUMNS: ColumnSpec[] = [
  { name: 'driver_id', type: 'BIGINT' },
  { name: 'event_timestamp', type: 'TIMESTAMP' },
  { name: 'created', type: 'TIMESTAMP' },
  { name: 'conv_rate', type: 'REAL' },
  { name: 'acc_rate', type: 'REAL' },
  { name: 'avg_daily_trips', type: 'BIGINT' },
  // JSON cannot be ordered in PostgreSQL, as SUPER cannot in Redshift: an ORDER BY on it would fail.
  { name: 'driver_metadata', type: 'JSON' },
];

const DRIVER_LIFETIME: ReferenceRow[] = [
  { driver_id: 1, event_timestamp: '2000-01-01 00:00:00', lifetime_rating: 4.5 }, // 21 years old: TTL 0 keeps it
  { driver_id: 1, event_timestamp: '2021-04-12 10:00:01', lifetime_rating: 1 },
  { driver_id: 2, event_timestamp: '2021-04-12 10:00:00', lifetime_rating: 3 },
  { driver_id: 2, event_timestamp: '2019-01-01 00:00:00', lifetime_rating: 2 },
];

/** Source columns differ from the registry's names: id, ts, loaded_at, trip_count. */
const DRIVER_ACTIVITY_RAW: ReferenceRow[] = [
  { id: 1, ts: '2021-04-12 09:00:00', loaded_at: '2021-04-12 09:01:00', trip_count: 5 },
  { id: 1, ts: '2021-04-12 09:00:00', loaded_at: '2021-04-12 09:02:00', trip_count: 7 }, // later loaded_at -> 7
  { id: 2, ts: '2021-04-11 09:59:59', loaded_at: '2021-04-11 10:00:00', trip_count: 3 }, // older than 1 day -> NULL
  { id: 3, ts: '2021-04-11 10:00:00', loaded_at: '2021-04-11 10:00:00', trip_count: 4 }, // exactly 1 day -> 4
];

/** TIMESTAMPTZ source columns (compared with naive ones elsewhere). */
const LOCATION_STATS: ReferenceRow[] = [
  {
    location_id: 1,
    event_timestamp: '2021-04-12T09:00:00+00:00',
    created: '2021-04-12 09:00:00',
    temperature: 60,
  },
  {
    location_id: 2,
    event_timestamp: '2021-04-12T11:30:00+02:00',
    created: '2021-04-12 09:30:00',
    temperature: 70,
  },
  {
    location_id: 3,
    event_timestamp: '2021-04-09T10:00:00+00:00',
    created: '2021-04-09 10:00:00',
    temperature: 80,
  },
];

const GLOBAL_STATS: ReferenceRow[] = [
  {
    event_timestamp: '2021-04-12 08:00:00',
    created: '2021-04-12 08:00:00',
    num_rides: 10,
    avg_ride_length: 0.5,
  },
  {
    event_timestamp: '2021-04-12 09:00:00',
    created: '2021-04-12 09:00:00',
    num_rides: 20,
    avg_ride_length: 0.5,
  },
  {
    event_timestamp: '2021-04-12 09:00:00',
    created: '2021-04-12 09:30:00',
    num_rides: 25,
    avg_ride_length: 0.25,
  },
  {
    event_timestamp: '2021-04-12 11:00:00',
    created: '2021-04-12 11:00:00',
    num_rides: 30,
    avg_ride_length: 0.75,
  },
];

/** Key pairs that Feast's separator-less row id confuses: ('1', 12) and ('11', 2) both read "112". */
const ORDERS: ReferenceRow[] = [
  { customer_id: '1', driver_id: 12, order_is_success: 1, event_timestamp: '2021-04-12 09:00:00' },
  { customer_id: '11', driver_id: 2, order_is_success: 0, event_timestamp: '2021-04-12 09:00:00' },
];

const CUSTOMER_PROFILE: ReferenceRow[] = [
  {
    customer_id: '1',
    event_timestamp: '2021-04-11T10:00:00Z',
    created: '2021-04-11T10:00:00Z',
    current_balance: 0.5,
    lifetime_trip_count: 10,
  },
  {
    customer_id: '11',
    event_timestamp: '2021-04-12T09:59:59Z',
    created: '2021-04-12T09:59:59Z',
    current_balance: 0.75,
    lifetime_trip_count: 11,
  },
];

const SOURCE_ROWS: Record<string, ReferenceRow[]> = {
  driver_hourly_stats: DRIVER_STATS,
  driver_lifetime: DRIVER_LIFETIME,
  driver_activity: DRIVER_ACTIVITY_RAW,
  location_stats: LOCATION_STATS,
  global_stats: GLOBAL_STATS,
  order: ORDERS,
  customer_profile: CUSTOMER_PROFILE,
};

const rowsOf = (group: PlanGroup) => SOURCE_ROWS[group.featureView]!;

let db: PGlite;
let entityTableCount = 0;

beforeAll(async () => {
  db = await createDatabase();
  await createTable(db, { name: 'driver_stats' }, DRIVER_STATS_COLUMNS, DRIVER_STATS);
  await createTable(
    db,
    { name: 'driver_lifetime' },
    [
      { name: 'driver_id', type: 'BIGINT' },
      { name: 'event_timestamp', type: 'TIMESTAMP' },
      { name: 'lifetime_rating', type: 'DOUBLE PRECISION' },
    ],
    DRIVER_LIFETIME,
  );
  await createTable(
    db,
    { schema: 'raw', name: 'driver_activity_raw' },
    [
      { name: 'id', type: 'BIGINT' },
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'loaded_at', type: 'TIMESTAMP' },
      { name: 'trip_count', type: 'BIGINT' },
    ],
    DRIVER_ACTIVITY_RAW,
  );
  await createTable(
    db,
    { name: 'location_stats' },
    [
      { name: 'location_id', type: 'BIGINT' },
      { name: 'event_timestamp', type: 'TIMESTAMPTZ' },
      { name: 'created', type: 'TIMESTAMP' },
      { name: 'temperature', type: 'INTEGER' },
    ],
    LOCATION_STATS,
  );
  await createTable(
    db,
    { name: 'global_stats' },
    [
      { name: 'event_timestamp', type: 'TIMESTAMP' },
      { name: 'created', type: 'TIMESTAMP' },
      { name: 'num_rides', type: 'INTEGER' },
      { name: 'avg_ride_length', type: 'REAL' },
    ],
    GLOBAL_STATS,
  );
  await createTable(
    db,
    { name: 'orders' },
    [
      { name: 'customer_id', type: 'VARCHAR' },
      { name: 'driver_id', type: 'BIGINT' },
      { name: 'order_is_success', type: 'INTEGER' },
      { name: 'event_timestamp', type: 'TIMESTAMP' },
    ],
    ORDERS,
  );
  await createTable(
    db,
    { name: 'customer_profile' },
    [
      { name: 'customer_id', type: 'VARCHAR' },
      { name: 'event_timestamp', type: 'TIMESTAMPTZ' },
      { name: 'created', type: 'TIMESTAMPTZ' },
      { name: 'current_balance', type: 'REAL' },
      { name: 'lifetime_trip_count', type: 'INTEGER' },
    ],
    CUSTOMER_PROFILE,
  );
});

afterAll(async () => {
  await db.close();
});

type Scenario = Omit<RetrievalRequest, 'registry' | 'entityColumns' | 'entityTable'> & {
  entityColumns: EntityColumn[];
  entityRows: ReferenceRow[];
};

function timestampRangeOf(rows: readonly ReferenceRow[], timestampColumn: string) {
  const values = rows
    .map((row) => timestampOf(row[timestampColumn] ?? null))
    .filter((v): v is bigint => v !== null);
  const min = values.reduce((a, b) => (a < b ? a : b));
  const max = values.reduce((a, b) => (a > b ? a : b));
  return { min: formatSqlTimestamp(min), max: formatSqlTimestamp(max) };
}

/**
 * Stages the entity frame, plans the request twice (with the entity timestamp range as literals, and without,
 * reading it from the entity table), runs both, checks each against the reference and returns the first result.
 */
async function retrieve(scenario: Scenario): Promise<{ plan: RetrievalPlan; rows: ResultRow[] }> {
  const { entityRows, ...request } = scenario;
  const entityTable = { schema: 'stage', name: `entities_${entityTableCount++}` };
  await stageEntities(db, entityTable, scenario.entityColumns, entityRows);
  const timestampColumn = scenario.entityColumns.find((c) => c.type === 'timestamp')!.name;
  const base = { ...request, registry: universalRegistry(), entityTable };
  const withRange = planRetrieval({ ...base, timestampRange: timestampRangeOf(entityRows, timestampColumn) });
  const withoutRange = planRetrieval(base);
  expect(withRange.resultQuery).not.toEqual(withoutRange.resultQuery);
  const first = await runPlan(db, withRange);
  const second = await runPlan(db, withoutRange);
  expectMatchesReference(withRange, first, { entityRows, rowsOf });
  expect(second.rows).toEqual(first.rows);
  return { plan: withRange, rows: first.rows };
}

const DRIVER_FRAME: EntityColumn[] = [
  { name: 'driver_id', type: 'int64' },
  { name: 'event_timestamp', type: 'timestamp' },
];

function atT(driverIds: (number | null)[]): ReferenceRow[] {
  return driverIds.map((driver_id) => ({ driver_id, event_timestamp: T }));
}

describe('one feature view with a created timestamp', () => {
  it('applies inclusive TTL bounds, the created tie-break, deterministic residual ties and keeps NULL created', async () => {
    const entityRows: ReferenceRow[] = [
      ...atT([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 999, 5, null]),
      { driver_id: 1, event_timestamp: '2021-04-12T12:00:00+02:00' }, // the same instant as T, with an offset
      { driver_id: 3, event_timestamp: '2021-04-12T09:59:59Z' }, // one second before the 10:00 row
      { driver_id: 4, event_timestamp: '2021-04-12T10:00:01Z' }, // exactly at the 10:00:01 row
      { driver_id: 2, event_timestamp: '2021-04-12T09:59:59Z' }, // 07:59:59 is now exactly 2 h older
      { driver_id: 1, event_timestamp: null },
    ];
    const { rows } = await retrieve({
      features: [
        'driver_hourly_stats:conv_rate',
        'driver_hourly_stats:acc_rate',
        'driver_hourly_stats:avg_daily_trips',
        'driver_hourly_stats:driver_metadata',
      ],
      entityColumns: DRIVER_FRAME,
      entityRows,
    });
    expect(column({ rows }, 'conv_rate')).toEqual([
      0.25,
      null,
      0.5,
      0.25,
      0.5,
      0.75,
      0.5,
      0.25,
      0.5,
      0.75,
      0.5,
      0.75,
      0.25,
      0.5,
      null,
      0.5,
      null,
      0.25,
      0.25,
      0.75,
      0.25,
      null,
    ]);
    // The residual tie of driver 8 is broken on conv_rate, and acc_rate comes from the same row.
    expect(rows[7]).toMatchObject({ conv_rate: 0.25, acc_rate: 0.75 });
    // Exact duplicates (driver 7, three rows) give one row; SUPER-like JSON values pass through untouched.
    expect(rows[6]).toMatchObject({
      conv_rate: 0.5,
      acc_rate: 0.25,
      avg_daily_trips: 3n,
      driver_metadata: '{"a":1}',
    });
    expect(rows[13]).toMatchObject({ driver_metadata: null });
  });

  it('with filter_by_created_timestamp leaves out rows created after the entity timestamp, but not NULL ones', async () => {
    const { rows } = await retrieve({
      features: ['driver_hourly_stats:conv_rate'],
      entityColumns: DRIVER_FRAME,
      entityRows: atT([12, 9, 10, 5]),
      filterByCreatedTimestamp: true,
    });
    expect(column({ rows }, 'conv_rate')).toEqual([0.25, 0.5, 0.75, 0.5]);
  });

  it('uses full feature names when asked', async () => {
    const { rows, plan } = await retrieve({
      features: ['driver_hourly_stats:conv_rate'],
      entityColumns: DRIVER_FRAME,
      entityRows: atT([3, 999]),
      fullFeatureNames: true,
    });
    expect(plan.outputColumns.map((c) => c.name)).toEqual([
      'driver_id',
      'event_timestamp',
      'driver_hourly_stats__conv_rate',
    ]);
    expect(column({ rows }, 'driver_hourly_stats__conv_rate')).toEqual([0.5, null]);
  });
});

describe('TTL 0', () => {
  it('has no lower bound but still excludes rows after the entity timestamp', async () => {
    const { rows, plan } = await retrieve({
      features: ['driver_lifetime:lifetime_rating'],
      entityColumns: DRIVER_FRAME,
      entityRows: atT([1, 2, 3]),
    });
    expect(plan.resultQuery).not.toContain('INTERVAL');
    expect(column({ rows }, 'lifetime_rating')).toEqual([4.5, 3, null]);
  });
});

describe('field mapping', () => {
  it('reads the join key, the event and created timestamps and the feature from mapped source columns', async () => {
    const { rows, plan } = await retrieve({
      features: ['driver_activity:trips'],
      entityColumns: DRIVER_FRAME,
      entityRows: atT([1, 2, 3]),
    });
    expect(plan.groups[0]).toMatchObject({
      timestampColumn: 'ts',
      createdTimestampColumn: 'loaded_at',
      joinKeys: [{ joinKey: 'driver_id', entityColumn: 'driver_id', sourceColumn: 'id' }],
      features: [{ feature: 'trips', sourceColumn: 'trip_count', outputName: 'trips' }],
    });
    expect(column({ rows }, 'trips')).toEqual([7, null, 4]);
  });
});

describe('feature service with aliases and join_key_map', () => {
  const frame: EntityColumn[] = [
    { name: 'origin_id', type: 'int64' },
    { name: 'destination_id', type: 'int64' },
    { name: 'event_timestamp', type: 'timestamp' },
  ];
  it('joins the same view twice on different entity columns', async () => {
    const { rows, plan } = await retrieve({
      featureService: 'entity_mapping',
      fullFeatureNames: true,
      entityColumns: frame,
      entityRows: [
        { origin_id: 1, destination_id: 2, event_timestamp: T },
        { origin_id: 2, destination_id: 1, event_timestamp: T },
        { origin_id: 3, destination_id: 1, event_timestamp: T },
        { origin_id: 1, destination_id: 1, event_timestamp: T },
        { origin_id: 2, destination_id: 2, event_timestamp: '2021-04-12T09:29:59Z' },
      ],
    });
    expect(plan.groups.map((g) => [g.name, g.featureView, g.joinKeys[0]!.entityColumn])).toEqual([
      ['origin', 'location_stats', 'origin_id'],
      ['destination', 'location_stats', 'destination_id'],
    ]);
    expect(column({ rows }, 'origin__temperature')).toEqual([60, 70, null, 60, null]);
    expect(column({ rows }, 'destination__temperature')).toEqual([70, 60, 60, 60, null]);
  });
});

describe('entityless feature view', () => {
  it('gives every entity row the latest row overall within the TTL', async () => {
    const { rows } = await retrieve({
      features: ['global_stats:num_rides', 'global_stats:avg_ride_length'],
      entityColumns: DRIVER_FRAME,
      entityRows: [
        { driver_id: 1, event_timestamp: '2021-04-12T08:30:00Z' },
        { driver_id: 2, event_timestamp: T },
        { driver_id: 3, event_timestamp: T },
        { driver_id: 4, event_timestamp: '2021-04-12T12:00:00Z' },
        { driver_id: 5, event_timestamp: '2021-04-01T00:00:00Z' },
      ],
    });
    expect(column({ rows }, 'num_rides')).toEqual([10, 25, 25, 30, null]);
  });
});

describe('several feature views', () => {
  const frame: EntityColumn[] = [
    { name: 'customer_id', type: 'string' },
    { name: 'driver_id', type: 'int64' },
    { name: 'val_to_add', type: 'int64' },
    { name: 'event_timestamp', type: 'timestamp' },
  ];
  const entityRows: ReferenceRow[] = [
    { customer_id: '1', driver_id: 12, val_to_add: 1, event_timestamp: T },
    { customer_id: '11', driver_id: 2, val_to_add: 2, event_timestamp: T },
    { customer_id: '1', driver_id: 12, val_to_add: 3, event_timestamp: T },
    { customer_id: '11', driver_id: 12, val_to_add: 4, event_timestamp: T },
    { customer_id: '1', driver_id: 3, val_to_add: 5, event_timestamp: T },
    { customer_id: null, driver_id: 3, val_to_add: 6, event_timestamp: T },
  ];

  it('keeps key pairs apart that a concatenated row id would merge, and duplicates stay duplicated', async () => {
    const { rows, plan } = await retrieve({
      features: [
        'order:order_is_success',
        'customer_profile:current_balance',
        'driver_hourly_stats:conv_rate',
        'customer_profile:lifetime_trip_count',
      ],
      entityColumns: frame,
      entityRows,
    });
    expect(plan.outputColumns.map((c) => c.name)).toEqual([
      'customer_id',
      'driver_id',
      'val_to_add',
      'event_timestamp',
      'order_is_success',
      'current_balance',
      'lifetime_trip_count',
      'conv_rate',
    ]);
    expect(rows).toHaveLength(6);
    expect(column({ rows }, 'order_is_success')).toEqual([1, 0, 1, null, null, null]);
    expect(column({ rows }, 'current_balance')).toEqual([0.5, 0.75, 0.5, 0.75, 0.5, null]);
    expect(column({ rows }, 'conv_rate')).toEqual([0.75, null, 0.75, 0.75, 0.5, 0.5]);
  });

  it('retrieves on-demand dependencies (the SQL covers feature views only)', async () => {
    const { plan, rows } = await retrieve({
      features: ['conv_rate_plus_100:conv_rate_plus_100'],
      fullFeatureNames: true,
      entityColumns: frame,
      entityRows,
    });
    expect(plan.outputColumns.map((c) => [c.name, c.kind])).toEqual([
      ['customer_id', 'entity'],
      ['driver_id', 'entity'],
      ['val_to_add', 'entity'],
      ['event_timestamp', 'entity'],
      ['driver_hourly_stats__conv_rate', 'feature'],
      ['conv_rate_plus_100__conv_rate_plus_100', 'onDemand'],
    ]);
    expect(column({ rows }, 'driver_hourly_stats__conv_rate')).toEqual([0.75, null, 0.75, 0.75, 0.5, 0.5]);
  });

  it('gives the same result when split into staged statements', async () => {
    const request = {
      features: [
        'order:order_is_success',
        'customer_profile:current_balance',
        'driver_hourly_stats:conv_rate',
      ],
      entityColumns: frame,
      entityRows,
    };
    const single = await retrieve(request);
    const entityTable = { schema: 'stage', name: `entities_${entityTableCount++}` };
    await stageEntities(db, entityTable, frame, entityRows);
    const split = planRetrieval({
      registry: universalRegistry(),
      features: request.features,
      entityColumns: frame,
      entityTable,
      runId: 'fwb_20210412t100000_0000abcd',
      maxStatementBytes: 1500,
    });
    expect(split.split).toBe(true);
    expect(split.statements).toHaveLength(3);
    expect(split.statements.every((s) => s.bytes <= 1500)).toBe(true);
    expect(split.cleanupTables).toEqual(
      [0, 1, 2].map((i) => `"stage"."fwb_20210412t100000_0000abcd_winners_${i}"`),
    );
    const result = await runPlan(db, split);
    expectMatchesReference(split, result, { entityRows, rowsOf });
    expect(result.rows).toEqual(single.rows);
    // runPlan dropped the staged tables.
    const left = await db.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'fwb_%'`);
    expect(left.rows).toEqual([]);
  });
});

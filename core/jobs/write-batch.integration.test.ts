import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { WorkbenchError, type EngineError } from '../contract/errors';
import { arrowToParquet } from '../frames/parquet';
import { int64, tableOf, timestamp } from '../frames/test-tables';
import type { ProgressEvent } from './progress';
import { writeBatch } from './write-batch';
import { startWriteSandbox, WRITE_TEST_SETUPS, type WriteSandbox } from './write-test-sandbox';
import { writeTestRegistry } from './write-test-registry';

const registry = writeTestRegistry();

const DRIVER_STATS_DDL = `CREATE TABLE public.driver_stats (
  event_timestamp TIMESTAMPTZ NOT NULL,
  driver_id BIGINT NOT NULL,
  conv_rate REAL,
  avg_daily_trips INTEGER,
  city VARCHAR(8),
  created TIMESTAMP
)`;

const SEED = `INSERT INTO public.driver_stats VALUES
  ('2026-01-01 00:00:00+00', 1, 0.5, 10, 'oslo', '2026-01-01 00:05:00'),
  ('2026-01-01 01:00:00+00', 2, 0.25, 20, 'rome', '2026-01-01 01:05:00')`;

const ALL_ROWS = `SELECT event_timestamp, driver_id, conv_rate, avg_daily_trips, city, created
  FROM public.driver_stats ORDER BY event_timestamp, driver_id`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-write-batch-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const full = path.join(dir, name);
  await writeFile(full, content);
  return full;
}

async function failure(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WorkbenchError) return error.detail;
    throw error;
  }
  throw new Error('expected the write to fail');
}

// Created after the seed, in another column order than the table's; two timestamp columns (event_timestamp,
// created) and two numeric ones are swapped relative to the table, which a positional COPY would mix up.
const NEW_ROWS_CSV =
  'city,created,Driver_ID,avg_daily_trips,conv_rate,event_timestamp\n' +
  'paris,2026-01-02T00:05:00Z,3,30,0.75,2026-01-02T00:00:00Z\n' +
  '"",2026-01-02T01:05:00Z,4,,1.5,2026-01-02T01:00:00+01:00\n' +
  ',,5,50,,2026-01-02 02:00:00\n';

describe.each(WRITE_TEST_SETUPS)(
  'write-batch ($target, COPY column list by $mapping)',
  ({ target, mapping }) => {
    let sb: WriteSandbox;

    beforeAll(async () => {
      sb = await startWriteSandbox(target, mapping);
    });

    afterAll(async () => {
      await sb?.stop();
    });

    beforeEach(async () => {
      await sb.sandbox.query('DROP TABLE IF EXISTS public.driver_stats');
      await sb.sandbox.query(DRIVER_STATS_DDL);
      await sb.sandbox.query(SEED);
    });

    it('appends CSV rows whose columns come in another order and case, all in one transaction', async () => {
      const events: ProgressEvent[] = [];
      const input = await file(`rows-${target}-${mapping}.csv`, NEW_ROWS_CSV);
      const result = await writeBatch(
        sb.warehouse,
        registry,
        { featureView: 'driver_stats', file: input },
        { onProgress: (e) => events.push(e) },
      );
      expect(result).toMatchObject({ table: '"public"."driver_stats"', rows: 3 });
      expect(result.columns.map((c) => `${c.input}->${c.table}`)).toEqual([
        'event_timestamp->event_timestamp',
        'Driver_ID->driver_id',
        'conv_rate->conv_rate',
        'avg_daily_trips->avg_daily_trips',
        'city->city',
        'created->created',
      ]);
      expect(await sb.rows(ALL_ROWS)).toEqual([
        ['2026-01-01 00:00:00+00', '1', '0.5', '10', 'oslo', '2026-01-01 00:05:00'],
        ['2026-01-01 01:00:00+00', '2', '0.25', '20', 'rome', '2026-01-01 01:05:00'],
        ['2026-01-02 00:00:00+00', '3', '0.75', '30', 'paris', '2026-01-02 00:05:00'],
        ['2026-01-02 00:00:00+00', '4', '1.5', null, '', '2026-01-02 01:05:00'],
        ['2026-01-02 02:00:00+00', '5', null, '50', null, null],
      ]);
      // One transaction for the whole write, and nothing left behind.
      expect(events.filter((e) => e.phase === 'copy' && e.state === 'started')).toHaveLength(1);
      expect(sb.stagedKeys()).toEqual([]);
      expect(await sb.rows(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'fwb_%'`)).toEqual([]);
    });

    it('appends Parquet rows named by field_mapping into a mixed-case schema', async () => {
      await sb.sandbox.query('DROP TABLE IF EXISTS analytics.trip_log');
      await sb.sandbox.query('CREATE SCHEMA IF NOT EXISTS analytics');
      await sb.sandbox.query(
        'CREATE TABLE analytics.trip_log (event_timestamp TIMESTAMPTZ, id BIGINT, column_name INTEGER, created TIMESTAMPTZ)',
      );
      const day = 86_400_000_000n;
      const table = tableOf({
        trips_today: arrow.vectorFromArray([7, 8], new arrow.Int16()),
        created: timestamp(arrow.TimeUnit.MILLISECOND, null, [86_400_000n, null]),
        driver_id: int64([5001n, 5002n]),
        event_timestamp: timestamp(arrow.TimeUnit.MICROSECOND, 'UTC', [day * 20_000n, day * 20_000n + 1n]),
      });
      const input = await file(`trips-${target}-${mapping}.parquet`, arrowToParquet(table));
      const result = await writeBatch(sb.warehouse, registry, { featureView: 'trips', file: input });
      expect(result).toMatchObject({ table: '"Analytics"."Trip_Log"', rows: 2 });
      expect(
        await sb.rows('SELECT event_timestamp, id, column_name, created FROM analytics.trip_log ORDER BY id'),
      ).toEqual([
        ['2024-10-04 00:00:00+00', '5001', '7', '1970-01-02 00:00:00+00'],
        ['2024-10-04 00:00:00.000001+00', '5002', '8', null],
      ]);
      expect(sb.stagedKeys()).toEqual([]);
    });
  },
);

describe('write-batch refusals and failures', () => {
  let sb: WriteSandbox;

  beforeAll(async () => {
    sb = await startWriteSandbox('serverless', 'position');
  });

  afterAll(async () => {
    await sb?.stop();
  });

  beforeEach(async () => {
    sb.sandbox.faults.reset();
    sb.sandbox.faults.resetCounts();
    await sb.sandbox.query('DROP TABLE IF EXISTS public.driver_stats');
    await sb.sandbox.query(DRIVER_STATS_DDL);
    await sb.sandbox.query(SEED);
  });

  async function unchanged(): Promise<void> {
    expect(await sb.rows(ALL_ROWS)).toEqual([
      ['2026-01-01 00:00:00+00', '1', '0.5', '10', 'oslo', '2026-01-01 00:05:00'],
      ['2026-01-01 01:00:00+00', '2', '0.25', '20', 'rome', '2026-01-01 01:05:00'],
    ]);
    expect(sb.stagedKeys()).toEqual([]);
    expect(await sb.rows(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'fwb_%'`)).toEqual([]);
  }

  it('names missing and unexpected columns, before anything is uploaded', async () => {
    const input = await file(
      'missing.csv',
      'event_timestamp,driver_id,conv_rate,city,colour\n2026-01-02,3,1,x,red\n',
    );
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: input })),
    ).toEqual({
      kind: 'InputInvalid',
      file: input,
      line: 1,
      reason:
        'the columns do not match table "public"."driver_stats": missing avg_daily_trips, created; not in the table: colour. ' +
        'Give every table column once, by its name or by the feature or entity name field_mapping gives it.',
    });
    expect(sb.sandbox.faults.calls('PutObject')).toBe(0);
    await unchanged();
  });

  it('points at the line and column of the first value the table cannot take', async () => {
    const input = await file(
      'too-long.csv',
      'event_timestamp,driver_id,conv_rate,avg_daily_trips,city,created\n' +
        '2026-01-02,3,1,3,"a\nb",\n' +
        '2026-01-02,4,1,4,amsterdam,\n',
    );
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: input })),
    ).toEqual({
      kind: 'InputInvalid',
      file: input,
      line: 4,
      column: 18,
      reason: 'column city VARCHAR(8), row 2: the value is 9 bytes long (UTF-8); the column is VARCHAR(8)',
    });
    const overflow = await file(
      'overflow.csv',
      'event_timestamp,driver_id,conv_rate,avg_daily_trips,city,created\n2026-01-02,3,1,2147483648,x,\n',
    );
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: overflow })),
    ).toMatchObject({
      line: 2,
      column: 16,
      reason:
        'column avg_daily_trips INTEGER, row 1: 2147483648 does not fit INTEGER (-2147483648 to 2147483647)',
    });
    const nulls = tableOf({
      event_timestamp: timestamp(arrow.TimeUnit.MICROSECOND, 'UTC', [0n, 1n]),
      driver_id: int64([1n, null]),
      conv_rate: arrow.vectorFromArray([1, 2], new arrow.Float32()),
      avg_daily_trips: int64([1n, 2n]),
      city: arrow.vectorFromArray(['a', 'b'], new arrow.Utf8()),
      created: timestamp(arrow.TimeUnit.MICROSECOND, null, [0n, 0n]),
    });
    const parquet = await file('null-key.parquet', arrowToParquet(nulls));
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: parquet })),
    ).toEqual({
      kind: 'InputInvalid',
      file: parquet,
      reason: 'column driver_id BIGINT, row 2: the value is NULL, and the column is NOT NULL',
    });
    const wrongType = await file(
      'wrong-type.parquet',
      arrowToParquet(
        nulls.assign(tableOf({ conv_rate: arrow.vectorFromArray(['x', 'y'], new arrow.Utf8()) })),
      ),
    );
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: wrongType })),
    ).toEqual({
      kind: 'InputInvalid',
      file: wrongType,
      reason: 'column conv_rate REAL: the input column is utf8, which cannot be written into REAL',
    });
    expect(sb.sandbox.faults.calls('BatchExecuteStatement')).toBe(0);
    await unchanged();
  });

  it('refuses a query source and a missing table', async () => {
    const input = await file('any.csv', NEW_ROWS_CSV);
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'orders_query', file: input })),
    ).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining('a query source cannot be written'),
    });
    expect(await failure(writeBatch(sb.warehouse, registry, { featureView: 'pushed', file: input }))).toEqual(
      {
        kind: 'NotFound',
        what: 'table',
        name: 'public.pushed_rows',
        hint: 'the batch source of feature view pushed (database dev)',
      },
    );
  });

  it('writes nothing when the transaction fails on its last step', async () => {
    const input = await file('rows.csv', NEW_ROWS_CSV);
    sb.sandbox.faults.failStatements('ERROR: simulated failure at the end of the transaction', {
      match: /^DROP TABLE "fwb_/,
    });
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: input })),
    ).toMatchObject({
      kind: 'StatementFailed',
      message: 'ERROR: simulated failure at the end of the transaction',
    });
    await unchanged();
  });

  it('writes nothing when Redshift refuses a row half-way through the transaction', async () => {
    // Staging table and COPY succeed; the INSERT into the target fails on the third row.
    await sb.sandbox.query(
      'ALTER TABLE public.driver_stats ADD CONSTRAINT small_trips CHECK (avg_daily_trips < 40)',
    );
    const input = await file('rows.csv', NEW_ROWS_CSV);
    expect(
      await failure(writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: input })),
    ).toMatchObject({
      kind: 'StatementFailed',
      message: expect.stringContaining('small_trips'),
    });
    await unchanged();
  });

  it('writes nothing when cancelled while the transaction waits to run', async () => {
    const input = await file('rows.csv', NEW_ROWS_CSV);
    sb.sandbox.faults.delayStatements(120_000, { match: /^INSERT INTO "public"\."driver_stats"/ });
    const controller = new AbortController();
    const outcome = failure(
      writeBatch(
        sb.warehouse,
        registry,
        { featureView: 'driver_stats', file: input },
        {
          signal: controller.signal,
          onProgress: (event) => {
            if (event.phase === 'copy' && event.status === 'STARTED') controller.abort();
          },
        },
      ),
    );
    expect(await outcome).toEqual({ kind: 'Cancelled', phase: expect.stringMatching(/append$/) });
    expect(sb.sandbox.faults.calls('CancelStatement')).toBe(1);
    await unchanged();
  });

  it('writes no statement for an input without rows', async () => {
    const input = await file(
      'empty.csv',
      'event_timestamp,driver_id,conv_rate,avg_daily_trips,city,created\n',
    );
    const result = await writeBatch(sb.warehouse, registry, { featureView: 'driver_stats', file: input });
    expect(result.rows).toBe(0);
    expect(sb.sandbox.faults.calls('BatchExecuteStatement')).toBe(0);
    await unchanged();
  });
});

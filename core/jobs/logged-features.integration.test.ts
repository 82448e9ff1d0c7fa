import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadRepoConfig } from '../config/load';
import { WorkbenchError, type EngineError } from '../contract/errors';
import { arrowToParquet } from '../frames/parquet';
import { loadRegistry } from '../registry/load';
import type { RegistryModel } from '../registry/model';
import {
  loggedFeatureFiles,
  loggingSchema,
  writeLoggedFeatures,
  type LoggingColumn,
} from './logged-features';
import type { WriteType } from './write-columns';
import {
  startWriteSandbox,
  WRITE_TEST_BUCKET,
  WRITE_TEST_SETUPS,
  type WriteSandbox,
} from './write-test-sandbox';
import { writeTestRegistry } from './write-test-registry';

const registry = writeTestRegistry();

let dir: string;
let demoRegistry: RegistryModel;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'fwb-logged-'));
  demoRegistry = await loadRegistry(
    await loadRepoConfig(path.resolve(import.meta.dirname, '../../assets/demo')),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The Arrow type Feast's Go logger writes for a logging column. */
function loggerType(type: WriteType): arrow.DataType {
  switch (type.kind) {
    case 'int':
      return type.bits === 64 ? new arrow.Int64() : new arrow.Int32();
    case 'float':
      return type.bits === 64 ? new arrow.Float64() : new arrow.Float32();
    case 'bool':
      return new arrow.Bool();
    case 'date':
      return new arrow.DateDay();
    case 'timestamp':
      return type.withTimeZone ? new arrow.TimestampSecond('UTC') : new arrow.TimestampSecond();
    case 'super':
      return new arrow.List(new arrow.Field('item', new arrow.Int64(), true));
    default:
      return new arrow.Utf8();
  }
}

/** A value for row r of column k: distinct per cell, so a column loaded into another shows. */
function cell(column: LoggingColumn, k: number, r: number): unknown {
  const n = 100 * (r + 1) + k;
  switch (column.type.kind) {
    case 'int':
      return column.type.bits === 64 ? BigInt(n) : n;
    case 'float':
      return n + 0.5;
    case 'bool':
      return r % 2 === 0;
    case 'date':
      return new Date(Date.UTC(2026, 0, 10 + r));
    case 'timestamp':
      return new Date(Date.UTC(2026, 0, 10, r, k));
    case 'super':
      return [BigInt(n)];
    default:
      return column.name === '__request_id' ? `req-${r}` : `${column.name}-${r}`;
  }
}

/** A log file of `rows` rows with the schema's columns in `order` (default: the schema's). */
function logTable(columns: LoggingColumn[], rows: number, firstRow: number, order?: string[]): arrow.Table {
  const names = order ?? columns.map((c) => c.name);
  const vectors: Record<string, arrow.Vector> = {};
  for (const name of names) {
    const k = columns.findIndex((c) => c.name === name);
    const column = columns[k]!;
    const values = Array.from({ length: rows }, (_, i) => cell(column, k, firstRow + i));
    vectors[name] = arrow.vectorFromArray(values, loggerType(column.type));
  }
  return new arrow.Table(vectors);
}

async function writeParquet(name: string, table: arrow.Table): Promise<string> {
  const full = path.join(dir, name);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, arrowToParquet(table));
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

describe.each(WRITE_TEST_SETUPS)(
  'write-logged-features ($target, COPY column list by $mapping)',
  ({ target, mapping }) => {
    let sb: WriteSandbox;

    beforeAll(async () => {
      sb = await startWriteSandbox(target, mapping);
    });

    afterAll(async () => {
      await sb?.stop();
    });

    it('creates the logging table and loads a folder of files whose columns come in different orders', async () => {
      const schema = loggingSchema(demoRegistry, 'driver_ranking_logged');
      const names = schema.columns.map((c) => c.name);
      // Same-typed columns swapped (two statuses, two feature timestamps), and the system columns first.
      const shuffled = [
        ...names.slice(-3),
        names[3]!,
        names[2]!,
        names[1]!,
        names[0]!,
        names[6]!,
        names[5]!,
        names[4]!,
        ...names.slice(7, -3),
      ];
      const folder = path.join(dir, `go-logs-${target}-${mapping}`);
      await writeParquet(`go-logs-${target}-${mapping}/a.parquet`, logTable(schema.columns, 2, 0));
      await writeParquet(`go-logs-${target}-${mapping}/b.parquet`, logTable(schema.columns, 3, 2, shuffled));
      await writeFile(path.join(folder, 'notes.txt'), 'not a log');
      const files = await loggedFeatureFiles(folder);
      expect(files.map((f) => path.basename(f))).toEqual(['a.parquet', 'b.parquet']);

      const result = await writeLoggedFeatures(sb.warehouse, demoRegistry, {
        featureService: 'driver_ranking_logged',
        files,
      });
      expect(result).toMatchObject({
        table: '"public"."driver_ranking_feature_log"',
        created: true,
        rows: 5,
        files: 2,
        warnings: [],
      });
      const described = await sb.warehouse.executor.describeTable('public', 'driver_ranking_feature_log');
      expect(described.map((c) => `${c.name} ${c.typeName}${c.length ? `(${c.length})` : ''}`)).toEqual([
        'driver_id int8',
        'driver_hourly_stats__conv_rate float4',
        'driver_hourly_stats__conv_rate__timestamp timestamptz',
        'driver_hourly_stats__conv_rate__status int4',
        'driver_hourly_stats__avg_daily_trips int8',
        'driver_hourly_stats__avg_daily_trips__timestamp timestamptz',
        'driver_hourly_stats__avg_daily_trips__status int4',
        'val_to_add int8',
        'transformed_conv_rate__conv_rate_plus_val_to_add float8',
        'transformed_conv_rate__conv_rate_plus_val_to_add__timestamp timestamptz',
        'transformed_conv_rate__conv_rate_plus_val_to_add__status int4',
        '__log_timestamp timestamptz',
        '__log_date date',
        '__request_id varchar(65535)',
      ]);
      const rows = await sb.rows(
        `SELECT __request_id, driver_id, driver_hourly_stats__conv_rate__timestamp, driver_hourly_stats__conv_rate__status,
              driver_hourly_stats__avg_daily_trips__status, transformed_conv_rate__conv_rate_plus_val_to_add, __log_date
         FROM public.driver_ranking_feature_log ORDER BY __request_id`,
      );
      expect(rows).toEqual(
        [0, 1, 2, 3, 4].map((r) => [
          `req-${r}`,
          String(100 * (r + 1)),
          `2026-01-10 ${String(r).padStart(2, '0')}:02:00+00`,
          String(100 * (r + 1) + 3),
          String(100 * (r + 1) + 6),
          `${100 * (r + 1) + 8}.5`,
          `2026-01-${10 + r}`,
        ]),
      );

      // A second write appends to the table it created.
      const again = await writeLoggedFeatures(sb.warehouse, demoRegistry, {
        featureService: 'driver_ranking_logged',
        files: [await writeParquet(`again-${target}-${mapping}.parquet`, logTable(schema.columns, 1, 5))],
      });
      expect(again).toMatchObject({ created: false, rows: 1 });
      expect(await sb.rows('SELECT COUNT(*) FROM public.driver_ranking_feature_log')).toEqual([['6']]);
      expect(sb.stagedKeys()).toEqual([]);
    });
  },
);

describe('write-logged-features refusals and failures', () => {
  let sb: WriteSandbox;
  const schema = loggingSchema(registry, 'shared_keys');
  const table = '"public"."shared_log"';

  beforeAll(async () => {
    sb = await startWriteSandbox('cluster', 'position');
  });

  afterAll(async () => {
    await sb?.stop();
  });

  beforeEach(async () => {
    sb.sandbox.faults.reset();
    sb.sandbox.faults.resetCounts();
    await sb.sandbox.query('DROP TABLE IF EXISTS public.shared_log');
  });

  async function noTable(): Promise<void> {
    expect(await sb.warehouse.executor.describeTable('public', 'shared_log')).toEqual([]);
    expect(sb.stagedKeys()).toEqual([]);
  }

  const write = (files: string[]) =>
    writeLoggedFeatures(sb.warehouse, registry, { featureService: 'shared_keys', files });

  it('names missing, unexpected and wrong-typed columns of a file, before creating anything', async () => {
    const good = logTable(schema.columns, 2, 0);
    const missing = await writeParquet(
      'missing.parquet',
      good
        .select(good.schema.names.filter((n) => n !== '__log_date' && n !== 'driver_id'))
        .assign(new arrow.Table({ colour: arrow.vectorFromArray(['red', 'blue']) })),
    );
    expect(await failure(write([missing]))).toEqual({
      kind: 'InputInvalid',
      file: missing,
      reason:
        'the columns do not match the logging schema of feature service shared_keys: missing driver_id, __log_date; not in the schema: colour',
    });
    const wrongType = await writeParquet(
      'wrong-type.parquet',
      good.assign(
        new arrow.Table({ trips__trips_today: arrow.vectorFromArray(['7', '8'], new arrow.Utf8()) }),
      ),
    );
    expect(await failure(write([await writeParquet('ok.parquet', good), wrongType]))).toEqual({
      kind: 'InputInvalid',
      file: wrongType,
      reason: `column trips__trips_today (INTEGER in ${table}): the input column is utf8, which cannot be written into INTEGER`,
    });
    const tooBig = await writeParquet(
      'too-big.parquet',
      good.assign(new arrow.Table({ trips__trips_today__status: arrow.vectorFromArray([1n, 2n ** 40n]) })),
    );
    expect(await failure(write([tooBig]))).toEqual({
      kind: 'InputInvalid',
      file: tooBig,
      reason: `column trips__trips_today__status (INTEGER in ${table}), row 2: 1099511627776 does not fit INTEGER (-2147483648 to 2147483647)`,
    });
    expect(sb.sandbox.faults.calls('BatchExecuteStatement')).toBe(0);
    await noTable();
  });

  it("checks values against an existing table's own types, and refuses a table without the schema's columns", async () => {
    // As Feast creates it: unquoted names, VARCHAR(256) strings.
    await sb.sandbox.query(
      `CREATE TABLE public.shared_log (driver_id int8, driver_stats__city varchar, driver_stats__city__timestamp timestamptz,
         driver_stats__city__status int4, trips__trips_today int4, trips__trips_today__timestamp timestamptz,
         trips__trips_today__status int4, __log_timestamp timestamptz, __log_date date, __request_id varchar, note varchar)`,
    );
    const long = logTable(schema.columns, 3, 0).assign(
      new arrow.Table({ driver_stats__city: arrow.vectorFromArray(['oslo', 'x'.repeat(257), 'rome']) }),
    );
    const file = await writeParquet('long.parquet', long);
    expect(await failure(write([file]))).toEqual({
      kind: 'InputInvalid',
      file,
      reason: `column driver_stats__city (VARCHAR(256) in ${table}), row 2: the value is 257 bytes long (UTF-8); the column is VARCHAR(256)`,
    });
    const result = await write([await writeParquet('fits.parquet', logTable(schema.columns, 3, 0))]);
    expect(result).toMatchObject({
      created: false,
      rows: 3,
      warnings: [`${table} has column(s) outside the logging schema, left NULL: note`],
    });
    await sb.sandbox.query('ALTER TABLE public.shared_log DROP COLUMN trips__trips_today__status');
    expect(await failure(write([file]))).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining(
        `logging table ${table} exists without column(s) trips__trips_today__status`,
      ),
    });
  });

  it('refuses a service without a Redshift destination', async () => {
    expect(
      await failure(
        writeLoggedFeatures(sb.warehouse, registry, { featureService: 'unlogged', files: ['x.parquet'] }),
      ),
    ).toMatchObject({ kind: 'PlanInvalid' });
  });

  it('leaves no table when the transaction fails on its last step', async () => {
    sb.sandbox.faults.failStatements('ERROR: simulated failure at the end of the transaction', {
      match: /^DROP TABLE "fwb_/,
    });
    const file = await writeParquet('rows.parquet', logTable(schema.columns, 2, 0));
    expect(await failure(write([file]))).toMatchObject({ kind: 'StatementFailed' });
    await noTable();
  });

  it('rolls back the CREATE TABLE when the COPY fails inside the transaction', async () => {
    const file = await writeParquet('rows.parquet', logTable(schema.columns, 2, 0));
    // The staged files vanish just before the transaction: CREATE TABLE runs, then COPY finds nothing.
    const outcome = failure(
      writeLoggedFeatures(
        sb.warehouse,
        registry,
        { featureService: 'shared_keys', files: [file] },
        {
          onProgress: (event) => {
            if (event.phase !== 'copy' || event.state !== 'started') return;
            for (const key of sb.sandbox.store.listKeys(WRITE_TEST_BUCKET, 'staging/')) {
              sb.sandbox.store.deleteObject(WRITE_TEST_BUCKET, key);
            }
          },
        },
      ),
    );
    expect(await outcome).toMatchObject({
      kind: 'StatementFailed',
      statementId: expect.stringMatching(/:3$/),
      message: expect.stringContaining('does not exist'),
    });
    await noTable();
  });

  it('leaves no table when cancelled while the transaction waits to run', async () => {
    const file = await writeParquet('rows.parquet', logTable(schema.columns, 2, 0));
    sb.sandbox.faults.delayStatements(120_000, {
      match: /^CREATE TABLE IF NOT EXISTS "public"\."shared_log"/,
    });
    const controller = new AbortController();
    const outcome = failure(
      writeLoggedFeatures(
        sb.warehouse,
        registry,
        { featureService: 'shared_keys', files: [file] },
        {
          signal: controller.signal,
          onProgress: (event) => {
            if (event.phase === 'copy' && event.status === 'STARTED') controller.abort();
          },
        },
      ),
    );
    expect(await outcome).toMatchObject({ kind: 'Cancelled' });
    expect(sb.sandbox.faults.calls('CancelStatement')).toBe(1);
    await noTable();
  });

  it('creates the table for files without rows', async () => {
    const file = await writeParquet('empty.parquet', logTable(schema.columns, 0, 0));
    expect(await write([file])).toMatchObject({ created: true, rows: 0 });
    expect(await sb.rows('SELECT COUNT(*) FROM public.shared_log')).toEqual([['0']]);
    expect(sb.stagedKeys()).toEqual([]);
  });

  it('refuses a folder without Parquet files', async () => {
    const empty = path.join(dir, 'no-logs');
    await mkdir(empty, { recursive: true });
    expect(await failure(loggedFeatureFiles(empty))).toEqual({
      kind: 'InputInvalid',
      file: empty,
      reason: 'the folder holds no .parquet file',
    });
  });
});

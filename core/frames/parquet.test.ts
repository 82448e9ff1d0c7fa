import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { readCsvEntityFrame } from './csv';
import { exactColumnValues } from './frame-values';
import {
  arrowToParquet,
  parquetMetadata,
  parquetSchema,
  parquetToArrow,
  readParquetBatches,
  readParquetFileMetadata,
} from './parquet';
import { binary, date32, date64, decimal128, int64, tableOf, timestamp } from './test-tables';

const dir = mkdtempSync(join(tmpdir(), 'fwb-parquet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1618225182000000n; // 2021-04-12T10:59:42Z in µs

const entityFrame = () =>
  readCsvEntityFrame(
    new TextEncoder().encode(
      'driver_id,event_timestamp,rate,active,city\n' +
        '9007199254740993,2021-04-12T10:59:42.123456Z,0.1,true,Oslo\n' +
        '-9223372036854775808,1969-12-31T23:59:59.999999Z,,false,\n' +
        '9223372036854775807,2021-04-12 10:59:42,1e300,,"São Paulo, BR"\n',
    ),
    { file: 'entities.csv' },
  );

function typesOf(table: arrow.Table): string[] {
  return table.schema.fields.map((f) => `${f.name}:${String(f.type)}`);
}

function expectSameValues(actual: arrow.Table, expected: arrow.Table): void {
  expect(actual.numRows).toBe(expected.numRows);
  for (const { name } of expected.schema.fields) {
    expect(exactColumnValues(actual, name), name).toEqual(exactColumnValues(expected, name));
  }
}

describe('Parquet for Redshift COPY', () => {
  it('writes the entity-frame types as the physical and logical types Redshift reads', () => {
    const bytes = arrowToParquet(entityFrame().table);
    const metadata = parquetMetadata(bytes);
    expect(metadata.columns).toEqual([
      { name: 'driver_id', physicalType: 'INT64', repetition: 'OPTIONAL' },
      {
        name: 'event_timestamp',
        physicalType: 'INT64',
        repetition: 'OPTIONAL',
        logicalType: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
        convertedType: 'TIMESTAMP_MICROS',
      },
      { name: 'rate', physicalType: 'DOUBLE', repetition: 'OPTIONAL' },
      { name: 'active', physicalType: 'BOOLEAN', repetition: 'OPTIONAL' },
      {
        name: 'city',
        physicalType: 'BYTE_ARRAY',
        repetition: 'OPTIONAL',
        logicalType: { type: 'STRING' },
        convertedType: 'UTF8',
      },
    ]);
    expect(metadata.numRows).toBe(3);
    expect(metadata.rowGroups.map((g) => g.codecs)).toEqual([
      ['SNAPPY', 'SNAPPY', 'SNAPPY', 'SNAPPY', 'SNAPPY'],
    ]);
    expect(metadata.createdBy).toMatch(/^parquet-rs/);
  });

  it('uses the requested compression', () => {
    const table = entityFrame().table;
    expect(parquetMetadata(arrowToParquet(table, { compression: 'zstd' })).rowGroups[0]!.codecs[0]).toBe(
      'ZSTD',
    );
    expect(parquetMetadata(arrowToParquet(table, { compression: 'none' })).rowGroups[0]!.codecs[0]).toBe(
      'UNCOMPRESSED',
    );
  });

  it('converts other timestamp units to microseconds and Date64 to DATE, keeping naive timestamps naive', () => {
    const table = tableOf({
      ns_utc: timestamp(arrow.TimeUnit.NANOSECOND, 'UTC', [T0 * 1000n + 999n, -1n, null]),
      ms_naive: timestamp(arrow.TimeUnit.MILLISECOND, null, [T0 / 1000n, -1n, null]),
      s_tz: timestamp(arrow.TimeUnit.SECOND, 'Europe/Paris', [T0 / 1_000_000n, -1n, null]),
      d64: date64([86_400_000n * 18729n, -1n, null]),
    });
    const bytes = arrowToParquet(table);
    const logical = parquetMetadata(bytes).columns.map((c) => c.logicalType);
    expect(logical).toEqual([
      { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
      { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      { type: 'DATE' },
    ]);
    const back = parquetToArrow(bytes);
    expect(typesOf(back)).toEqual([
      'ns_utc:Timestamp<MICROSECOND, UTC>',
      'ms_naive:Timestamp<MICROSECOND>',
      's_tz:Timestamp<MICROSECOND, Europe/Paris>',
      'd64:Date32<DAY>',
    ]);
    // Nanoseconds are floored, so 1 ns before 1970 becomes 1 µs before it.
    expect(exactColumnValues(back, 'ns_utc')).toEqual([T0, -1n, null]);
    expect(exactColumnValues(back, 'ms_naive')).toEqual([T0, -1000n, null]);
    expect(exactColumnValues(back, 's_tz')).toEqual([T0, -1_000_000n, null]);
    expect(exactColumnValues(back, 'd64')).toEqual([18729 * 86_400_000, -86_400_000, null]);
  });
});

describe('Parquet round trips', () => {
  it('keeps an entity frame exactly: int64 beyond 2^53, microseconds, nulls, UTF-8', () => {
    const table = entityFrame().table;
    const back = parquetToArrow(arrowToParquet(table));
    expect(typesOf(back)).toEqual(typesOf(table));
    expectSameValues(back, table);
    expect(exactColumnValues(back, 'driver_id')).toEqual([
      9007199254740993n,
      -9223372036854775808n,
      9223372036854775807n,
    ]);
    expect(exactColumnValues(back, 'event_timestamp')).toEqual([T0 + 123456n, -1n, T0]);
  });

  it('keeps every type a Redshift result brings back', () => {
    const table = tableOf({
      i16: arrow.vectorFromArray([-32768, null, 32767], new arrow.Int16()),
      i32: arrow.vectorFromArray([-2147483648, null, 2147483647], new arrow.Int32()),
      i64: int64([-(2n ** 63n), null, 2n ** 63n - 1n]),
      f32: arrow.vectorFromArray([0.1, null, -3.5], new arrow.Float32()),
      f64: arrow.vectorFromArray([0.1, null, -0], new arrow.Float64()),
      b: arrow.vectorFromArray([true, null, false], new arrow.Bool()),
      s: arrow.vectorFromArray(['a', null, ''], new arrow.Utf8()),
      ls: arrow.vectorFromArray(['ü', null, 'x,y'], new arrow.LargeUtf8()),
      ts: timestamp(arrow.TimeUnit.MICROSECOND, 'UTC', [T0 + 1n, null, -62135596800000000n]),
      naive: timestamp(arrow.TimeUnit.MICROSECOND, null, [T0, null, 253402300799999999n]),
      d32: date32([18729, null, -719162]),
      dec: decimal128(2, 38, [12345n, null, -(10n ** 37n)]),
      bin: binary([new Uint8Array([0, 255]), null, new Uint8Array([])]),
    });
    const back = parquetToArrow(arrowToParquet(table));
    expect(typesOf(back)).toEqual(typesOf(table));
    for (const name of ['i16', 'i32', 'i64', 'f32', 'b', 's', 'ls', 'ts', 'naive', 'd32', 'bin']) {
      expect(exactColumnValues(back, name), name).toEqual(exactColumnValues(table, name));
    }
    expect(Object.is(exactColumnValues(back, 'f64')[2], -0)).toBe(true);
    const decimals = back.getChild('dec')!;
    expect([0, 2].map((i) => Array.from(decimals.get(i) as Uint32Array))).toEqual(
      [0, 2].map((i) => Array.from(table.getChild('dec')!.get(i) as Uint32Array)),
    );
    expect(decimals.get(1)).toBeNull();
  });

  it('keeps the schema of a table with no rows', () => {
    const table = entityFrame().table;
    for (const empty of [table.slice(0, 0), new arrow.Table(table.schema)]) {
      const bytes = arrowToParquet(empty);
      const back = parquetToArrow(bytes);
      expect(back.numRows).toBe(0);
      expect(typesOf(back)).toEqual(typesOf(table));
      expect(parquetMetadata(bytes).columns.map((c) => c.name)).toEqual(table.schema.names);
      expect(parquetSchema(bytes).fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(typesOf(table));
    }
  });

  it('keeps a sliced table (data with offsets)', () => {
    const table = entityFrame().table.slice(1, 3);
    expectSameValues(parquetToArrow(arrowToParquet(table)), table);
  });

  it('keeps arbitrary int64, microsecond and string values (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.option(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
            ts: fc.option(fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n })),
            s: fc.option(fc.string({ unit: 'grapheme', maxLength: 12 })),
          }),
          { maxLength: 40 },
        ),
        (rows) => {
          const table = tableOf({
            id: int64(rows.map((r) => r.id)),
            ts: timestamp(
              arrow.TimeUnit.MICROSECOND,
              'UTC',
              rows.map((r) => r.ts),
            ),
            s: arrow.vectorFromArray(
              rows.map((r) => r.s),
              new arrow.Utf8(),
            ),
          });
          expectSameValues(parquetToArrow(arrowToParquet(table)), table);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('reading Parquet in record batches', () => {
  const rows = 10_000;
  const ids = Array.from({ length: rows }, (_, i) => 9007199254740993n + BigInt(i));
  const table = tableOf({
    id: int64(ids),
    ts: timestamp(
      arrow.TimeUnit.MICROSECOND,
      'UTC',
      ids.map((id) => T0 + (id % 1000n)),
    ),
  });
  const bytes = arrowToParquet(table, { rowGroupSize: 1000 });
  const path = join(dir, 'batches.parquet');
  writeFileSync(path, bytes);

  it('writes row groups of the requested size', async () => {
    const metadata = await readParquetFileMetadata(path);
    expect(metadata.rowGroups.map((g) => g.numRows)).toEqual(Array(10).fill(1000));
    expect(metadata.numRows).toBe(rows);
  });

  it('decodes a few row groups at a time and yields every row once, in order', async () => {
    for (const source of [bytes, path]) {
      const seen: bigint[] = [];
      let batches = 0;
      // A tiny decode budget: one row group per decode.
      for await (const batch of readParquetBatches(source, { batchSize: 400, decodeBytes: 1 })) {
        expect(batch.numRows).toBeLessThanOrEqual(400);
        seen.push(...(exactColumnValues(new arrow.Table(batch), 'id') as bigint[]));
        batches++;
      }
      expect(seen).toEqual(ids);
      expect(batches).toBe(30); // 1000-row groups in batches of 400, 400 and 200
    }
  });

  it('reads only the requested columns', async () => {
    const names = new Set<string>();
    for await (const batch of readParquetBatches(bytes, { columns: ['ts'] }))
      batch.schema.fields.forEach((f) => names.add(f.name));
    expect([...names]).toEqual(['ts']);
    expect(parquetToArrow(bytes, { columns: ['id'] }).schema.names).toEqual(['id']);
    expect(exactColumnValues(parquetToArrow(bytes, { columns: ['ts', 'id'] }), 'id')).toEqual(ids);
    expect(() => parquetToArrow(bytes, { columns: ['nope'], file: 'b.parquet' })).toThrow(
      'column "nope" not found; b.parquet has id, ts',
    );
  });

  it('yields nothing for a file with no rows', async () => {
    const empty = arrowToParquet(table.slice(0, 0));
    const batches: arrow.RecordBatch[] = [];
    for await (const batch of readParquetBatches(empty)) batches.push(batch);
    expect(batches).toEqual([]);
  });
});

describe('bad Parquet input', () => {
  const good = arrowToParquet(entityFrame().table);

  function detail(run: () => unknown): unknown {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(WorkbenchError);
      return (error as WorkbenchError).detail;
    }
    throw new Error('expected an error');
  }

  it('names what is wrong with the footer', () => {
    expect(
      detail(() => parquetToArrow(new TextEncoder().encode('a,b\n1,2\n'), { file: 'x.parquet' })),
    ).toEqual({
      kind: 'InputInvalid',
      file: 'x.parquet',
      reason: 'not a Parquet file (it does not start with PAR1)',
    });
    expect(detail(() => parquetToArrow(good.subarray(0, good.length - 10)))).toEqual({
      kind: 'InputInvalid',
      file: 'Parquet data',
      reason: 'the Parquet file is truncated (it does not end with PAR1)',
    });
  });

  it('reports a damaged page as InputInvalid, from both readers, and keeps working afterwards', async () => {
    const bad = good.slice();
    bad.fill(0x41, 8, 120);
    expect(detail(() => parquetToArrow(bad))).toMatchObject({ kind: 'InputInvalid', file: 'Parquet data' });
    const error = await (async () => {
      for await (const _ of readParquetBatches(bad)) void _;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkbenchError);
    expect((error as WorkbenchError).detail.kind).toBe('InputInvalid');
    expect(parquetToArrow(good).numRows).toBe(3);
  });

  it('never throws anything but InputInvalid on damaged bytes (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        (edits) => {
          const bytes = good.slice();
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          try {
            parquetToArrow(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(WorkbenchError);
            expect((error as WorkbenchError).detail.kind).toBe('InputInvalid');
          }
        },
      ),
      { numRuns: 300 },
    );
    expect(parquetToArrow(good).numRows).toBe(3);
  });

  it('reads the footer of a file on disk without reading the rest', async () => {
    const path = join(dir, 'not.parquet');
    writeFileSync(path, 'PAR1 but then nothing useful at all');
    await expect(readParquetFileMetadata(path)).rejects.toThrow(WorkbenchError);
  });
});

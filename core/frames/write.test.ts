import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as arrow from 'apache-arrow';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import fc from 'fast-check';
import {
  ByteSink,
  formatDecimal,
  formatFloat32,
  formatFloat64,
  tableToCsv,
  writeFloat64,
} from './csv-encode';
import { readCsvEntityFrame } from './csv';
import { exactColumnValues } from './frame-values';
import { parquetToArrow } from './parquet';
import { binary, date32, date64, decimal128, int64, tableOf, timestamp } from './test-tables';
import { outputFormatFor, writeTableToFile } from './write';

const dir = mkdtempSync(join(tmpdir(), 'fwb-write-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const csvText = (table: arrow.Table) => new TextDecoder().decode(tableToCsv(table));
const lines = (table: arrow.Table) => csvText(table).split('\n');
const T0 = 1618225182000000n; // 2021-04-12T10:59:42Z in µs

describe('CSV text of each Arrow type', () => {
  it('integers of every width, int64 exactly', () => {
    const table = tableOf({
      i8: arrow.vectorFromArray([-128, null, 127], new arrow.Int8()),
      i16: arrow.vectorFromArray([-32768, null, 32767], new arrow.Int16()),
      i32: arrow.vectorFromArray([-2147483648, null, 2147483647], new arrow.Int32()),
      u32: arrow.vectorFromArray([0, null, 4294967295], new arrow.Uint32()),
      i64: int64([-9223372036854775808n, null, 9007199254740993n]),
      u64: arrow.makeData({
        type: new arrow.Uint64(),
        length: 3,
        data: new BigUint64Array([0n, 1n, 18446744073709551615n]),
      }),
    });
    expect(lines(table)).toEqual([
      'i8,i16,i32,u32,i64,u64',
      '-128,-32768,-2147483648,0,-9223372036854775808,0',
      ',,,,,1',
      '127,32767,2147483647,4294967295,9007199254740993,18446744073709551615',
      '',
    ]);
  });

  it('int64 values around the 2^53 boundary, both signs', () => {
    const values = [
      2n ** 53n - 1n,
      2n ** 53n,
      2n ** 53n + 1n,
      -(2n ** 53n) - 1n,
      2n ** 63n - 1n,
      -1n,
      0n,
      4294967296n,
      -4294967296n,
    ];
    expect(lines(tableOf({ v: int64(values) })).slice(1, -1)).toEqual(values.map(String));
  });

  it('floats in shortest round-trip form, integral values with ".0"', () => {
    expect(formatFloat64(0.1)).toBe('0.1');
    expect(formatFloat64(1)).toBe('1.0');
    expect(formatFloat64(-0)).toBe('-0.0');
    expect(formatFloat64(0)).toBe('0.0');
    expect(formatFloat64(1e21)).toBe('1e+21');
    expect(formatFloat64(1.5e-7)).toBe('1.5e-7');
    expect(formatFloat64(NaN)).toBe('NaN');
    expect(formatFloat64(-Infinity)).toBe('-Infinity');
    expect(formatFloat64(123456789.12345679)).toBe('123456789.12345679');
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(16777217))).toBe('16777216.0');
    expect(formatFloat32(Math.fround(3.4028234663852886e38))).toBe('3.4028235e+38');
    const table = tableOf({
      f32: arrow.vectorFromArray([0.1, null, 2.5], new arrow.Float32()),
      f64: arrow.vectorFromArray([0.1, null, 3], new arrow.Float64()),
    });
    expect(lines(table)).toEqual(['f32,f64', '0.1,0.1', ',', '2.5,3.0', '']);
  });

  it('the fast float path writes exactly what the reference form writes', () => {
    const written = (v: number) => {
      const sink = new ByteSink(64);
      writeFloat64(sink, v);
      return new TextDecoder().decode(sink.take());
    };
    const sixDecimals = fc
      .tuple(fc.integer({ min: -2147483647, max: 2147483647 }), fc.integer({ min: 0, max: 999999 }))
      .map(([whole, micro]) => whole + (whole < 0 ? -micro : micro) / 1e6);
    fc.assert(
      fc.property(fc.oneof(fc.double(), sixDecimals, fc.double({ min: -3e9, max: 3e9 })), (v) => {
        expect(written(v)).toBe(formatFloat64(v));
      }),
      { numRuns: 20000 },
    );
    for (const v of [1e-6, 0.5e-6, 2147483647.999999, 2147483648.5, -0.000001, 1.000001, 123.4]) {
      expect(written(v)).toBe(formatFloat64(v));
    }
  });

  it('booleans, including a sliced column (bit offsets)', () => {
    const table = tableOf({
      b: arrow.vectorFromArray(
        [true, false, null, true, false, true, true, false, false, true],
        new arrow.Bool(),
      ),
    });
    expect(lines(table).slice(1, -1)).toEqual([
      'true',
      'false',
      '',
      'true',
      'false',
      'true',
      'true',
      'false',
      'false',
      'true',
    ]);
    expect(lines(table.slice(3, 9)).slice(1, -1)).toEqual([
      'true',
      'false',
      'true',
      'true',
      'false',
      'false',
    ]);
  });

  it('strings quoted only when needed; null empty; empty string ""', () => {
    const table = tableOf({
      s: arrow.vectorFromArray(
        ['plain', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', '', null, 'ünï 𝄞', ' spaced '],
        new arrow.Utf8(),
      ),
      l: arrow.vectorFromArray(['x', 'y,z', '', null, 'a', 'b', 'c', 'd', 'e'], new arrow.LargeUtf8()),
    });
    expect(csvText(table)).toBe(
      's,l\nplain,x\n"a,b","y,z"\n"say ""hi""",""\n"two\nlines",\n"cr\rhere",a\n"",b\n,c\nünï 𝄞,d\n spaced ,e\n',
    );
  });

  it('quotes header names that need it', () => {
    const table = tableOf({
      'a,b': arrow.vectorFromArray([1], new arrow.Int32()),
      'say "x"': arrow.vectorFromArray([2], new arrow.Int32()),
    });
    expect(lines(table)[0]).toBe('"a,b","say ""x"""');
  });

  it('timestamps in UTC with Z, microseconds only when non-zero, for every unit and time zone', () => {
    const table = tableOf({
      us_utc: timestamp(arrow.TimeUnit.MICROSECOND, 'UTC', [T0, T0 + 123456n, null, -1n]),
      us_naive: timestamp(arrow.TimeUnit.MICROSECOND, null, [T0, T0 + 100000n, null, 0n]),
      ms_ny: timestamp(arrow.TimeUnit.MILLISECOND, 'America/New_York', [
        T0 / 1000n,
        T0 / 1000n + 5n,
        null,
        -1n,
      ]),
      s: timestamp(arrow.TimeUnit.SECOND, '+01:00', [T0 / 1000000n, 0n, null, -1n]),
      ns: timestamp(arrow.TimeUnit.NANOSECOND, 'UTC', [T0 * 1000n, T0 * 1000n + 123456789n, null, -1n]),
    });
    expect(lines(table)).toEqual([
      'us_utc,us_naive,ms_ny,s,ns',
      '2021-04-12T10:59:42Z,2021-04-12T10:59:42Z,2021-04-12T10:59:42Z,2021-04-12T10:59:42Z,2021-04-12T10:59:42Z',
      '2021-04-12T10:59:42.123456Z,2021-04-12T10:59:42.100000Z,2021-04-12T10:59:42.005000Z,1970-01-01T00:00:00Z,2021-04-12T10:59:42.123456789Z',
      ',,,,',
      '1969-12-31T23:59:59.999999Z,1970-01-01T00:00:00Z,1969-12-31T23:59:59.999000Z,1969-12-31T23:59:59Z,1969-12-31T23:59:59.999999999Z',
      '',
    ]);
  });

  it('timestamps far from 1970 (beyond 2^53 µs) stay exact', () => {
    const table = tableOf({
      t: timestamp(arrow.TimeUnit.MICROSECOND, 'UTC', [253402300799999999n, -62135596800000000n]),
    });
    expect(lines(table).slice(1, -1)).toEqual(['9999-12-31T23:59:59.999999Z', '0001-01-01T00:00:00Z']);
  });

  it('dates (day and millisecond units)', () => {
    const table = tableOf({
      d32: date32([18729, null, -1]),
      d64: date64([1618185600000n, null, -86400000n]),
    });
    expect(lines(table)).toEqual(['d32,d64', '2021-04-12,2021-04-12', ',', '1969-12-31,1969-12-31', '']);
  });

  it('times of day', () => {
    const table = tableOf({
      t_us: arrow.makeData({
        type: new arrow.TimeMicrosecond(),
        length: 2,
        data: new BigInt64Array([39582123456n, 0n]),
      }),
      t_ms: arrow.makeData({
        type: new arrow.TimeMillisecond(),
        length: 2,
        data: new Int32Array([39582000, 1]),
      }),
    });
    expect(lines(table)).toEqual(['t_us,t_ms', '10:59:42.123456,10:59:42', '00:00:00,00:00:00.001000', '']);
  });

  it('decimals as exact text', () => {
    expect(formatDecimal(12345n, 2)).toBe('123.45');
    expect(formatDecimal(-5n, 2)).toBe('-0.05');
    expect(formatDecimal(7n, 0)).toBe('7');
    expect(formatDecimal(7n, -2)).toBe('700');
    const big = 10n ** 37n + 1n;
    const table = tableOf({ d: decimal128(4, 38, [12345n, -12345n, null, big, -(2n ** 127n)]) });
    expect(lines(table).slice(1, -1)).toEqual([
      '1.2345',
      '-1.2345',
      '',
      '1000000000000000000000000000000000.0001',
      '-17014118346046923173168730371588410.5728',
    ]);
  });

  it('binary as lower-case hex (empty value as nothing)', () => {
    const table = tableOf({ b: binary([new Uint8Array([0, 15, 255]), null, new Uint8Array([])]) });
    expect(lines(table).slice(1, -1)).toEqual(['000fff', '', '']);
  });

  it('dictionary-encoded strings and the Null type', () => {
    const dict = arrow.vectorFromArray(
      ['a', 'b,c', null, 'a'],
      new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
    );
    const table = tableOf({ d: dict, n: arrow.makeData({ type: new arrow.Null(), length: 4 }) });
    expect(lines(table)).toEqual(['d,n', 'a,', '"b,c",', ',', 'a,', '']);
  });

  it('refuses types with no CSV form before writing anything', () => {
    const list = arrow.vectorFromArray(
      [[1], [2]],
      new arrow.List(new arrow.Field('item', new arrow.Int32())),
    );
    expect(() => tableToCsv(tableOf({ l: list }))).toThrow(WorkbenchError);
    expect(() => tableToCsv(tableOf({ l: list }))).toThrow(
      'column l: Arrow type List<Int32> has no CSV form',
    );
  });
});

describe('CSV output reads back with readCsvEntityFrame', () => {
  it('keeps values and types of an entity frame', () => {
    const source = readCsvEntityFrame(
      new TextEncoder().encode(
        'driver_id,event_timestamp,rate,ok,note\n9007199254740993,2021-04-12T11:59:42.123456+01:00,0.1,TRUE,"a,""b"""\n-7,2021-04-12,3,false,\n1,2021-04-12 00:00:00,,,""\n',
      ),
      { file: 'in.csv' },
    );
    const back = readCsvEntityFrame(tableToCsv(source.table), { file: 'out.csv' });
    expect(back.columns).toEqual(source.columns);
    for (const { name } of source.columns) {
      expect(exactColumnValues(back.table, name)).toEqual(exactColumnValues(source.table, name));
    }
  });
});

describe('writeTableToFile', () => {
  const frame = readCsvEntityFrame(
    new TextEncoder().encode(
      'driver_id,event_timestamp,note\n1,2021-04-12T10:59:42Z,a\n2,2021-04-12T10:59:43Z,\n3,2021-04-12T10:59:44.5Z,"x,y"\n',
    ),
    { file: 'in.csv' },
  );
  const table = frame.table;

  it('chooses the format by extension', () => {
    expect(outputFormatFor('/x/out.csv')).toBe('csv');
    expect(outputFormatFor('/x/OUT.Parquet')).toBe('parquet');
    expect(outputFormatFor('/x/out.arrow')).toBe('arrow');
    expect(() => outputFormatFor('/x/out.xlsx')).toThrow(
      'cannot write ".xlsx" files; use .csv, .parquet or .arrow',
    );
    expect(() => outputFormatFor('/x/out')).toThrow(
      'the output file needs an extension: .csv, .parquet or .arrow',
    );
  });

  it('writes CSV', async () => {
    const path = join(dir, 'out.csv');
    const result = await writeTableToFile(path, table);
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(
      'driver_id,event_timestamp,note\n1,2021-04-12T10:59:42Z,a\n2,2021-04-12T10:59:43Z,\n3,2021-04-12T10:59:44.500000Z,"x,y"\n',
    );
    expect(result).toEqual({ path, format: 'csv', rows: 3, bytes: Buffer.byteLength(text) });
  });

  it('writes Parquet', async () => {
    const path = join(dir, 'out.parquet');
    const result = await writeTableToFile(path, table);
    expect(result.rows).toBe(3);
    const back = parquetToArrow(readFileSync(path));
    for (const name of ['driver_id', 'event_timestamp', 'note']) {
      expect(exactColumnValues(back, name)).toEqual(exactColumnValues(table, name));
    }
  });

  it('writes an Arrow IPC file', async () => {
    const path = join(dir, 'out.arrow');
    const result = await writeTableToFile(path, table);
    expect(result.rows).toBe(3);
    const back = arrow.tableFromIPC(readFileSync(path));
    expect(back.schema.fields.map((f) => String(f.type))).toEqual(
      table.schema.fields.map((f) => String(f.type)),
    );
    expect(exactColumnValues(back, 'driver_id')).toEqual([1n, 2n, 3n]);
    expect(exactColumnValues(back, 'note')).toEqual(['a', null, 'x,y']);
  });

  it('honours an explicit format over the extension', async () => {
    const path = join(dir, 'really-csv.data');
    await writeTableToFile(path, table, 'csv');
    expect(readFileSync(path, 'utf8').startsWith('driver_id,')).toBe(true);
  });

  async function* batches(): AsyncGenerator<arrow.RecordBatch> {
    const batch = table.batches[0]!;
    yield batch.slice(0, 0);
    yield batch;
    yield batch.slice(1, 3);
    yield batch.slice(2, 3);
  }

  it.each(['csv', 'parquet', 'arrow'] as const)(
    'streams record batches as they arrive (%s)',
    async (format) => {
      const path = join(dir, `streamed.${format}`);
      const result = await writeTableToFile(path, batches());
      expect(result.rows).toBe(6);
      const read =
        format === 'csv'
          ? readCsvEntityFrame(readFileSync(path), { file: path }).table
          : format === 'parquet'
            ? parquetToArrow(readFileSync(path))
            : arrow.tableFromIPC(readFileSync(path));
      expect(exactColumnValues(read, 'driver_id')).toEqual([1n, 2n, 3n, 2n, 3n, 3n]);
      expect(exactColumnValues(read, 'note')).toEqual(['a', null, 'x,y', null, 'x,y', 'x,y']);
    },
  );

  it.each(['csv', 'parquet', 'arrow'] as const)(
    'writes the columns of a table with no rows (%s)',
    async (format) => {
      const path = join(dir, `empty.${format}`);
      const empty = table.slice(0, 0);
      expect((await writeTableToFile(path, empty)).rows).toBe(0);
      if (format === 'csv') {
        expect(readFileSync(path, 'utf8')).toBe('driver_id,event_timestamp,note\n');
        return;
      }
      const back =
        format === 'parquet' ? parquetToArrow(readFileSync(path)) : arrow.tableFromIPC(readFileSync(path));
      expect(back.numRows).toBe(0);
      expect(back.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(
        table.schema.fields.map((f) => `${f.name}:${String(f.type)}`),
      );
    },
  );

  it('writes an empty batch stream given a schema, and refuses one without', async () => {
    const none = async function* (): AsyncGenerator<arrow.RecordBatch> {};
    const path = join(dir, 'none.csv');
    await writeTableToFile(path, none(), 'csv', { schema: table.schema });
    expect(readFileSync(path, 'utf8')).toBe('driver_id,event_timestamp,note\n');
    const parquet = join(dir, 'none.parquet');
    await writeTableToFile(parquet, none(), 'parquet', { schema: table.schema });
    expect(parquetToArrow(readFileSync(parquet)).schema.names).toEqual([
      'driver_id',
      'event_timestamp',
      'note',
    ]);
    const missing = join(dir, 'missing.parquet');
    await expect(writeTableToFile(missing, none())).rejects.toThrow(
      `cannot write ${missing}: no record batches arrived and no schema was given`,
    );
    expect(existsSync(missing)).toBe(false);
  });

  it.each(['csv', 'parquet', 'arrow'] as const)(
    'refuses batches whose schema changes, leaving no file (%s)',
    async (format) => {
      const other = tableOf({ driver_id: arrow.vectorFromArray(['x'], new arrow.Utf8()) });
      async function* mixed(): AsyncGenerator<arrow.RecordBatch> {
        yield table.batches[0]!;
        yield other.batches[0]!;
      }
      const path = join(dir, `mixed.${format}`);
      await expect(writeTableToFile(path, mixed())).rejects.toThrow(
        'record batches disagree on their schema',
      );
      expect(existsSync(path)).toBe(false);
    },
  );

  it('stops when cancelled, removes the partial file and keeps an existing one', async () => {
    const path = join(dir, 'cancelled.csv');
    writeFileSync(path, 'old content');
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<arrow.RecordBatch> {
      yield table.batches[0]!;
      controller.abort();
      yield table.batches[0]!;
    }
    const error = await writeTableToFile(path, slow(), 'csv', { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WorkbenchError);
    expect((error as WorkbenchError).detail).toEqual({ kind: 'Cancelled', phase: 'writing the output file' });
    expect(readFileSync(path, 'utf8')).toBe('old content');
    expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
  });
});

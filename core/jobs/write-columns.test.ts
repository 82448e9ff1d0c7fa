import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { date32, date64, int64, timestamp } from '../frames/test-tables';
import {
  convertColumn,
  ddlType,
  insertExpression,
  stagingDdlType,
  ValueRejected,
  writeColumnOf,
  type WriteColumn,
  type WriteType,
} from './write-columns';

const col = (type: WriteType, nullable = true): WriteColumn => ({ name: 'c', type, nullable });

function values(data: arrow.Data): unknown[] {
  return [...arrow.makeVector(data)].map((v) => (v instanceof Uint8Array ? [...v] : v));
}

function rejection(run: () => unknown): ValueRejected {
  try {
    run();
  } catch (error) {
    if (error instanceof ValueRejected) return error;
    throw error;
  }
  throw new Error('expected a ValueRejected');
}

const vector = <T extends arrow.DataType>(items: unknown[], type: T) =>
  arrow.vectorFromArray(items, type).data[0]!;

describe('writeColumnOf', () => {
  it('reads DescribeTable type names, lengths, precision and nullability', () => {
    const of = (typeName: string, extra: object = {}) =>
      writeColumnOf({ name: 'x', typeName, nullable: true, ...extra }, '"public"."t"').type;
    expect(of('int2')).toEqual({ kind: 'int', bits: 16 });
    expect(of('int4')).toEqual({ kind: 'int', bits: 32 });
    expect(of('int8')).toEqual({ kind: 'int', bits: 64 });
    expect(of('float4')).toEqual({ kind: 'float', bits: 32 });
    expect(of('float8')).toEqual({ kind: 'float', bits: 64 });
    expect(of('numeric', { precision: 10, scale: 2 })).toEqual({ kind: 'numeric', precision: 10, scale: 2 });
    expect(of('numeric', { precision: 0 })).toEqual({ kind: 'numeric', precision: 18, scale: 0 });
    expect(of('bool')).toEqual({ kind: 'bool' });
    expect(of('varchar', { length: 10 })).toEqual({ kind: 'string', maxBytes: 10, fixed: false });
    expect(of('bpchar', { length: 3 })).toEqual({ kind: 'string', maxBytes: 3, fixed: true });
    expect(of('varchar')).toEqual({ kind: 'string', maxBytes: 256, fixed: false });
    expect(of('date')).toEqual({ kind: 'date' });
    expect(of('timestamp')).toEqual({ kind: 'timestamp', withTimeZone: false });
    expect(of('timestamptz')).toEqual({ kind: 'timestamp', withTimeZone: true });
    expect(of('super')).toEqual({ kind: 'super' });
    expect(writeColumnOf({ name: 'x', typeName: 'int4', nullable: false }, 't').nullable).toBe(false);
  });

  it('refuses column types it cannot write, naming the column', () => {
    const error = (() => {
      try {
        writeColumnOf({ name: 'opened_at', typeName: 'time', nullable: true }, '"public"."shops"');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(WorkbenchError);
    expect((error as WorkbenchError).detail).toMatchObject({
      kind: 'PlanInvalid',
      reason: expect.stringContaining('column "opened_at" of "public"."shops" is TIME'),
    });
  });
});

describe('SQL pieces', () => {
  it('stages in few exact types and narrows with explicit casts, never casting strings', () => {
    expect(stagingDdlType({ kind: 'int', bits: 16 })).toBe('BIGINT');
    expect(stagingDdlType({ kind: 'numeric', precision: 10, scale: 2 })).toBe('DOUBLE PRECISION');
    expect(stagingDdlType({ kind: 'string', maxBytes: 3, fixed: true })).toBe('VARCHAR(3)');
    expect(stagingDdlType({ kind: 'super' })).toBe('VARCHAR(65535)');
    expect(stagingDdlType({ kind: 'timestamp', withTimeZone: true })).toBe('TIMESTAMPTZ');
    expect(insertExpression({ name: 'n"x', type: { kind: 'int', bits: 32 }, nullable: true })).toBe(
      'CAST("n""x" AS INTEGER)',
    );
    expect(insertExpression(col({ kind: 'int', bits: 64 }))).toBe('"c"');
    expect(insertExpression(col({ kind: 'float', bits: 32 }))).toBe('CAST("c" AS REAL)');
    expect(insertExpression(col({ kind: 'numeric', precision: 12, scale: 3 }))).toBe(
      'CAST("c" AS NUMERIC(12,3))',
    );
    expect(insertExpression(col({ kind: 'string', maxBytes: 5, fixed: false }))).toBe('"c"');
    expect(insertExpression(col({ kind: 'super' }))).toBe('JSON_PARSE("c")');
    expect(ddlType({ kind: 'string', maxBytes: 5, fixed: true })).toBe('CHAR(5)');
  });
});

describe('convertColumn', () => {
  it('checks integer ranges per column width, at the first bad row', () => {
    const data = vector([1, -32768, 32767, null, 32768], new arrow.Int32());
    const error = rejection(() => convertColumn(data, col({ kind: 'int', bits: 16 }), 10));
    expect(error.row).toBe(14);
    expect(error.reason).toBe('32768 does not fit SMALLINT (-32768 to 32767)');
    expect(values(convertColumn(data, col({ kind: 'int', bits: 32 })))).toEqual([
      1n,
      -32768n,
      32767n,
      null,
      32768n,
    ]);
    const huge = vector([2n ** 64n - 1n], new arrow.Uint64());
    expect(rejection(() => convertColumn(huge, col({ kind: 'int', bits: 64 }))).reason).toMatch(
      /^18446744073709551615 does not fit BIGINT/,
    );
  });

  it('refuses NULL in a NOT NULL column, also for a column of nulls', () => {
    const error = rejection(() => convertColumn(int64([1n, null]), col({ kind: 'int', bits: 64 }, false), 0));
    expect(error).toMatchObject({ row: 1, reason: 'the value is NULL, and the column is NOT NULL' });
    const nulls = arrow.makeData({ type: new arrow.Null(), length: 2, nullCount: 2 } as never) as arrow.Data;
    expect(rejection(() => convertColumn(nulls, col({ kind: 'bool' }, false), 5)).row).toBe(5);
    const converted = convertColumn(nulls, col({ kind: 'string', maxBytes: 4, fixed: false }));
    expect(converted.type).toBeInstanceOf(arrow.Utf8);
    expect(values(converted)).toEqual([null, null]);
  });

  it('refuses input types that do not fit, with a hint for floats into integers', () => {
    const floats = vector([1.5], new arrow.Float64());
    expect(rejection(() => convertColumn(floats, col({ kind: 'int', bits: 32 }))).reason).toBe(
      'the input column is float64, which cannot be written into INTEGER (write integers: a float column may hold fractions)',
    );
    expect(rejection(() => convertColumn(floats, col({ kind: 'bool' }))).row).toBeUndefined();
    expect(() => convertColumn(vector(['1'], new arrow.Utf8()), col({ kind: 'float', bits: 64 }))).toThrow(
      /utf8, which cannot be written into DOUBLE PRECISION$/,
    );
  });

  it('passes floats and integers into float and NUMERIC columns, checking NUMERIC digits after rounding', () => {
    const numeric = col({ kind: 'numeric', precision: 4, scale: 2 });
    expect(
      values(
        convertColumn(vector([99.994, -1.5, null], new arrow.Float32()), col({ kind: 'float', bits: 64 })),
      ),
    ).toEqual([Math.fround(99.994), -1.5, null]);
    expect(values(convertColumn(vector([99.994], new arrow.Float64()), numeric))).toEqual([99.994]);
    expect(rejection(() => convertColumn(vector([1, 99.996], new arrow.Float64()), numeric))).toMatchObject({
      row: 1,
      reason: '99.996 does not fit NUMERIC(4,2)',
    });
    expect(rejection(() => convertColumn(vector([NaN], new arrow.Float64()), numeric)).reason).toBe(
      'NaN cannot be stored in NUMERIC(4,2)',
    );
    expect(values(convertColumn(int64([99n]), numeric))).toEqual([99]);
    expect(rejection(() => convertColumn(int64([100n]), numeric)).reason).toBe(
      '100 does not fit NUMERIC(4,2)',
    );
    const wide = col({ kind: 'numeric', precision: 38, scale: 0 });
    expect(rejection(() => convertColumn(int64([2n ** 53n + 1n]), wide)).reason).toMatch(/beyond ±2\^53/);
    expect(
      values(convertColumn(vector([2n ** 40n], new arrow.Int64()), col({ kind: 'float', bits: 32 }))),
    ).toEqual([2 ** 40]);
  });

  it('measures strings in UTF-8 bytes against the declared length', () => {
    const data = vector(['abc', 'é', null, 'éé'], new arrow.Utf8());
    const varchar3 = col({ kind: 'string', maxBytes: 3, fixed: false });
    expect(rejection(() => convertColumn(data, varchar3))).toMatchObject({
      row: 3,
      reason: 'the value is 4 bytes long (UTF-8); the column is VARCHAR(3)',
    });
    expect(values(convertColumn(data, col({ kind: 'string', maxBytes: 4, fixed: true })))).toEqual([
      'abc',
      'é',
      null,
      'éé',
    ]);
    const dictionary = arrow.vectorFromArray(
      ['x', 'yy', 'x'],
      new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32()),
    );
    expect(values(convertColumn(dictionary.data[0]!, varchar3))).toEqual(['x', 'yy', 'x']);
  });

  it('reads sliced columns from their offset (values, bits and validity)', () => {
    const bools = arrow.vectorFromArray(
      [true, false, null, true, false, true, true, false, false, true],
      new arrow.Bool(),
    );
    const sliced = bools.slice(3, 9).data[0]!;
    expect(sliced.offset).toBe(3);
    expect(values(convertColumn(sliced, col({ kind: 'bool' })))).toEqual([
      true,
      false,
      true,
      true,
      false,
      false,
    ]);
    const strings = arrow.vectorFromArray(['a', null, 'bcd', 'ef', 'g'], new arrow.Utf8()).slice(1, 4)
      .data[0]!;
    expect(values(convertColumn(strings, col({ kind: 'string', maxBytes: 3, fixed: false })))).toEqual([
      null,
      'bcd',
      'ef',
    ]);
    const ints = arrow.vectorFromArray([5, null, 7, 8], new arrow.Int16()).slice(1).data[0]!;
    expect(values(convertColumn(ints, col({ kind: 'int', bits: 64 })))).toEqual([null, 7n, 8n]);
  });

  it('writes timestamps as microseconds with the column flavour, from any unit, zone or date', () => {
    const ts = col({ kind: 'timestamp', withTimeZone: true });
    const naive = col({ kind: 'timestamp', withTimeZone: false });
    const ns = timestamp(arrow.TimeUnit.NANOSECOND, 'America/New_York', [1_500n, -1_500n, null]);
    const converted = convertColumn(ns, ts);
    expect(converted.type).toEqual(new arrow.TimestampMicrosecond('UTC'));
    expect([...(converted.values as BigInt64Array)].slice(0, 2)).toEqual([1n, -2n]);
    const seconds = convertColumn(timestamp(arrow.TimeUnit.SECOND, null, [86_400n]), naive);
    expect((seconds.type as arrow.Timestamp).timezone).toBeNull();
    expect(seconds.values[0]).toBe(86_400_000_000n);
    expect(convertColumn(date32([1, null]), naive).values[0]).toBe(86_400_000_000n);
    expect(convertColumn(date64([86_400_000n]), ts).values[0]).toBe(86_400_000_000n);
  });

  it('writes dates from dates, and from timestamps only at midnight', () => {
    const date = col({ kind: 'date' });
    expect(values(convertColumn(date64([0n, 86_400_000n * 3n]), date))).toEqual([0, 3 * 86_400_000]);
    const midnight = timestamp(arrow.TimeUnit.MICROSECOND, 'UTC', [86_400_000_000n * 2n, null]);
    expect(convertColumn(midnight, date).values[0]).toBe(2);
    const noon = timestamp(arrow.TimeUnit.MILLISECOND, 'UTC', [0n, 43_200_000n]);
    expect(rejection(() => convertColumn(noon, date))).toMatchObject({
      row: 1,
      reason: 'the value has a time of day, and the column is DATE',
    });
  });

  it('loads SUPER from JSON text or lists, refusing what is not JSON', () => {
    const superColumn = col({ kind: 'super' });
    const text = vector(['{"a": 1}', '[1, 2]', null, '"s"'], new arrow.Utf8());
    expect(values(convertColumn(text, superColumn))).toEqual(['{"a": 1}', '[1, 2]', null, '"s"']);
    expect(
      rejection(() => convertColumn(vector(['{"a": 1}', '{a: 1}'], new arrow.Utf8()), superColumn)),
    ).toMatchObject({
      row: 1,
      reason: 'the value is not JSON text, which a SUPER column needs',
    });
    const lists = arrow.vectorFromArray(
      [[1n, 2n], [], null, [3n]],
      new arrow.List(new arrow.Field('item', new arrow.Int64(), true)),
    );
    expect(values(convertColumn(lists.data[0]!, superColumn))).toEqual(['[1,2]', '[]', null, '[3]']);
    const strings = arrow.vectorFromArray(
      [['a"b', null]],
      new arrow.List(new arrow.Field('item', new arrow.Utf8(), true)),
    );
    expect(values(convertColumn(strings.data[0]!, superColumn))).toEqual(['["a\\"b",null]']);
    const floats = arrow.vectorFromArray(
      [[1.5], [Infinity]],
      new arrow.List(new arrow.Field('item', new arrow.Float64(), true)),
    );
    expect(rejection(() => convertColumn(floats.data[0]!, superColumn))).toMatchObject({
      row: 1,
      reason: 'a list item Infinity has no JSON form',
    });
  });
});

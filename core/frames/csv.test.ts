import { describe, expect, it } from 'vitest';
import { WorkbenchError, type EngineError } from '../contract/errors';
import { readCsvEntityFrame, type ReadCsvOptions } from './csv';
import { exactColumnValues } from './frame-values';
import type { EntityFrame } from './types';

const FILE = 'entities.csv';
const encode = (text: string) => new TextEncoder().encode(text);

function read(text: string | Uint8Array, options: Partial<ReadCsvOptions> = {}): EntityFrame {
  return readCsvEntityFrame(typeof text === 'string' ? encode(text) : text, { file: FILE, ...options });
}

function failure(text: string | Uint8Array, options: Partial<ReadCsvOptions> = {}): EngineError {
  try {
    read(text, options);
  } catch (error) {
    expect(error).toBeInstanceOf(WorkbenchError);
    return (error as WorkbenchError).detail;
  }
  throw new Error('expected the read to fail');
}

function problem(line: number, column: number, reason: string): EngineError {
  return { kind: 'InputInvalid', file: FILE, line, column, reason };
}

const values = (frame: EntityFrame, name: string) => exactColumnValues(frame.table, name);
const types = (frame: EntityFrame) => Object.fromEntries(frame.columns.map((c) => [c.name, c.type]));

/** A frame with an event timestamp column added, so inference tests can focus on one column. */
function withColumn(name: string, cells: string[]): string {
  return (
    [`${name},event_timestamp`, ...cells.map((cell) => `${cell},2021-04-12T10:59:42Z`)].join('\n') + '\n'
  );
}

const T0 = 1618225182000000n; // 2021-04-12T10:59:42Z in µs

describe('parsing', () => {
  const basic =
    'driver_id,event_timestamp,city\n1001,2021-04-12T10:59:42Z,Paris\n1002,2021-04-12T10:59:43Z,Oslo\n';

  it('reads a header and rows into typed Arrow columns, in CSV column order', () => {
    const frame = read(basic);
    expect(frame.rowCount).toBe(2);
    expect(frame.table.numRows).toBe(2);
    expect(frame.timestampColumn).toBe('event_timestamp');
    expect(frame.columns).toEqual([
      { name: 'driver_id', type: 'int64' },
      { name: 'event_timestamp', type: 'timestamp' },
      { name: 'city', type: 'string', maxByteLength: 5 },
    ]);
    expect(frame.table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'driver_id:Int64',
      'event_timestamp:Timestamp<MICROSECOND, UTC>',
      'city:Utf8',
    ]);
    expect(values(frame, 'driver_id')).toEqual([1001n, 1002n]);
    expect(values(frame, 'event_timestamp')).toEqual([T0, T0 + 1_000_000n]);
    expect(values(frame, 'city')).toEqual(['Paris', 'Oslo']);
    expect(frame.warnings).toEqual([]);
  });

  it('reads CRLF, lone CR and a missing final line break the same as LF', () => {
    const expected = values(read(basic), 'city');
    for (const variant of [
      basic.replaceAll('\n', '\r\n'),
      basic.replaceAll('\n', '\r'),
      basic.slice(0, -1),
    ]) {
      const frame = read(variant);
      expect(frame.rowCount).toBe(2);
      expect(values(frame, 'city')).toEqual(expected);
    }
  });

  it('tolerates a UTF-8 byte order mark', () => {
    const frame = read(new Uint8Array([0xef, 0xbb, 0xbf, ...encode(basic)]));
    expect(frame.columns[0]!.name).toBe('driver_id');
    expect(frame.rowCount).toBe(2);
  });

  it('ignores blank lines at the end', () => {
    expect(read(`${basic}\n\n`).rowCount).toBe(2);
    expect(read(`${basic.replaceAll('\n', '\r\n')}\r\n\r\n`).rowCount).toBe(2);
  });

  it('reads quoted fields with commas, line breaks and doubled quotes', () => {
    const frame = read(
      'id,event_timestamp,note\n1,2021-04-12,"a, b"\n2,2021-04-12,"line 1\nline 2\r\nline 3"\n3,2021-04-12,"say ""hi"""\n',
    );
    expect(values(frame, 'note')).toEqual(['a, b', 'line 1\nline 2\r\nline 3', 'say "hi"']);
    expect(frame.columns[2]!.maxByteLength).toBe('line 1\nline 2\r\nline 3'.length);
  });

  it('keeps null (empty field) and empty string ("") apart in string columns', () => {
    const frame = read('id,event_timestamp,note\n1,2021-04-12,\n2,2021-04-12,""\n3,2021-04-12,x\n');
    expect(values(frame, 'note')).toEqual([null, '', 'x']);
    expect(frame.table.getChild('note')!.nullCount).toBe(1);
  });

  it('reads a quoted empty field in a non-string column as null', () => {
    const frame = read('id,event_timestamp\n1,2021-04-12\n"",2021-04-12\n');
    expect(types(frame).id).toBe('int64');
    expect(values(frame, 'id')).toEqual([1n, null]);
  });

  it('treats quoting as text syntax only: "42" is still an integer', () => {
    const frame = read('id,event_timestamp\n"42","2021-04-12T10:59:42Z"\n');
    expect(values(frame, 'id')).toEqual([42n]);
    expect(values(frame, 'event_timestamp')).toEqual([T0]);
  });

  it('in a one-column file reads a blank line before the end as a null, and ignores those at the end', () => {
    // The only column is the event timestamp, so the null is reported as a missing timestamp.
    expect(failure('event_timestamp\n2021-04-12\n\n2021-04-13\n')).toEqual(
      problem(3, 1, 'event_timestamp is empty on this row; every entity row needs an event timestamp'),
    );
    const frame = read('event_timestamp\n2021-04-12\n2021-04-13\n\n\n');
    expect(frame.rowCount).toBe(2);
    expect(values(frame, 'event_timestamp')).toEqual([T0 - 39582000000n, T0 - 39582000000n + 86400000000n]);
  });

  it('accepts a header-only file as a frame with no rows that keeps its columns', () => {
    const frame = read('driver_id,event_timestamp\n');
    expect(frame.rowCount).toBe(0);
    expect(frame.table.numRows).toBe(0);
    expect(types(frame)).toEqual({ driver_id: 'string', event_timestamp: 'timestamp' });
    expect(frame.timestampStats).toEqual({ withOffset: 0, naive: 0, dateOnly: 0 });
  });

  it('counts physical lines inside quoted fields when reporting positions', () => {
    const text = 'id,event_timestamp,note\n1,2021-04-12,"two\nlines"\n2,2021-04-12,x,extra\n';
    expect(failure(text)).toEqual(problem(4, 16, 'expected 3 fields, as in the header, but found 4'));
  });

  it('trims spaces around header names, with a warning', () => {
    const frame = read('driver_id, event_timestamp\n1,2021-04-12\n');
    expect(frame.timestampColumn).toBe('event_timestamp');
    expect(frame.warnings).toEqual([
      'header: column name " event_timestamp" was trimmed to "event_timestamp"',
    ]);
  });
});

describe('errors with their exact position', () => {
  it('a row with too many fields points at the first extra field', () => {
    expect(failure('a,event_timestamp\n1,2021-04-12\n3,2021-04-12,5\n')).toEqual(
      problem(3, 14, 'expected 2 fields, as in the header, but found 3'),
    );
  });

  it('a row with too few fields points at its end', () => {
    expect(failure('a,event_timestamp\n1,2021-04-12\n3\n')).toEqual(
      problem(3, 2, 'expected 2 fields, as in the header, but found 1'),
    );
  });

  it('a trailing comma is an extra (empty) field', () => {
    expect(failure('a,event_timestamp\n1,2021-04-12,\n')).toEqual(
      problem(2, 14, 'expected 2 fields, as in the header, but found 3'),
    );
  });

  it('a blank line between rows is a ragged row', () => {
    expect(failure('a,event_timestamp\n1,2021-04-12\n\n2,2021-04-12\n')).toEqual(
      problem(3, 1, 'blank line: expected 2 fields, as in the header'),
    );
  });

  it('an unterminated quote points at the opening quote', () => {
    expect(failure('a,event_timestamp\n1,2021-04-12\n"abc,2021-04-12\n4,2021-04-12\n')).toEqual(
      problem(3, 1, 'unterminated quoted field: this opening quote has no closing quote'),
    );
    expect(failure('a,b\n1,"x""')).toEqual(
      problem(2, 3, 'unterminated quoted field: this opening quote has no closing quote'),
    );
  });

  it('a stray quote in an unquoted field points at the quote', () => {
    expect(failure('a,event_timestamp\nab"c,2021-04-12\n')).toEqual(
      problem(
        2,
        3,
        'stray quote in an unquoted field; quote the whole field and double the quotes inside it ("a""b")',
      ),
    );
  });

  it('text after a closing quote points at that text', () => {
    expect(failure('a,event_timestamp\n"ab"c,2021-04-12\n')).toEqual(
      problem(
        2,
        5,
        'unexpected character after the closing quote of a quoted field; a quote inside a quoted field must be doubled ("")',
      ),
    );
  });

  it('invalid UTF-8 points at the bad byte, counting columns in characters', () => {
    const bytes = new Uint8Array([...encode('a,event_timestamp\n"é",'), 0xff, ...encode('\n')]);
    expect(failure(bytes)).toEqual(problem(2, 5, 'invalid UTF-8 (byte 0xFF); save the file as UTF-8'));
  });

  it('says so when the file is UTF-16', () => {
    const bytes = new Uint8Array([0xff, 0xfe, 0x61, 0x00]);
    expect(failure(bytes)).toEqual(
      problem(1, 1, 'the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8'),
    );
  });

  it('an empty file (or only a BOM, or only line breaks) has no header', () => {
    const reason = 'the file is empty: a header row naming the columns is required';
    expect(failure('')).toEqual(problem(1, 1, reason));
    expect(failure(new Uint8Array([0xef, 0xbb, 0xbf]))).toEqual(problem(1, 1, reason));
    expect(failure('\r\n\n')).toEqual(problem(1, 1, reason));
  });

  it('a blank first line is an empty header', () => {
    expect(failure('\na,b\n')).toEqual(
      problem(1, 1, 'the header row is empty: the first line must name the columns'),
    );
  });

  it('empty header names point at the cell', () => {
    expect(failure('a,,event_timestamp\n')).toEqual(
      problem(1, 3, 'column 2 has an empty name in the header'),
    );
    expect(failure('"a","",event_timestamp\n')).toEqual(
      problem(1, 5, 'column 2 has an empty name in the header'),
    );
    expect(failure('a,  ,event_timestamp\n')).toEqual(
      problem(1, 3, 'column 2 has an empty name in the header'),
    );
  });

  it('duplicate header names point at the second one, ignoring case as Redshift does', () => {
    expect(failure('a,event_timestamp,a\n')).toEqual(
      problem(1, 19, 'duplicate column name "a" (also column 1)'),
    );
    expect(failure('id,event_timestamp,ID\n')).toEqual(
      problem(
        1,
        20,
        'duplicate column name "ID": column 1 is "id", and Redshift does not tell column names apart by case',
      ),
    );
  });

  it('a bad event timestamp value names the line, column and value', () => {
    const rows = Array.from({ length: 12 }, (_, k) => `${k},2021-04-${String(k + 1).padStart(2, '0')}`);
    const text = ['id,event_timestamp', ...rows, '12,2021-13-01'].join('\n');
    expect(failure(text)).toEqual(
      problem(14, 4, 'event_timestamp value "2021-13-01" is not an ISO-8601 timestamp'),
    );
    expect(failure('a,event_timestamp\n1,1618225182\n')).toEqual(
      problem(2, 3, 'event_timestamp value "1618225182" is not an ISO-8601 timestamp'),
    );
  });

  it('an empty event timestamp names the line', () => {
    expect(failure('a,event_timestamp,b\n1,2021-04-12,x\n2,,y\n')).toEqual(
      problem(3, 3, 'event_timestamp is empty on this row; every entity row needs an event timestamp'),
    );
    expect(failure('a,event_timestamp\n1,2021-04-12\n2,""\n')).toEqual(
      problem(3, 3, 'event_timestamp is empty on this row; every entity row needs an event timestamp'),
    );
  });

  it('a bad value in a forced column names the line, column and value', () => {
    const options = { columnTypes: { id: 'int64' as const, rate: 'float64' as const, ok: 'bool' as const } };
    const head = 'id,rate,ok,event_timestamp\n';
    expect(failure(`${head}1,1.5,true,2021-04-12\nx1,2,false,2021-04-12\n`, options)).toEqual(
      problem(3, 1, 'id value "x1" is not an integer'),
    );
    expect(failure(`${head}1,1.5,true,2021-04-12\n2,"1,5",false,2021-04-12\n`, options)).toEqual(
      problem(3, 3, 'rate value "1,5" is not a number'),
    );
    expect(failure(`${head}1,1.5,yes,2021-04-12\n`, options)).toEqual(
      problem(2, 7, 'ok value "yes" is not true or false'),
    );
    expect(failure(`${head}9223372036854775808,1,true,2021-04-12\n`, options)).toEqual(
      problem(2, 1, 'id value "9223372036854775808" is not an integer within the int64 range'),
    );
    expect(
      failure('a,b,event_timestamp\n1,2021-04-12,2021-04-12\n2,soon,2021-04-12\n', {
        columnTypes: { b: 'timestamp' },
      }),
    ).toEqual(problem(3, 3, 'b value "soon" is not an ISO-8601 timestamp'));
  });

  it('long values are shortened in messages', () => {
    const long = 'x'.repeat(200);
    const detail = failure(`a,event_timestamp\n1,${long}\n`);
    expect(detail.kind === 'InputInvalid' && detail.reason).toBe(
      `event_timestamp value "${'x'.repeat(77)}..." is not an ISO-8601 timestamp`,
    );
  });

  it('options that name missing columns are errors', () => {
    expect(failure('a,event_timestamp\n', { columnTypes: { b: 'string' } })).toEqual(
      problem(
        1,
        1,
        'columnTypes names "b", which is not a column of this file (columns: a, event_timestamp)',
      ),
    );
    expect(failure('a,ts\n', { timestampColumn: 'when' })).toEqual(
      problem(1, 1, 'timestampColumn "when" is not a column of this file (columns: a, ts)'),
    );
  });

  it('the event timestamp column cannot be forced to another type', () => {
    expect(failure('a,event_timestamp\n', { columnTypes: { event_timestamp: 'string' } })).toEqual(
      problem(
        1,
        3,
        '"event_timestamp" is the event timestamp column, but columnTypes makes it string; it must be a timestamp',
      ),
    );
  });
});

describe('the event timestamp column (Feast rules)', () => {
  it('is event_timestamp when present, even with other timestamp columns', () => {
    const frame = read('created,event_timestamp\n2021-01-01,2021-04-12\n');
    expect(frame.timestampColumn).toBe('event_timestamp');
    expect(types(frame)).toEqual({ created: 'timestamp', event_timestamp: 'timestamp' });
  });

  it('is otherwise the only timestamp column', () => {
    const frame = read('driver_id,ts,city\n1,2021-04-12T10:59:42Z,Oslo\n');
    expect(frame.timestampColumn).toBe('ts');
  });

  it('can be named with timestampColumn', () => {
    const frame = read('created,event_timestamp,ts\n2021-01-01,2021-01-02,2021-01-03\n', {
      timestampColumn: 'ts',
    });
    expect(frame.timestampColumn).toBe('ts');
  });

  it('is an error when there is no timestamp column', () => {
    expect(failure('driver_id,city\n1,Oslo\n')).toEqual(
      problem(
        1,
        1,
        'no event timestamp column: name a column "event_timestamp" (ISO-8601 values such as 2021-04-12T10:59:42Z) or choose one with timestampColumn',
      ),
    );
  });

  it('is an error, naming the candidates, when several columns are timestamps', () => {
    expect(failure('a,created,ts\n1,2021-01-01,2021-01-02\n')).toEqual(
      problem(
        1,
        1,
        'several timestamp columns (created, ts) and none is named "event_timestamp"; choose the event timestamp column with timestampColumn',
      ),
    );
  });
});

describe('type inference', () => {
  const inferred = (cells: string[], options: Partial<ReadCsvOptions> = {}) => {
    const frame = read(withColumn('v', cells), options);
    return { type: types(frame).v, values: values(frame, 'v'), frame };
  };

  it('int64: every value an integer in range, exactly (no detour through JS numbers)', () => {
    const result = inferred([
      '1',
      '-2',
      '+3',
      '0',
      '-0',
      '9007199254740993',
      '9223372036854775807',
      '-9223372036854775808',
    ]);
    expect(result.type).toBe('int64');
    expect(result.values).toEqual([
      1n,
      -2n,
      3n,
      0n,
      0n,
      9007199254740993n,
      9223372036854775807n,
      -9223372036854775808n,
    ]);
  });

  it('int64 keeps every value near 2^53 exact', () => {
    const cells = Array.from({ length: 40 }, (_, k) => String(9007199254740970n + BigInt(k)));
    const result = inferred([...cells, '-9007199254740993', '123456789012345', '1234567890123456']);
    expect(result.values).toEqual([
      ...cells.map(BigInt),
      -9007199254740993n,
      123456789012345n,
      1234567890123456n,
    ]);
  });

  it('integers beyond int64 make the column float64, with a warning', () => {
    const result = inferred(['1', '9223372036854775808']);
    expect(result.type).toBe('float64');
    expect(result.frame.warnings).toEqual([
      'v: read as float64 because some values are decimals, but it also holds integers with more than 15 digits (line 3) that float64 cannot always hold exactly; force it with columnTypes: { "v": "string" } to keep them',
    ]);
  });

  it('leading zeros make a string (IDs keep their zeros), with a warning', () => {
    const result = inferred(['007', '12']);
    expect(result.type).toBe('string');
    expect(result.values).toEqual(['007', '12']);
    expect(result.frame.warnings).toEqual([
      'v: kept as string because values such as "007" (line 2) have leading zeros, which an integer would lose',
    ]);
    expect(inferred(['0.5', '00.5']).type).toBe('string');
    expect(inferred(['-007']).type).toBe('string');
    expect(inferred(['0', '10']).type).toBe('int64');
  });

  it('float64: decimal and exponent forms, correctly rounded', () => {
    const cells = [
      '1.5',
      '1e3',
      '-2.5E-3',
      '.5',
      '5.',
      '1',
      '0.1',
      '1.7976931348623157e308',
      '5e-324',
      '123456789.123456789',
      '2.2250738585072014E-308',
      '-0.0',
    ];
    const result = inferred(cells);
    expect(result.type).toBe('float64');
    expect(result.values).toEqual(cells.map(Number));
    expect(Object.is(result.values[11], -0)).toBe(true);
  });

  it('float64 accepts NaN and infinities (any case) when at least one value is a real number', () => {
    const result = inferred(['1.5', 'NaN', 'nan', 'inf', '-Infinity', '+INF']);
    expect(result.type).toBe('float64');
    expect(result.values).toEqual([1.5, NaN, NaN, Infinity, -Infinity, Infinity]);
    expect(inferred(['NaN', 'inf']).type).toBe('string');
    expect(inferred(['1', 'NaN']).type).toBe('float64');
  });

  it('rejects things that only look numeric', () => {
    for (const cell of [
      '1e',
      '1e+',
      '.',
      '-',
      '+',
      '1.2.3',
      '1,5',
      '0x10',
      '1_000',
      ' 1',
      '1 ',
      'e5',
      '--1',
      'nanx',
      'infinit',
    ]) {
      expect(inferred(['1', `"${cell}"`]).type, cell).toBe('string');
    }
  });

  it('bool: true and false in any case', () => {
    const result = inferred(['true', 'FALSE', 'True', 'fAlSe']);
    expect(result.type).toBe('bool');
    expect(result.values).toEqual([true, false, true, false]);
    expect(inferred(['1', '0']).type).toBe('int64');
    expect(inferred(['true', 'yes']).type).toBe('string');
    expect(inferred(['true', '1']).type).toBe('string');
  });

  it('timestamp: dates and date-times in a column that is not the event timestamp', () => {
    const result = inferred(['2021-04-12', '2021-04-12 10:59:42', '2021-04-12T10:59:42.5+02:00']);
    expect(result.type).toBe('timestamp');
    expect(result.values).toEqual([T0 - 39582000000n, T0, T0 - 7200000000n + 500000n]);
    expect(inferred(['2021-04-12', '2021-04-32']).type).toBe('string');
  });

  it('string otherwise, with the longest value in UTF-8 bytes', () => {
    const result = inferred(['1', 'true', 'héllo', '2021-04-12']);
    expect(result.type).toBe('string');
    expect(result.frame.columns[0]).toEqual({ name: 'v', type: 'string', maxByteLength: 10 });
    expect(inferred(['é€𝄞']).frame.columns[0]).toEqual({ name: 'v', type: 'string', maxByteLength: 9 });
  });

  it('empty fields are nulls in every type and do not vote', () => {
    expect(inferred(['', '1', '']).values).toEqual([null, 1n, null]);
    expect(inferred(['1.5', '']).values).toEqual([1.5, null]);
    expect(inferred(['', 'true']).values).toEqual([null, true]);
    expect(inferred(['2021-04-12T10:59:42Z', '']).values).toEqual([T0, null]);
    const result = inferred(['', '1']);
    expect(result.frame.table.getChild('v')!.nullCount).toBe(1);
  });

  it('an all-null column is a string column', () => {
    const result = inferred(['', '']);
    expect(result.type).toBe('string');
    expect(result.values).toEqual([null, null]);
    expect(result.frame.columns[0]!.maxByteLength).toBe(0);
  });

  it('a value with a doubled quote is a string', () => {
    expect(inferred(['"1""2"']).values).toEqual(['1"2']);
  });

  it('columnTypes overrides inference', () => {
    expect(inferred(['007', '12'], { columnTypes: { v: 'int64' } }).values).toEqual([7n, 12n]);
    expect(inferred(['1', '2'], { columnTypes: { v: 'string' } }).values).toEqual(['1', '2']);
    expect(inferred(['9007199254740993'], { columnTypes: { v: 'string' } }).values).toEqual([
      '9007199254740993',
    ]);
    expect(inferred(['1', '2'], { columnTypes: { v: 'float64' } }).values).toEqual([1, 2]);
    expect(inferred(['TRUE', ''], { columnTypes: { v: 'bool' } }).values).toEqual([true, null]);
    expect(inferred(['2021-04-12'], { columnTypes: { v: 'string' } }).values).toEqual(['2021-04-12']);
    const forced = inferred(['', ''], { columnTypes: { v: 'timestamp' } });
    expect(forced.type).toBe('timestamp');
    expect(forced.values).toEqual([null, null]);
  });
});

describe('timestamps', () => {
  it('the same instant in Z, +01:00, -08:00, +0100 and +01 notations gives the same value', () => {
    const frame = read(
      'id,event_timestamp\n1,2021-04-12T10:59:42Z\n2,2021-04-12T11:59:42+01:00\n3,2021-04-12T02:59:42-08:00\n' +
        '4,2021-04-12T11:59:42+0100\n5,2021-04-12 11:59:42+01\n',
    );
    expect(values(frame, 'event_timestamp')).toEqual([T0, T0, T0, T0, T0]);
    expect(frame.timestampStats).toEqual({ withOffset: 5, naive: 0, dateOnly: 0 });
    expect(frame.warnings).toEqual([]);
  });

  it('naive values are UTC, as in Feast', () => {
    const frame = read('id,event_timestamp\n1,2021-04-12 10:59:42\n2,2021-04-12T10:59:42\n3,2021-04-12\n');
    expect(values(frame, 'event_timestamp')).toEqual([T0, T0, T0 - 39582000000n]);
    expect(frame.timestampStats).toEqual({ withOffset: 0, naive: 2, dateOnly: 1 });
    expect(frame.warnings).toEqual([]);
  });

  it('warns when naive and offset notations are mixed', () => {
    const frame = read('id,event_timestamp\n1,2021-04-12 10:59:42\n2,2021-04-12T10:59:42Z\n3,2021-04-12\n');
    expect(frame.timestampStats).toEqual({ withOffset: 1, naive: 1, dateOnly: 1 });
    expect(frame.warnings).toEqual([
      'event_timestamp: 2 values have no UTC offset and were read as UTC, while 1 have one; check that the naive ones really are UTC',
    ]);
  });

  it('keeps microseconds and reports nanoseconds it had to truncate', () => {
    const frame = read(
      'id,event_timestamp\n1,2021-04-12T10:59:42.123456Z\n2,2021-04-12T10:59:42.123456789Z\n3,2021-04-12T10:59:42.000000001Z\n',
    );
    expect(values(frame, 'event_timestamp')).toEqual([T0 + 123456n, T0 + 123456n, T0]);
    expect(frame.warnings).toEqual([
      'event_timestamp: 2 values had digits below a microsecond, truncated to microseconds (first at line 3)',
    ]);
  });

  it('holds instants far from 1970 exactly', () => {
    const frame = read('id,event_timestamp\n1,0001-01-01T00:00:00.000001Z\n2,9999-12-31T23:59:59.999999Z\n');
    expect(values(frame, 'event_timestamp')).toEqual([-62135596799999999n, 253402300799999999n]);
  });
});

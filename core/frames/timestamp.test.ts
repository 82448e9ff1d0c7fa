import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TIMESTAMP_DATE_ONLY,
  TIMESTAMP_INVALID,
  TIMESTAMP_NAIVE,
  TIMESTAMP_WITH_OFFSET,
  daysFromCivil,
  formatDate,
  formatTimestampMicros,
  formatUtcTimestamp,
  parseTimestampBytes,
  parseTimestampMicros,
  type ParsedTimestamp,
} from './timestamp';

function form(text: string): number {
  const bytes = new TextEncoder().encode(text);
  const out: ParsedTimestamp = { seconds: 0, micros: 0, truncated: false };
  return parseTimestampBytes(bytes, 0, bytes.length, out);
}

const BASE = 1618225182n * 1_000_000n; // 2021-04-12T10:59:42Z

describe('parseTimestampMicros', () => {
  it.each([
    ['2021-04-12T10:59:42Z', BASE],
    ['2021-04-12T10:59:42z', BASE],
    ['2021-04-12t10:59:42Z', BASE],
    ['2021-04-12 10:59:42', BASE],
    ['2021-04-12T10:59:42', BASE],
    ['2021-04-12T11:59:42+01:00', BASE],
    ['2021-04-12T11:59:42+0100', BASE],
    ['2021-04-12T11:59:42+01', BASE],
    ['2021-04-12T02:59:42-08:00', BASE],
    ['2021-04-12T16:29:42+05:30', BASE],
    ['2021-04-12T10:59Z', BASE - 42_000_000n],
    ['2021-04-12T10:59:42.1Z', BASE + 100_000n],
    ['2021-04-12T10:59:42.123456Z', BASE + 123_456n],
    ['2021-04-12T10:59:42.123456789Z', BASE + 123_456n],
    ['2021-04-12T10:59:42.000000001Z', BASE],
    ['2021-04-12', BASE - 39582n * 1_000_000n],
    ['1970-01-01', 0n],
    ['1969-12-31T23:59:59.999999Z', -1n],
    ['0001-01-01', -62135596800n * 1_000_000n],
    ['9999-12-31T23:59:59.999999Z', 253402300799999999n],
    ['2024-02-29', 1709164800n * 1_000_000n],
    ['2000-02-29', 951782400n * 1_000_000n],
  ])('%s', (text, micros) => {
    expect(parseTimestampMicros(text)).toBe(micros);
  });

  it.each([
    '2021-13-01',
    '2021-00-10',
    '2021-04-31',
    '2021-02-29',
    '1900-02-29',
    '0000-01-01',
    '2021-4-12',
    '21-04-12',
    '2021/04/12',
    '2021-04-12T',
    '2021-04-12T24:00:00',
    '2021-04-12T10:60:00',
    '2021-04-12T10:59:60',
    '2021-04-12T10',
    '2021-04-12T10:5',
    '2021-04-12T10:59:4',
    '2021-04-12T10:59:42.',
    '2021-04-12T10:59:42.1234567891Z',
    '2021-04-12T10:59:42+1',
    '2021-04-12T10:59:42+01:',
    '2021-04-12T10:59:42+01:0',
    '2021-04-12T10:59:42+24:00',
    '2021-04-12T10:59:42+01:60',
    '2021-04-12T10:59:42 Z',
    '2021-04-12T10:59:42ZZ',
    '2021-04-12Z',
    '2021-04-12+01:00',
    '2021-04-12_10:59:42',
    ' 2021-04-12',
    '2021-04-12 ',
    '1618225182',
    '',
  ])('rejects %j', (text) => {
    expect(parseTimestampMicros(text)).toBeUndefined();
  });

  it('reports the form of each notation', () => {
    expect(form('2021-04-12')).toBe(TIMESTAMP_DATE_ONLY);
    expect(form('2021-04-12 10:59:42')).toBe(TIMESTAMP_NAIVE);
    expect(form('2021-04-12T10:59:42Z')).toBe(TIMESTAMP_WITH_OFFSET);
    expect(form('2021-04-12T10:59:42-08:00')).toBe(TIMESTAMP_WITH_OFFSET);
    expect(form('nope')).toBe(TIMESTAMP_INVALID);
  });

  it('flags truncation only when dropped digits are not zero', () => {
    const out: ParsedTimestamp = { seconds: 0, micros: 0, truncated: false };
    const parse = (text: string) => {
      const bytes = new TextEncoder().encode(text);
      parseTimestampBytes(bytes, 0, bytes.length, out);
      return out.truncated;
    };
    expect(parse('2021-04-12T10:59:42.123456789Z')).toBe(true);
    expect(parse('2021-04-12T10:59:42.123456000Z')).toBe(false);
    expect(parse('2021-04-12T10:59:42.1234567Z')).toBe(true);
  });

  it('does not read past the end of the field', () => {
    // The bytes after `end` would complete the value if the parser looked at them.
    const bytes = new TextEncoder().encode('2021-04-12T10:59:42+01:00');
    const out: ParsedTimestamp = { seconds: 0, micros: 0, truncated: false };
    expect(parseTimestampBytes(bytes, 0, bytes.length - 1, out)).toBe(TIMESTAMP_INVALID);
    expect(parseTimestampBytes(bytes, 0, bytes.length - 5, out)).toBe(TIMESTAMP_INVALID);
    expect(parseTimestampBytes(bytes, 0, 15, out)).toBe(TIMESTAMP_INVALID);
  });
});

describe('calendar arithmetic', () => {
  it('agrees with Date.UTC for every day in 0001..9999 (sampled)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        (y, m, d) => {
          const date = new Date(0);
          date.setUTCFullYear(y, m - 1, d);
          const days = daysFromCivil(y, m, d);
          expect(days).toBe(Math.floor(date.getTime() / 86_400_000));
          expect(formatDate(days)).toBe(
            `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
          );
        },
      ),
    );
  });

  it('formats years outside 0000..9999 in the expanded form', () => {
    expect(formatDate(daysFromCivil(10000, 1, 1))).toBe('+010000-01-01');
    expect(formatDate(daysFromCivil(-1, 1, 1))).toBe('-000001-01-01');
  });
});

describe('formatting', () => {
  it('writes whole seconds without a fraction and microseconds with six digits', () => {
    expect(formatTimestampMicros(BASE)).toBe('2021-04-12T10:59:42Z');
    expect(formatTimestampMicros(BASE + 123_456n)).toBe('2021-04-12T10:59:42.123456Z');
    expect(formatTimestampMicros(BASE + 100_000n)).toBe('2021-04-12T10:59:42.100000Z');
    expect(formatTimestampMicros(-1n)).toBe('1969-12-31T23:59:59.999999Z');
    expect(formatUtcTimestamp(0, 1)).toBe('1970-01-01T00:00:00.000000001Z');
  });

  it('round-trips any microsecond instant in 0001..9999', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -62135596800000000n, max: 253402300799999999n }), (micros) => {
        expect(parseTimestampMicros(formatTimestampMicros(micros))).toBe(micros);
      }),
    );
  });
});

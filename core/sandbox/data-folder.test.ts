import { describe, expect, it } from 'vitest';
import type { WorkbenchError } from '../contract/errors';
import { inferCsvType, parseCsv, tableNameFor } from './data-folder';

describe('inferCsvType', () => {
  it('picks the narrowest Redshift type that holds every value', () => {
    expect(inferCsvType(['1', '-2', '', '9223372036854775807'])).toBe('BIGINT');
    expect(inferCsvType(['1', '9223372036854775808'])).toBe('DOUBLE PRECISION');
    expect(inferCsvType(['1', '2.5', '1e-3'])).toBe('DOUBLE PRECISION');
    expect(inferCsvType(['true', 'FALSE'])).toBe('BOOLEAN');
    expect(inferCsvType(['2024-02-29', '2023-01-01'])).toBe('DATE');
    expect(inferCsvType(['2023-02-29'])).toBe('VARCHAR(10)');
    expect(inferCsvType(['2024-01-01 10:00:00', '2024-01-02T00:00:00.123456', '2024-01-03'])).toBe(
      'TIMESTAMP',
    );
    expect(inferCsvType(['2024-01-01 10:00:00Z', '2024-01-01T10:00:00+05:30', '2024-01-01 10:00'])).toBe(
      'TIMESTAMPTZ',
    );
    expect(inferCsvType(['abc', 'ünï'])).toBe('VARCHAR(5)');
    expect(inferCsvType(['', ''])).toBe('VARCHAR(256)');
  });
});

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and newlines, and keeps line numbers', () => {
    const rows = parseCsv('a,b\r\n"x, y","say ""hi"""\n"two\nlines",\n\nlast,1', 'f.csv');
    expect(rows.map((r) => [r.line, r.cells.map((c) => c.value)])).toEqual([
      [1, ['a', 'b']],
      [2, ['x, y', 'say "hi"']],
      [3, ['two\nlines', '']],
      [6, ['last', '1']],
    ]);
  });

  it('reports malformed quoting at its position', () => {
    const position = (text: string) => {
      try {
        parseCsv(text, 'data.csv');
      } catch (error) {
        const detail = (error as WorkbenchError).detail;
        return detail.kind === 'InputInvalid' ? `${detail.line}:${detail.column} ${detail.reason}` : '';
      }
      return 'no error';
    };
    expect(position('a\n"open')).toBe('2:1 unterminated quoted field');
    expect(position('a,b\n1,"x"y\n')).toBe('2:6 unexpected character after a closing quote');
  });

  it('names tables after files in lower case', () => {
    expect(tableNameFor('Driver_Stats.CSV')).toBe('driver_stats');
  });
});

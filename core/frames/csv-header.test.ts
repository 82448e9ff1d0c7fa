import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { readCsvEntityFrame, readCsvHeader } from './csv';

const bytes = (text: string) => new TextEncoder().encode(text);

function failure(text: string): unknown {
  try {
    readCsvHeader(bytes(text), { file: 'in.csv' });
  } catch (error) {
    return error instanceof WorkbenchError ? error.detail : error;
  }
  throw new Error('expected readCsvHeader to fail');
}

describe('readCsvHeader', () => {
  it('returns the header names as the frame reader does, without reading the rows', () => {
    const text = '\uFEFF driver_id ,"a,b","line\nbreak","say ""hi"""\r\n1,2\n';
    expect(readCsvHeader(bytes(text), { file: 'in.csv' })).toEqual([
      'driver_id',
      'a,b',
      'line\nbreak',
      'say "hi"',
    ]);
    // The ragged data row is not read here; the frame reader refuses it.
    expect(() => readCsvEntityFrame(bytes(text), { file: 'in.csv' })).toThrow(/expected 4 fields/);
  });

  it('reads a header without a line break, and a header followed by CRLF rows', () => {
    expect(readCsvHeader(bytes('a,b'), { file: 'in.csv' })).toEqual(['a', 'b']);
    expect(readCsvHeader(bytes('a,b\r\n1,2\r\n'), { file: 'in.csv' })).toEqual(['a', 'b']);
    expect(readCsvHeader(bytes('a,b\r1,2\r'), { file: 'in.csv' })).toEqual(['a', 'b']);
  });

  it('refuses names that differ only in case, at the second one', () => {
    expect(failure('id,event_timestamp,ID\n1,2,3\n')).toMatchObject({
      kind: 'InputInvalid',
      file: 'in.csv',
      line: 1,
      column: 20,
      reason: expect.stringContaining('Redshift does not tell column names apart by case'),
    });
  });

  it('refuses an empty file, a blank header row and an unterminated quote with their positions', () => {
    expect(failure('')).toMatchObject({ kind: 'InputInvalid', line: 1, column: 1, reason: /empty/ });
    expect(failure('\n\n')).toMatchObject({ kind: 'InputInvalid', line: 1, column: 1 });
    expect(failure('\na,b\n')).toMatchObject({
      kind: 'InputInvalid',
      line: 1,
      reason: /header row is empty/,
    });
    expect(failure('a,"b\n1,2\n')).toMatchObject({
      kind: 'InputInvalid',
      line: 1,
      column: 3,
      reason: /unterminated/,
    });
    expect(failure('a,,c\n')).toMatchObject({
      kind: 'InputInvalid',
      line: 1,
      column: 3,
      reason: /empty name/,
    });
  });
});

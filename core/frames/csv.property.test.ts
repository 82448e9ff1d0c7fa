/** Property tests: CSV written by the workbench reads back exactly; no input makes the reader misbehave. */
import * as arrow from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WorkbenchError } from '../contract/errors';
import { readCsvEntityFrame } from './csv';
import { tableToCsv } from './csv-encode';
import { exactColumnValues, type ExactValue } from './frame-values';
import { int64, tableOf, timestamp } from './test-tables';
import type { EntityColumnType } from './types';

const MIN_MICROS = -62135596800000000n; // 0001-01-01T00:00:00Z
const MAX_MICROS = 253402300799999999n; // 9999-12-31T23:59:59.999999Z

const tricky = fc.constantFrom(
  '',
  ',',
  '"',
  '""',
  '\n',
  '\r\n',
  '\r',
  'a,b\nc',
  '007',
  '1',
  '-0',
  '1.5',
  'NaN',
  'true',
  '2021-04-12',
  ' x ',
  'é€𝄞',
);
const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 8 }), tricky);

/** Values of one column type; `null` is a null. */
function valuesOf(type: EntityColumnType, nullable: boolean): fc.Arbitrary<ExactValue> {
  const base: fc.Arbitrary<ExactValue> = {
    int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    float64: fc.double(),
    bool: fc.boolean(),
    timestamp: fc.bigInt({ min: MIN_MICROS, max: MAX_MICROS }),
    string: text,
  }[type];
  return nullable ? fc.option(base, { freq: 4 }) : base;
}

function vectorOf(type: EntityColumnType, values: ExactValue[]): arrow.Data | arrow.Vector {
  switch (type) {
    case 'int64':
      return int64(values as (bigint | null)[]);
    case 'timestamp':
      return timestamp(arrow.TimeUnit.MICROSECOND, 'UTC', values as (bigint | null)[]);
    case 'float64':
      return arrow.vectorFromArray(values as (number | null)[], new arrow.Float64());
    case 'bool':
      return arrow.vectorFromArray(values as (boolean | null)[], new arrow.Bool());
    case 'string':
      return arrow.vectorFromArray(values as (string | null)[], new arrow.Utf8());
  }
}

const columnName = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 6 })
  .filter((name) => name.trim() === name && name !== '' && name.toLowerCase() !== 'event_timestamp');

interface GeneratedFrame {
  names: string[];
  types: EntityColumnType[];
  rows: ExactValue[][];
}

/** An entity frame: an event_timestamp column (no nulls) somewhere among 0-4 other typed columns. */
function frames(options: { minRows: number; nullable: boolean }): fc.Arbitrary<GeneratedFrame> {
  return fc
    .record({
      others: fc.uniqueArray(
        fc.tuple(
          columnName,
          fc.constantFrom<EntityColumnType>('int64', 'float64', 'bool', 'timestamp', 'string'),
        ),
        {
          maxLength: 4,
          selector: ([name]) => name.toLowerCase(),
        },
      ),
      at: fc.nat(),
      rowCount: fc.integer({ min: options.minRows, max: 12 }),
    })
    .chain(({ others, at, rowCount }) => {
      const names = others.map(([name]) => name);
      const types = others.map(([, type]) => type);
      const position = at % (names.length + 1);
      names.splice(position, 0, 'event_timestamp');
      types.splice(position, 0, 'timestamp');
      const row = fc.tuple(...types.map((type, c) => valuesOf(type, options.nullable && c !== position)));
      return fc
        .array(row, { minLength: rowCount, maxLength: rowCount })
        .map((rows) => ({ names, types, rows }));
    });
}

function toTable(frame: GeneratedFrame): arrow.Table {
  return tableOf(
    Object.fromEntries(
      frame.names.map((name, c) => [
        name,
        vectorOf(
          frame.types[c]!,
          frame.rows.map((r) => r[c]!),
        ),
      ]),
    ),
  );
}

describe('CSV round trip (write with tableToCsv, read with readCsvEntityFrame)', () => {
  it('keeps every value and type when the types are given', () => {
    fc.assert(
      fc.property(frames({ minRows: 0, nullable: true }), (frame) => {
        const csv = tableToCsv(toTable(frame));
        const columnTypes = Object.fromEntries(frame.names.map((name, c) => [name, frame.types[c]!]));
        const back = readCsvEntityFrame(csv, { file: 'round-trip.csv', columnTypes });
        expect(back.rowCount).toBe(frame.rows.length);
        expect(back.columns.map((c) => c.name)).toEqual(frame.names);
        expect(back.columns.map((c) => c.type)).toEqual(frame.types);
        frame.names.forEach((name, c) => {
          expect(exactColumnValues(back.table, name), name).toEqual(frame.rows.map((r) => r[c]));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('recovers the types by inference when the values tell them apart', () => {
    // Strings that cannot be read as another type, floats that are real numbers, and at least one value each.
    const distinct = frames({ minRows: 1, nullable: false }).map((frame) => ({
      ...frame,
      rows: frame.rows.map((row) =>
        row.map((value, c) => {
          if (frame.types[c] === 'string') return `x${String(value)}`;
          if (frame.types[c] === 'float64' && !Number.isFinite(value as number)) return 0.5;
          return value;
        }),
      ),
    }));
    fc.assert(
      fc.property(distinct, (frame) => {
        const back = readCsvEntityFrame(tableToCsv(toTable(frame)), { file: 'round-trip.csv' });
        expect(back.columns.map((c) => c.type)).toEqual(frame.types);
        expect(back.timestampColumn).toBe('event_timestamp');
        frame.names.forEach((name, c) => {
          expect(exactColumnValues(back.table, name), name).toEqual(frame.rows.map((r) => r[c]));
        });
      }),
      { numRuns: 300 },
    );
  });

  it('reports a ragged row at the exact line and column, even after multi-line quoted fields', () => {
    fc.assert(
      fc.property(frames({ minRows: 1, nullable: true }), fc.nat(), (frame, pick) => {
        const csv = new TextDecoder().decode(tableToCsv(toTable(frame)));
        // Record ends are the LFs outside quotes; add one field to the end of a chosen data row.
        const ends: number[] = [];
        let quoted = false;
        for (let i = 0; i < csv.length; i++) {
          if (csv[i] === '"') quoted = !quoted;
          else if (csv[i] === '\n' && !quoted) ends.push(i);
        }
        const end = ends[1 + (pick % frame.rows.length)]!;
        const broken = `${csv.slice(0, end)},extra${csv.slice(end)}`;
        // The extra field starts right after the added comma; JS strings count UTF-16 units, as columns do.
        const at = end + 1;
        const before = broken.slice(0, at);
        const line = before.split(/\r\n|\r|\n/).length;
        const lineStart = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r')) + 1;
        let detail: unknown;
        try {
          readCsvEntityFrame(new TextEncoder().encode(broken), { file: 'ragged.csv' });
        } catch (error) {
          detail = (error as WorkbenchError).detail;
        }
        expect(detail).toEqual({
          kind: 'InputInvalid',
          file: 'ragged.csv',
          line,
          column: at - lineStart + 1,
          reason: `expected ${frame.names.length} fields, as in the header, but found ${frame.names.length + 1}`,
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('arbitrary input', () => {
  const soup = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          ...[',', '"', '\n', '\r', 'a', '1', '0', '-', ':', 'T', 'Z', '.', 'e', ' ', 't', 'r', 'u'].map(
            (c) => c.charCodeAt(0),
          ),
        ),
        fc.constantFrom(0xef, 0xbb, 0xbf, 0xff, 0xc3, 0xa9, 0x80),
        fc.constant('2021-04-12T10:59:42Z'.charCodeAt(0)),
      ),
      { maxLength: 120 },
    )
    .map((codes) => new Uint8Array(codes));
  const withHeader = fc
    .tuple(fc.constantFrom('id,event_timestamp\n', 'event_timestamp\n', 'a,b,c\n', '\ufeffid,ts\r\n'), soup)
    .map(([head, body]) => new Uint8Array([...new TextEncoder().encode(head), ...body]));
  const options = fc.record(
    {
      columnTypes: fc.dictionary(
        fc.constantFrom('id', 'a', 'b', 'ts', 'event_timestamp'),
        fc.constantFrom<EntityColumnType>('int64', 'float64', 'bool', 'timestamp', 'string'),
      ),
      timestampColumn: fc.constantFrom('id', 'a', 'ts', 'event_timestamp'),
    },
    { requiredKeys: [] },
  );

  it('either reads or throws InputInvalid with a valid position, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), soup, withHeader), options, (bytes, extra) => {
        try {
          const frame = readCsvEntityFrame(bytes, { file: 'fuzz.csv', ...extra });
          expect(frame.table.numRows).toBe(frame.rowCount);
          expect(frame.columns.map((c) => c.name)).toEqual(frame.table.schema.fields.map((f) => f.name));
        } catch (error) {
          expect(error).toBeInstanceOf(WorkbenchError);
          const detail = (error as WorkbenchError).detail;
          expect(detail.kind).toBe('InputInvalid');
          if (detail.kind === 'InputInvalid') {
            expect(detail.file).toBe('fuzz.csv');
            expect(detail.line).toBeGreaterThanOrEqual(1);
            expect(detail.column).toBeGreaterThanOrEqual(1);
            expect(detail.reason.length).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});

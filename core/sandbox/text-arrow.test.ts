import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDays, formatDecimal, formatMicros } from './arrow-text';
import {
  parseDateText,
  parseDecimalText,
  parseTimestampText,
  planUnloadColumns,
  rowsToBatch,
} from './text-arrow';
import { OID } from './pg-types';

const MICROS_RANGE = { min: -62_135_596_800_000_000n, max: 253_402_300_799_999_999n }; // years 1..9999

describe('PostgreSQL text <-> Arrow values', () => {
  it('round-trips timestamps to the microsecond', () => {
    fc.assert(
      fc.property(fc.bigInt(MICROS_RANGE), (micros) => {
        expect(parseTimestampText(formatMicros(micros))).toBe(micros);
        expect(parseTimestampText(`${formatMicros(micros)}+00`)).toBe(micros);
      }),
      { numRuns: 2000 },
    );
    expect(parseTimestampText('2021-04-12 12:40:00+02')).toBe(parseTimestampText('2021-04-12 10:40:00'));
    expect(parseTimestampText('2021-04-12 10:40:00.5-05:30')).toBe(
      parseTimestampText('2021-04-12 16:10:00.5'),
    );
  });

  it('round-trips dates, including years before 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: -719_162, max: 2_932_896 }), (days) => {
        expect(parseDateText(formatDays(days))).toBe(days);
      }),
      { numRuns: 2000 },
    );
    expect(formatDays(-719_162)).toBe('0001-01-01');
  });

  it('reads numerics at a scale, rounding half away from zero', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }),
        fc.integer({ min: 0, max: 8 }),
        (unscaled, scale) => {
          expect(parseDecimalText(formatDecimal(unscaled, scale), scale)).toBe(unscaled);
        },
      ),
      { numRuns: 1000 },
    );
    expect(parseDecimalText('1.005', 2)).toBe(101n);
    expect(parseDecimalText('-1.005', 2)).toBe(-101n);
    expect(parseDecimalText('12', 3)).toBe(12000n);
    expect(() => parseDecimalText('NaN', 2)).toThrow(/numeric value/);
  });

  it('builds record batches with exact int8 and nulls', () => {
    const fields = [
      { name: 'id', dataTypeID: OID.int8, dataTypeModifier: -1, tableID: 0, columnID: 0 },
      { name: 'label', dataTypeID: OID.varchar, dataTypeModifier: -1, tableID: 0, columnID: 0 },
      { name: 'amount', dataTypeID: OID.numeric, dataTypeModifier: -1, tableID: 0, columnID: 0 },
    ];
    const rows = [
      ['9007199254740993', 'ünï', '1.5'],
      [null, null, '-2.25'],
    ];
    const batch = rowsToBatch(planUnloadColumns(fields, rows), rows);
    expect(batch.getChild('id')!.get(0)).toBe(9007199254740993n);
    expect(batch.getChild('id')!.get(1)).toBeNull();
    expect(batch.getChild('label')!.get(0)).toBe('ünï');
    expect(String(batch.schema.fields[2]!.type)).toBe('Decimal[38e+2]');
  });
});
